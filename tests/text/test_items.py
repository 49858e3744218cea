"""Items rendered once: QA / MCQ / true-false / CoT turns, answer parsing and the one token F1, shared by
GraphGen's modes, AIDE's format step and the evaluation (one true/false rendering across all three)."""

from __future__ import annotations

import pytest

from synth_hf.items import (
    after_lead,
    assistant_turn,
    cot_answer,
    mcq_answer,
    mcq_question,
    options_block,
    qa_answer,
    read_answer,
    split_mcq_answer,
    token_f1,
    true_false_answer,
    true_false_question,
    true_false_value,
    user_turn,
)
from synth_hf.steps.graphgen.modes import GenContext, get_mode

S1 = "Zorvatide is used to treat Kelmar fever."


def test_answers_come_first_then_the_evidence():
    assert qa_answer("Kelmar fever", [S1]) == f"Kelmar fever. {S1}"
    assert qa_answer("Kelmar fever.") == qa_answer("Kelmar fever") == "Kelmar fever."
    # evidence sentences without an end mark do not run together
    assert qa_answer("Ebberlin", ["X is made by Lumera Pharma", "Lumera Pharma is based in Ebberlin"]) == (
        "Ebberlin. X is made by Lumera Pharma. Lumera Pharma is based in Ebberlin.")
    assert qa_answer("Dr.") == "Dr." and qa_answer("Why?") == "Why?"
    assert mcq_question("Which disease?", ["Kelmar fever", "Sallow lung"]) == (
        "Which disease?\nA) Kelmar fever\nB) Sallow lung")
    assert mcq_answer(1, ["Sallow lung", "Kelmar fever"], [S1]) == f"B) Kelmar fever. {S1}"
    assert true_false_question(S1) == f"True or false: {S1}"
    assert true_false_answer(True) == "True." and true_false_answer(False, [S1]) == f"False. {S1}"
    assert cot_answer(["A is B.", "B is C."], "C") == "First, A is B. Then, B is C. So the answer is C."
    # a common opener is lowercased after the lead-in; a name keeps its capital
    assert cot_answer(["Kelmar fever is caused by Ostravirus.", "The spores of Ostravirus glow."], "glow") == (
        "First, Kelmar fever is caused by Ostravirus. Then, the spores of Ostravirus glow. So the answer is glow.")
    assert after_lead("An agent is it.") == "an agent is it." and after_lead("The DNA") == "the DNA"
    assert after_lead("THE END") == "THE END" and after_lead("Its spores") == "its spores"
    # the review: a step with its own lead, an answer with its full stop, an empty answer
    assert cot_answer(["First, they spread.", "They kill."], "X.") == "First, they spread. Then, they kill. So the answer is X."
    assert cot_answer(["A is B."], " ") == "First, A is B."


def test_aide_turns_use_the_same_rendering():
    assert user_turn("true_false", S1) == true_false_question(S1)
    assert assistant_turn("true_false", "false") == "False."
    assert assistant_turn("true_false", "true", evidence=[S1]) == f"True. {S1}"
    assert user_turn("mcq", "Which?", ["x", "y"]) == mcq_question("Which?", ["x", "y"])
    assert assistant_turn("mcq", "B", ["x", "y"]) == "B) y."
    assert assistant_turn("qa", "The moon pulls the water") == "The moon pulls the water"  # free text as written
    assert assistant_turn("qa", None) == ""
    with pytest.raises(ValueError, match="unknown item format"):
        user_turn("essay", "Q")
    with pytest.raises(IndexError):
        mcq_answer(2, ["x", "y"])
    with pytest.raises(ValueError, match="at most 26"):
        options_block([str(i) for i in range(27)])


def test_graphgen_aide_and_the_probe_share_one_true_false_rendering():
    """The three renderings of a true/false item that once existed now read alike."""
    from synth_hf.evaluation.scoring import yes_no_question

    row = {"sample_id": "true_false-00000", "mode": "true_false", "style": "concise", "answer_span": "Kelmar fever",
           "anchor_names": ["Zorvatide"], "evidence": [{"chunk_id": "c1", "sentence": S1}],
           "tf_statement": S1, "tf_label": True}  # fmt: skip
    built, why = get_mode("true_false").generate(row, "", GenContext())
    assert why == "" and built["question"] == user_turn("true_false", S1) == f"True or false: {S1}"
    assert built["answer"] == assistant_turn("true_false", "true", evidence=[S1]) == f"True. {S1}"
    assert yes_no_question(S1) == f"True or false: {S1}\nAnswer yes or no."  # the probe asks for yes / no


def test_answers_are_read_back_leniently():
    assert read_answer("mcq", "The answer is C", 4) == "C"
    assert read_answer("mcq", "none of them", 4) is None
    assert read_answer("true_false", "False. Zorvatide treats Sallow lung.") == "false"
    assert read_answer("qa", " Paris ### next") == "Paris" and read_answer("qa", "") is None
    with pytest.raises(ValueError, match="unknown item format"):
        read_answer("essay", "x")
    assert split_mcq_answer(f"B) Kelmar fever. {S1}") == ("B", f"Kelmar fever. {S1}")
    assert split_mcq_answer("Kelmar fever") == (None, "Kelmar fever")
    assert [true_false_value(v) for v in (True, 0, "Yes", "false.", "maybe", None)] == [True, False, True, False,
                                                                                         None, None]  # fmt: skip


def test_one_token_f1_for_agreement_and_the_metric():
    from synth_hf.metrics import load_metric

    assert token_f1("the moon pulls water", "Moon pulls the water!") == 1.0  # articles and punctuation ignored
    assert token_f1("moon", "moon pulls water") == pytest.approx(0.5)
    assert token_f1("", "x") == 0.0 and token_f1("", "") == 1.0
    pairs = [("moon pulls water", "the moon pulls the water"), ("wind", "gravity of the sun")]
    metric = load_metric("token_f1").compute(predictions=[p for p, _ in pairs], references=[r for _, r in pairs])
    assert metric["token_f1"] == pytest.approx(sum(token_f1(p, r) for p, r in pairs) / len(pairs))
