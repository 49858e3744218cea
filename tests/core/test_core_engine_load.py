"""The run summary says how each engine was started (eager or compiled, and why)."""

import json

from distilabel.steps import LoadDataFromDicts, StepInput

from synth_hf.config import RunConfig
from synth_hf.models import VLLMEngine
from synth_hf.models.fake import FakeLLM
from synth_hf.pipelines.runner import collect, engine_load_report, execute, new_pipeline
from synth_hf.steps.common.base import LLMStep
from synth_hf.summary import format_summary


class AnswerStep(LLMStep):
    @property
    def inputs(self):
        return ["question"]

    @property
    def outputs(self):
        return ["answer"]

    def process(self, inputs: StepInput):
        before = self.llm.usage
        answers = self.llm.generate_texts([r["question"] for r in inputs])
        self.account(inputs, len(inputs), [], usage_before=before)
        yield [{**row, "answer": a} for row, a in zip(inputs, answers)]


class PlannedFakeLLM(FakeLLM):
    """A fake engine that reports a load plan, as VLLMEngine does."""

    def engine_load(self) -> dict:
        return {"engine": "fake", "mode": "eager", "reason": "test plan"}


def test_summary_carries_each_steps_engine_load(tmp_path) -> None:
    run = RunConfig(output_dir=str(tmp_path), name="t", use_cache=False, exports=[])
    with new_pipeline("engine-load", run) as pipeline:
        load = LoadDataFromDicts(data=[{"question": "What is water?"}])
        answer = AnswerStep(
            name="answer", llm=PlannedFakeLLM(default_reply="H2O."), ledger_dir=str(run.ledger_dir)
        )
        load >> answer
    result = collect(execute(pipeline, run), answer.name, run)
    expected = {"answer": {"engine": "fake", "mode": "eager", "reason": "test plan"}}
    assert result.summary["engine_load"] == expected
    assert json.loads((run.run_dir / "summary.json").read_text())["engine_load"] == expected
    assert "engine load (answer): eager - test plan" in format_summary(result.summary)


def test_vllm_steps_report_their_plan_before_loading(tmp_path) -> None:
    run = RunConfig(output_dir=str(tmp_path), name="t")
    with new_pipeline("engine-load-vllm", run) as pipeline:
        load = LoadDataFromDicts(data=[{"question": "q"}])
        small = AnswerStep(name="small", llm=VLLMEngine(device="cpu"), ledger_dir=str(run.ledger_dir))
        big = AnswerStep(
            name="big",
            llm=VLLMEngine(device="cpu", expected_decode_tokens=10**7),
            ledger_dir=str(run.ledger_dir),
        )
        load >> [small, big]
    report = engine_load_report(pipeline)
    assert report["small"]["mode"] == "eager" and "unknown" in report["small"]["reason"]
    assert report["big"]["mode"] == "compiled" and report["big"]["expected_decode_tokens"] == 10**7
    assert "load_s" not in report["small"]  # nothing was loaded
