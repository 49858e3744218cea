"""Annotator: answers in the seed's format, independent verification, drop vs flag, one call per row."""

import pytest

from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.annotate import AnnotateAndVerify
from synth_hf.steps.aide.fake_responder import kind, last_item
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.common.ledger import Ledger

OPTIONS = ["red", "green", "blue", "grey"]


def solver(prompt: str, index: int) -> str:
    """'agree' questions: always B / true / the drafted text; 'split': a different option per
    sample; 'wrong': D / false / unrelated text."""
    assert kind(prompt) == "solve", prompt
    question = last_item(prompt)
    if "agree" in question:
        return {"mcq": "B", "tf": "True", "qa": "the moon pulls the oceans"}[question.split()[0]]
    if "split" in question:
        return "ABC"[index % 3]
    return {"mcq": "The answer is D", "tf": "false", "qa": "volcanic activity"}[question.split()[0]]


def _row(fmt: str, tag: str, draft: str | None) -> dict:
    mcq = fmt == "mcq"
    return new_row(
        row_id=f"{fmt}-{tag}",
        seed_id="s",
        hop=1,
        question=f"{fmt} {tag} question?",
        options=OPTIONS if mcq else [],
        draft_answer=draft,
        seed_question="seed q",
        seed_options=OPTIONS if mcq else [],
        seed_answer="A" if mcq else "x",
    )


def _run(tmp_path, fmt: str, rows: list[dict], **fields) -> tuple[list[dict], dict, int]:
    seed_format = {"mcq": "mcq", "tf": "true_false", "qa": "qa"}[fmt]
    llm = FakeLLM(responder=f"{__name__}:solver")
    step = AnnotateAndVerify(
        name="annotate_h1", llm=llm, hop=1, seed_format=seed_format, ledger_dir=str(tmp_path), **fields
    )
    step.load()
    out = next(step.process(rows + [new_row(row_id="old", seed_id="s", hop=0, question="carried")]))
    assert out[-1]["row_id"] == "old"  # rows of other hops pass through untouched
    return out[:-1], Ledger(tmp_path).stage_summary()["annotate_h1"], llm.usage["calls"]


def test_second_solve_drops_disagreement_with_one_call_per_row(tmp_path):
    rows = [_row("mcq", "agree", "B"), _row("mcq", "wrong", "B"), _row("mcq", "nodraft-agree", None)]
    out, ledger, calls = _run(tmp_path, "mcq", rows, verification="second_solve", on_disagreement="drop")
    assert calls == 3
    assert [r["row_id"] for r in out] == ["mcq-agree", "mcq-nodraft-agree"]
    assert out[0]["answer"] == "B" and out[0]["answer_index"] == 1 and out[0]["agreed"] is True
    assert all(r["verified"] is False for r in out)  # no documents: agreement is not proof
    assert out[1]["verification"] == "self_consistency" and out[1]["agreement"] == 1.0  # no draft: sampled
    assert ledger["dropped"] == {"verification_disagreement": 1}


def test_self_consistency_flags_split_votes(tmp_path):
    rows = [_row("mcq", "agree", "A"), _row("mcq", "split", "A")]
    out, ledger, calls = _run(
        tmp_path,
        "mcq",
        rows,
        verification="self_consistency",
        samples=3,
        min_agreement=0.6,
        on_disagreement="flag",
    )
    assert calls == 2  # n samples ride on one call
    agree, split = out
    assert (agree["answer"], agree["agreed"], agree["agreement"]) == (
        "B",
        True,
        1.0,
    )  # majority beats draft
    assert split["agreed"] is False and split["agreement"] == pytest.approx(1 / 3, abs=1e-3)
    assert ledger["counters"]["flagged"] == 1 and ledger["dropped"] == {}


@pytest.mark.parametrize("fmt, good_draft", [("tf", "true"), ("qa", "the moon pulls the oceans")])
def test_true_false_and_free_text(tmp_path, fmt, good_draft):
    rows = [_row(fmt, "agree", good_draft), _row(fmt, "wrong", good_draft)]
    out, _ledger, _ = _run(tmp_path, fmt, rows, verification="second_solve", on_disagreement="flag")
    assert [r["agreed"] for r in out] == [True, False]
    assert out[0]["answer"] == good_draft


def test_no_verification_takes_the_draft_without_calls(tmp_path):
    out, _, calls = _run(tmp_path, "mcq", [_row("mcq", "wrong", "C")], verification="none")
    assert calls == 0 and out[0]["answer"] == "C" and out[0]["agreed"] is None
