"""Benchmark call trace: with $SYNTH_HF_TRACE_DIR set, any LLM step's engine calls (AIDE here, which
calls the engine directly) are logged once each under the step's name; without it nothing is written."""

import json
import pickle

from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.annotate import AnnotateAndVerify
from synth_hf.steps.aide.extract import ExtractAttributes
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.aide.synthesize import SynthesizeChildren
from synth_hf.steps.common.trace import TRACE_ENV


def _parent() -> dict:
    return new_row(
        row_id="seed-0",
        seed_id="seed-0",
        hop=0,
        question="Why does ice float?",
        seed_question="Why does ice float?",
        seed_answer="It is less dense.",
        topic="ice",
        attributes=[{"attribute": "density", "relation": "explains"}],
        personas=["a chef"],
        persona_scores=[0.5],
        attr_quota=1,
        persona_quota=1,
    )


def _synthesize(tmp_path) -> tuple[SynthesizeChildren, list[dict]]:
    step = SynthesizeChildren(
        name="synthesize_h1",
        llm=FakeLLM(default_reply=" A new question?\nAnswer: yes"),
        hop=1,
        operation_order=["concretize"],
        operations_per_node=1,
        operations={"concretize": "be concrete"},
        ledger_dir=str(tmp_path / "ledger"),
    )
    step.load()
    return step, next(step.process([_parent()]))


def _records(trace_dir) -> list[dict]:
    return [
        json.loads(line) for p in sorted(trace_dir.glob("*.jsonl")) for line in p.read_text().splitlines()
    ]


def test_aide_step_calls_are_logged_once_under_the_step_name(tmp_path, monkeypatch):
    trace_dir = tmp_path / "trace"
    monkeypatch.setenv(TRACE_ENV, str(trace_dir))
    step, children = _synthesize(tmp_path)  # generate_texts, which goes through complete
    assert len(children) == 2 and step.llm.usage["calls"] == 2
    annotate = AnnotateAndVerify(
        name="annotate_h1",
        llm=FakeLLM(default_reply="yes"),
        hop=1,
        verification="self_consistency",
        samples=3,
        ledger_dir=str(tmp_path / "ledger"),
    )
    annotate.load()
    next(annotate.process([dict(c, draft_answer=None) for c in children]))  # complete, n=3
    extract = ExtractAttributes(
        name="extract_h1",
        llm=FakeLLM(default_reply="no json here", structured_retries=2),
        hop=1,
        attributes_per_node=1,
        ledger_dir=str(tmp_path / "ledger"),
    )
    extract.load()
    next(extract.process([dict(_parent(), hop=0)]))  # generate_json: 3 attempts, one record

    by_step = {r["step"]: r for r in _records(trace_dir)}
    assert len(_records(trace_dir)) == 3 and sorted(by_step) == ["annotate_h1", "extract_h1", "synthesize_h1"]
    synth = by_step["synthesize_h1"]
    assert synth["kind"] == "generate" and len(synth["prompts"]) == 2 and synth["usage"]["calls"] == 2
    assert synth["params"]["temperature"] == step.temperature and synth["start"] <= synth["end"]
    ann = by_step["annotate_h1"]
    assert ann["kind"] == "generate" and ann["params"]["n"] == 3 and ann["params"]["temperature"] == 0.7
    ext = by_step["extract_h1"]
    assert ext["kind"] == "json" and "properties" in ext["schema"] and "schema" not in ext["params"]
    assert len(ext["prompts"]) == 1 and ext["usage"]["calls"] == 3  # the re-asks are inside the one record
    assert pickle.loads(pickle.dumps(step.llm)).generate_texts(["q"]) == [" A new question?\nAnswer: yes"]


def test_nothing_is_wrapped_or_written_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(TRACE_ENV, raising=False)
    step, children = _synthesize(tmp_path)
    assert len(children) == 2
    assert "generate_texts" not in step.llm.__dict__ and "complete" not in step.llm.__dict__
    assert [p.parent.name for p in tmp_path.rglob("*.jsonl")] == ["ledger"]  # the ledger line only
