"""Single AIDE steps called directly (no pipeline): skip rules, salvage, drops, engine accounting."""

import json

from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.extract import ExtractAttributes
from synth_hf.steps.aide.reflect import SelfReflect
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.aide.synthesize import SynthesizeChildren
from synth_hf.steps.common.ledger import Ledger

TRUNCATED = ' {"topic": "ice", "attributes": [{"attribute": "density", "relation": "explains"}, {"attribute":'


def _node(row_id: str, hop: int, **kw) -> dict:
    return new_row(
        row_id=row_id,
        seed_id="s",
        hop=hop,
        question=f"question {row_id}?",
        seed_question="seed?",
        seed_answer="a",
        **kw,
    )


def test_extraction_skips_leaves_and_salvages_truncated_json(tmp_path):
    llm = FakeLLM(default_reply=TRUNCATED, structured_retries=0)
    step = ExtractAttributes(name="extract", llm=llm, hop=2, attributes_per_node=2, ledger_dir=str(tmp_path))
    step.load()
    rows = [_node("a", 1, attr_quota=2), _node("leaf", 1), _node("b", 1, persona_quota=1), _node("old", 0)]
    out = {r["row_id"]: r for r in next(step.process(rows))}
    assert llm.usage["calls"] == 2  # only the two rows with a quota
    assert out["a"]["topic"] == "ice" and out["a"]["attributes"] == [
        {"attribute": "density", "relation": "explains"}
    ]
    assert out["a"]["extraction_raw"] == TRUNCATED
    assert out["leaf"]["topic"] is None and out["old"]["extraction_raw"] is None
    counters = Ledger(tmp_path).stage_summary()["extract"]["counters"]
    assert counters["skipped_leaves"] == 1 and counters["fewer_attributes"] == 1


def test_synthesis_drops_unusable_replies_with_reason(tmp_path):
    llm = FakeLLM(rules={"Operation": "\nAnswer: nothing"}, default_reply=" A new question?\nAnswer: yes")
    step = SynthesizeChildren(
        name="synth",
        llm=llm,
        hop=1,
        operation_order=["concretize"],
        operations_per_node=1,
        operations={"concretize": "be concrete"},
        ledger_dir=str(tmp_path),
    )
    step.load()
    parent = _node(
        "seed-0",
        0,
        topic="ice",
        attributes=[{"attribute": "density", "relation": "explains"}],
        personas=["a chef"],
        persona_scores=[0.5],
        attr_quota=1,
        persona_quota=1,
    )
    out = next(step.process([parent]))
    assert [r["row_id"] for r in out] == ["seed-0.p1"]  # the seed is consumed, the empty reply dropped
    assert out[0]["question"] == "A new question?" and out[0]["draft_answer"] == "yes"
    stage = Ledger(tmp_path).stage_summary()["synth"]
    assert stage["dropped"] == {"synthesis_empty_question": 1} and stage["llm_calls"] == 2


def test_separate_grader_calls_are_counted(tmp_path):
    grader = FakeLLM(
        default_reply=json.dumps({"relevance": 9, "diversity": 9, "feedback": "ok"}), name="judge"
    )
    step = SelfReflect(name="reflect", llm=FakeLLM(), grader=grader, hop=1, ledger_dir=str(tmp_path))
    step.load()
    rows = [_node(f"c{i}", 1, parent_question="parent?") for i in range(3)] + [_node("p", 0)]
    out = next(step.process(rows))
    assert len(out) == 4 and all(r["grader_model"] == "judge" for r in out if r["hop"] == 1)
    assert Ledger(tmp_path).stage_summary()["reflect"]["llm_calls"] == 3
