"""The QA-mode registry: the mode list comes from it, and a mode added in one file (here: in the test) is
validated, planned, generated with the fake LLM, support-checked and counted like a built-in one."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest
from pydantic import ValidationError

sys.path.insert(0, str(Path(__file__).parent))

from test_answer_first import S1, S2, S3, _kg

from synth_hf.graph.partition import partition
from synth_hf.items import qa_answer
from synth_hf.models.fake import FakeLLM
from synth_hf.pipelines.graphgen_config import GenerationConfig
from synth_hf.steps.graphgen.grounded_plan import plan_grounded
from synth_hf.steps.graphgen.modes import (
    GenContext,
    QAMode,
    get_mode,
    mode_names,
    planned_by,
    register,
    sentences,
    span_verdict,
    unregister,
)
from synth_hf.steps.graphgen.verify import verify_row

warnings.filterwarnings("ignore", message=".*hasn't received a pipeline.*")
BUILT_IN = ("atomic", "aggregated", "multi_hop", "cot", "multiple_choice", "true_false")
CHUNKS = {"c1": {"text": f"{S1} {S2} {S3}", "language": "en"}}


class ToyRecall(QAMode):
    """A toy mode: one fact, a 'Recall:' prompt, the answer span alone, checked like atomic."""

    name = "toy_recall"
    planner = "fact"

    def prompt(self, row: dict) -> str:
        return f"Recall: {sentences(row)[0]}\nAnswer: {row['answer_span']}\nQuestion:"

    def template(self, row: dict, ctx: GenContext) -> str | None:
        return f"Recall the fact about {row['anchor_names'][0]}: what is it?" if row["anchor_names"] else None

    def render(self, row: dict, question: str, ctx: GenContext) -> tuple[dict | None, str]:
        return {"question": question, "answer": qa_answer(row["answer_span"])}, ""

    def verify(self, row: dict, evidence: list[str]) -> str:
        return span_verdict(row, evidence, row["answer"])


@pytest.fixture
def toy():
    register(ToyRecall)
    yield get_mode("toy_recall")
    unregister("toy_recall")


def test_built_in_modes_come_from_the_registry():
    assert mode_names() == BUILT_IN
    assert [m.name for m in planned_by("fact")] == ["atomic", "multiple_choice", "true_false"]
    assert [m.name for m in planned_by("entity")] == ["aggregated"]
    assert [m.name for m in planned_by("path")] == ["multi_hop", "cot"]
    assert set(GenerationConfig().modes) == set(BUILT_IN)
    with pytest.raises(KeyError, match="unknown QA mode 'nope'"):
        get_mode("nope")


def test_register_refuses_a_taken_name_or_an_unknown_planner():
    class Again(ToyRecall):
        name = "atomic"

    class Wandering(ToyRecall):
        name = "wandering"
        planner = "random_walk"

    with pytest.raises(ValueError, match="already registered"):
        register(Again)
    with pytest.raises(ValueError, match="unknown planner"):
        register(Wandering)
    assert mode_names() == BUILT_IN


def test_a_registered_mode_is_validated_planned_generated_and_checked(toy, tmp_path):
    from synth_hf.steps.common.ledger import Ledger
    from synth_hf.steps.graphgen.generate import GenerateQA
    from synth_hf.steps.graphgen.verify import VerifySupport

    assert GenerationConfig(modes={"toy_recall": 2}).modes == {"toy_recall": 2}
    kg = _kg()
    # beside multiple choice (with atomic on, atomic would lead every fact and the toy take the second span)
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), CHUNKS,
                         {"multiple_choice": 1, "toy_recall": 1}, ["concise"], rows_per_fact=2)  # fmt: skip
    toys = [s for s in plan.samples if s["mode"] == "toy_recall"]
    assert toys and plan.planned["toy_recall"] == len(toys) == plan.planned["multiple_choice"]  # they rotate
    llm = FakeLLM(rules={"^Recall: Kelmar fever": "What causes Kelmar fever?"}, default_reply="no")
    gen = GenerateQA(name="generate", llm=llm, ledger_dir=str(tmp_path))
    gen.load()
    rows = gen.run_batch(toys)
    assert any(p.startswith("Recall: ") for p in llm.prompts_seen)  # the mode's own prompt was asked
    by_generator = {r["generator"] for r in rows}
    assert by_generator == {"llm", "template"}  # the LLM's question where it passed, else the template
    llm_row = next(r for r in rows if r["generator"] == "llm")
    assert llm_row["question"] == "What causes Kelmar fever?" and llm_row["answer"] == "Ostravirus."
    verify = VerifySupport(name="verify", ledger_dir=str(tmp_path))
    verify.load()
    kept = verify.run_batch(rows)
    assert kept and all(verify_row(r) == "" for r in kept)
    counters = Ledger(tmp_path).stage_summary()["verify"]["counters"]
    assert counters["checked:toy_recall"] == len(rows) and counters["supported:toy_recall"] == len(kept)


def test_an_unregistered_mode_is_refused_everywhere():
    with pytest.raises(ValidationError, match="unknown generation modes"):
        GenerationConfig(modes={"toy_recall": 1})
    kg = _kg()
    with pytest.raises(ValueError, match="unknown QA modes"):
        plan_grounded(kg, [], CHUNKS, {"toy_recall": 1}, ["concise"])
