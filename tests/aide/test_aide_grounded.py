"""Grounded annotation: retrieval of evidence sentences, the support rules per format, the annotate
step with documents, and unverified rows left out of training."""

import pytest

from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.annotate import AnnotateAndVerify
from synth_hf.steps.aide.grounding import ground_free_text, ground_mcq, ground_true_false
from synth_hf.steps.aide.retrieve_evidence import RetrieveEvidence
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.common.ledger import Ledger
from synth_hf.text.retrieval import BM25Index, document_passages

DOCS = [
    ("zorvatide", ("Zorvatide is manufactured by Lumera Pharma. Zorvatide was approved in 2009. "
                   "The standard dose of Zorvatide is 40 mg taken twice daily.")),
    ("kelmar", "Kelmar fever is caused by Ostravirus. The grey marten is the natural reservoir of Ostravirus."),
]  # fmt: skip
EVIDENCE = ["Zorvatide is manufactured by Lumera Pharma.", "Zorvatide was approved in 2009."]


def test_passages_are_sentences_with_ids():
    passages = document_passages(DOCS)
    assert [p["chunk_id"] for p in passages] == ["zorvatide:s0", "zorvatide:s1", "zorvatide:s2", "kelmar:s0", "kelmar:s1"]
    assert passages[3]["sentence"] == "Kelmar fever is caused by Ostravirus."
    assert document_passages([("empty", "   ")]) == []


def test_bm25_ranks_the_sentence_that_answers_first():
    index = BM25Index(document_passages(DOCS))
    hits = index.search("Which company manufactures Zorvatide?", k=2)
    assert hits[0][0]["sentence"] == "Zorvatide is manufactured by Lumera Pharma."
    assert hits[0][1] > hits[1][1] > 0
    assert index.search("What is the reservoir of Ostravirus?", 1)[0][0]["chunk_id"] == "kelmar:s1"
    assert index.search("photosynthesis in leaves", 3) == []  # no shared word: nothing, not noise
    # a stray digit or letter split off a token ("gen1") matches nothing: "40 mg" must not be evidence
    assert BM25Index(document_passages([("d", "The maximum is 9. Take 40 mg.")])).search("gen9 w4 x", 3) == []


def test_free_text_answer_must_rest_on_the_evidence():
    assert ground_free_text("Which company makes Zorvatide?", "Lumera Pharma.", EVIDENCE) == ("Lumera Pharma", "")
    assert ground_free_text("Which company makes Zorvatide?", "Answer: Pfizer", EVIDENCE)[1] == (
        "unsupported_answer: name_not_in_evidence"
    )
    assert ground_free_text("When was Zorvatide approved?", "in 2011", EVIDENCE)[1] == (
        "unsupported_answer: number_not_in_evidence"
    )
    assert ground_free_text("Is Zorvatide made by Lumera Pharma?", "Lumera Pharma", EVIDENCE)[1] == (
        "question_gives_answer"
    )
    assert ground_free_text("Who makes it?", "  ", EVIDENCE) == (None, "no_answer")


def test_mcq_answer_is_the_only_option_the_evidence_states():
    q = "Which company manufactures Zorvatide?"
    assert ground_mcq(q, ["Denmar Health", "Lumera Pharma", "Orvel Biotech"], EVIDENCE) == ("B", "")
    assert ground_mcq(q, ["Denmar Health", "Orvel Biotech"], EVIDENCE) == (None, "mcq_supported_options: 0")
    # a distractor the evidence also states: not exactly one supported option
    assert ground_mcq(q, ["Lumera Pharma", "2009"], EVIDENCE) == (None, "mcq_supported_options: 2")


def test_true_false_label_comes_from_the_evidence():
    assert ground_true_false("Zorvatide is manufactured by Lumera Pharma.", EVIDENCE) == ("true", "")
    assert ground_true_false("Zorvatide was approved in 2014.", EVIDENCE) == ("false", "")  # changed year
    assert ground_true_false("Zorvatide is manufactured by Orvel Biotech.", EVIDENCE) == ("false", "")
    label, why = ground_true_false("Bananas are rich in potassium.", EVIDENCE)  # evidence is silent
    assert label is None and why.startswith("statement_not_decidable")


def answer_from_evidence(prompt: str, index: int) -> str:
    """A grounded annotator: copies the company name when the question asks for one, else guesses."""
    assert prompt.rstrip().endswith("Answer:") and "Evidence:" in prompt
    question = prompt.rsplit("Question:", 1)[1]
    return " Lumera Pharma" if "company" in question else " Denmar Health"


def _rows(fmt: str) -> list[dict]:
    mcq = fmt == "mcq"
    questions = {
        "qa": ["Which company manufactures Zorvatide?", "Who first described Zorvatide?", "How do tides form?"],
        "mcq": ["Which company manufactures Zorvatide?"] * 2,
    }[fmt]
    options = [["Denmar Health", "Lumera Pharma", "Orvel Biotech"], ["Denmar Health", "Orvel Biotech", "2020"]]
    return [
        new_row(row_id=f"r{i}", seed_id="s", hop=1, branch=("attribute", "persona")[i % 2], question=q,
                options=options[i] if mcq else [], seed_question="seed", draft_answer="B" if mcq else None)
        for i, q in enumerate(questions)
    ]  # fmt: skip


def _run_grounded(tmp_path, fmt: str, rows: list[dict], **step_kw) -> tuple[list[dict], dict, int]:
    import json

    passages = tmp_path / "passages.json"
    passages.write_text(json.dumps(document_passages(DOCS)))
    retrieve = RetrieveEvidence(name="retrieve_evidence_h1", hop=1, passages_path=str(passages), top_k=2,
                                ledger_dir=str(tmp_path))  # fmt: skip
    retrieve.load()
    rows = next(retrieve.process(rows))
    llm = FakeLLM(responder=f"{__name__}:answer_from_evidence")
    step = AnnotateAndVerify(name="annotate_h1", llm=llm, hop=1, seed_format=fmt, grounded=True,
                             ledger_dir=str(tmp_path), **step_kw)  # fmt: skip
    step.load()
    out = next(step.process(rows + [new_row(row_id="old", seed_id="s", hop=0, question="carried")]))
    assert out[-1]["row_id"] == "old"
    return out[:-1], Ledger(tmp_path).stage_summary(), llm.usage["calls"]


def test_grounded_free_text_keeps_only_supported_answers(tmp_path):
    out, ledger, calls = _run_grounded(tmp_path, "qa", _rows("qa"))
    assert ledger["retrieve_evidence_h1"]["dropped"] == {"no_evidence": 1}  # the tides question
    assert calls == 2  # one annotator call per row with evidence
    assert [r["row_id"] for r in out] == ["r0"]
    row = out[0]
    assert row["answer"] == "Lumera Pharma" and row["verified"] is True and row["verification"] == "evidence"
    assert row["evidence"][0] == {"chunk_id": "zorvatide:s0", "sentence": "Zorvatide is manufactured by Lumera Pharma."}
    annotate = ledger["annotate_h1"]
    assert annotate["dropped"] == {"unsupported_answer: name_not_in_evidence": 1}
    assert annotate["counters"]["checked:attribute"] == 1 and annotate["counters"]["supported:attribute"] == 1
    assert annotate["counters"]["checked:persona"] == 1 and annotate["counters"].get("supported:persona", 0) == 0


def test_grounded_mcq_takes_the_supported_option_without_a_call(tmp_path):
    out, ledger, calls = _run_grounded(tmp_path, "mcq", _rows("mcq"))
    assert calls == 0
    assert [(r["row_id"], r["answer"], r["answer_index"], r["agreed"]) for r in out] == [("r0", "B", 1, True)]
    assert ledger["annotate_h1"]["dropped"] == {"mcq_supported_options: 0": 1}


def test_unverified_rows_are_left_out_of_training_unless_asked():
    from datasets import Dataset

    from synth_hf.train_data import TrainingDataError, validate_training_data

    turn = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    ds = Dataset.from_dict({"messages": [turn] * 3, "verified": [True, False, None], "row_id": ["a", "b", "c"]})
    kept, report = validate_training_data(ds, "messages")
    assert kept["row_id"] == ["a", "c"] and report.unverified == 1 and "1 unverified" in report.describe()
    kept, report = validate_training_data(ds, "messages", include_unverified=True)
    assert len(kept) == 3 and report.unverified == 0
    only_unverified = Dataset.from_dict({"messages": [turn], "verified": [False]})
    with pytest.raises(TrainingDataError, match="unverified"):
        validate_training_data(only_unverified, "messages", policy="error")


def test_a_supported_span_must_answer_the_question_asked():
    """Gemma-3-270M's real grounded rows: the answer is in the evidence, but the sentence that states
    it is about another drug / pathogen than the question."""
    from synth_hf.steps.aide.grounding import about_question

    reservoirs = ["The natural reservoir of Ostravirus is the grey marten.",
                  "The natural reservoir of Plasmorix venna is the water vole."]  # fmt: skip
    makers = ["Brevimast is manufactured by Lumera Pharma.", "Quenamycin is an antibiotic used to treat Sallow lung."]
    assert ground_free_text("What is the natural reservoir of Cryptococcus?", "the water vole", reservoirs) == (
        None, "answer_not_about_question")  # fmt: skip
    assert ground_free_text("Which company manufactures an antibiotic?", "Lumera Pharma", makers)[1] == (
        "answer_not_about_question"
    )
    assert ground_free_text("Where does the natural reservoir of Ostravirus come from?", "the grey marten",
                            reservoirs) == ("the grey marten", "")  # fmt: skip
    assert about_question("What is the natural water reservoir?", "the water vole", reservoirs)
    assert ground_mcq("Which animal is the natural reservoir of Cryptococcus?", ["the water vole", "a crow"],
                      reservoirs) == (None, "answer_not_about_question")  # fmt: skip


def test_evidence_sentence_fallback_answers_with_the_sentence_about_the_question(tmp_path):
    """With `evidence_fallback`, the row whose annotator answer was unsupported ("When was Zorvatide
    approved?" -> "Denmar Health") is answered by the evidence sentence that states what it asks,
    marked `evidence_sentence` and counted apart from the annotator's support rate."""
    from synth_hf.steps.aide.grounding import evidence_sentence_answer

    rows = _rows("qa")
    rows[1]["question"] = "When was Zorvatide approved?"
    out, ledger, _ = _run_grounded(tmp_path, "qa", rows, evidence_fallback=True)
    assert [r["row_id"] for r in out] == ["r0", "r1"]
    fallback = out[1]
    assert fallback["verification"] == "evidence_sentence" and fallback["verified"] is True
    assert fallback["answer"] in [e["sentence"] for e in fallback["evidence"]] and "Zorvatide" in fallback["answer"]
    counters = ledger["annotate_h1"]["counters"]
    assert counters["answered_by_evidence_sentence"] == 1 and counters.get("supported:persona", 0) == 0
    assert out[0]["verification"] == "evidence"  # the supported answer keeps the annotator's
    sentences = ["Quillan is known for its large grain mills.", "Zorvatide was approved in 2009."]
    assert evidence_sentence_answer("When was Zorvatide approved?", sentences) == sentences[1]
    assert evidence_sentence_answer("Which company makes Brevimast?", sentences) is None  # name missing
    assert evidence_sentence_answer("When was Zorvatide approved?", ["Zorvatide was approved."]) is None


def test_evidence_sentence_answer_must_state_the_relation_asked_about():
    """A sentence that only shares the question's names states a neighbouring fact, not the answer."""
    from synth_hf.steps.aide.grounding import evidence_sentence_answer

    docs = ["Kelmar fever is treated with Zorvatide.", "Ostravirus was first isolated in 1987.",
            "Zorvatide was approved for use in 2009.", "Brastow is the capital of Valdoria.",
            "Brevimast was developed by Dr. Edda Norquist."]  # fmt: skip
    for question in ("What vaccine prevents Kelmar fever?", "Can Ostravirus infect dogs?",
                     "Who is responsible for the price of Zorvatide?", "Where does Valdoria live?"):  # fmt: skip
        assert evidence_sentence_answer(question, docs) is None, question
    assert evidence_sentence_answer("What drug treats Kelmar fever?", docs) == docs[0]
    assert evidence_sentence_answer("Who developed Brevimast?", docs) == docs[4]


def test_a_name_less_question_needs_half_its_words_said_back():
    from synth_hf.steps.aide.grounding import evidence_sentence_answer

    docs = ["Beta-blockers are not first-line for uncomplicated hypertension.",
            "Metformin is the first-line drug for type 2 diabetes with normal kidney function."]  # fmt: skip
    vignette = "What is the first-line drug for an adult with type 2 diabetes and normal kidney function?"
    assert evidence_sentence_answer(vignette, docs) == docs[1]
    assert evidence_sentence_answer(vignette, docs[:1]) is None  # shares 'first-line' and 'drug'-less words only
