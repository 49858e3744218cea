"""Shared step layer through a real distilabel pipeline on the fake engine."""

import json
from pathlib import Path

import pytest
from datasets import Dataset
from distilabel.steps import LoadDataFromDicts, StepInput

from synth_hf.config import EngineConfig, RunConfig, dump_config, load_config
from synth_hf.models.fake import FakeLLM
from synth_hf.pipelines.runner import collect, execute, new_pipeline
from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.common.dedup import NearDuplicateFilter
from synth_hf.steps.common.format import convert, qa_messages, save_exports
from synth_hf.steps.common.ledger import Ledger, batch_key


class AnswerStep(LLMStep):
    @property
    def inputs(self):
        return ["question"]

    @property
    def outputs(self):
        return ["answer", "messages"]

    def process(self, inputs: StepInput):
        before = self.llm.usage
        answers = self.llm.generate_texts([r["question"] for r in inputs])
        kept, dropped = [], []
        for row, answer in zip(inputs, answers):
            if "skip" in row["question"]:
                dropped.append((row, "asked_to_skip"))
                continue
            kept.append({**row, "answer": answer, "messages": qa_messages(row["question"], answer)})
        self.account(inputs, len(kept), dropped, usage_before=before)
        yield kept


QUESTIONS = [
    "What does metformin lower in type 2 diabetes patients?",
    "What does metformin lower in type 2 diabetes patients??",  # near-duplicate
    "Which antibiotic class treats community acquired pneumonia?",
    "Please skip this one, it is malformed",
    "Name the main risk of untreated hypertension over many years.",
]


def run_core_pipeline(run: RunConfig):
    questions = QUESTIONS
    with new_pipeline("core-steps", run) as pipeline:
        load = LoadDataFromDicts(data=[{"question": q} for q in questions])
        answer = AnswerStep(
            llm=FakeLLM(rules={"metformin": "Blood glucose.", ".": "An answer."}),
            ledger_dir=str(run.ledger_dir),
            input_batch_size=2,
        )
        dedup = NearDuplicateFilter(
            text_columns=["question"],
            minhash_threshold=0.7,
            reference_texts=["Name the main risk of untreated hypertension over many years."],
            ledger_dir=str(run.ledger_dir),
        )
        load >> answer >> dedup
    return collect(execute(pipeline, run), dedup.name, run), answer, dedup


def test_pipeline_counts_drops_usage_and_exports(tmp_path):
    questions = QUESTIONS
    run = RunConfig(output_dir=str(tmp_path), name="t", use_cache=False, exports=["alpaca", "sharegpt"])
    result, answer, dedup = run_core_pipeline(run)

    assert result.dataset["question"] == [questions[0], questions[2]]
    assert result.dataset["answer"] == ["Blood glucose.", "An answer."]
    stages = result.summary["stages"]
    assert stages[answer.name]["in"] == 5 and stages[answer.name]["out"] == 4
    assert stages[answer.name]["llm_calls"] == 5 and stages[answer.name]["batches"] == 3
    assert result.summary["drops_by_reason"] == {
        "asked_to_skip": 1,
        "near_duplicate_minhash": 1,
        "copies_reference_minhash": 1,
    }
    assert len(result.dropped) == 3 and set(result.dropped["step"]) == {answer.name, dedup.name}
    assert result.summary["llm_calls_per_row"] == 2.5
    saved = json.loads((run.run_dir / "summary.json").read_text())
    assert saved["final_rows"] == 2
    alpaca = [json.loads(line) for line in Path(result.summary["exports"]["alpaca"]).read_text().splitlines()]
    assert alpaca[0]["instruction"] == questions[0] and alpaca[0]["output"] == "Blood glucose."


def test_ledger_keeps_latest_line_per_batch_and_survives_torn_lines(tmp_path):
    ledger = Ledger(tmp_path)
    rows = [{"a": 1}]
    ledger.record("s", batch_key(rows), 1, 1, usage={"calls": 4})
    ledger.record("s", batch_key(rows), 1, 0, dropped=[(rows[0], "bad")], usage={"calls": 2})
    with open(tmp_path / "s.jsonl", "a") as fh:
        fh.write('{"step": "s", "key": "tor')
    summary = ledger.stage_summary()["s"]
    assert summary == {"batches": 1, "in": 1, "out": 0, "dropped": {"bad": 1}, "llm_calls": 2,
                       "input_tokens": 0, "output_tokens": 0, "failed_calls": 0}


def test_exports_and_errors(tmp_path):
    ds = Dataset.from_list([{"messages": qa_messages("Q?", "A.", system="Be brief."), "mode": "atomic"}])
    pc = convert(ds, "prompt_completion")[0]
    assert pc["prompt"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Q?"}]
    assert pc["completion"] == [{"role": "assistant", "content": "A."}] and pc["mode"] == "atomic"
    share = convert(ds, "sharegpt")[0]["conversations"]
    assert [t["from"] for t in share] == ["system", "human", "gpt"]
    with pytest.raises(ValueError, match="unknown export format"):
        convert(ds, "csv")
    with pytest.raises(ValueError, match="no 'messages' column"):
        convert(Dataset.from_list([{"text": "x"}]), "alpaca")
    paths = save_exports(ds, tmp_path, ["alpaca"])
    assert json.loads(Path(paths["alpaca"]).read_text())["system"] == "Be brief."


def test_config_yaml_roundtrip(tmp_path):
    run = RunConfig(name="x", input_batch_size=4)
    path = tmp_path / "c.yaml"
    path.write_text(dump_config(run))
    assert load_config(path, RunConfig) == run
    path.write_text("name: x\nbogus: 1\n")
    with pytest.raises(ValueError, match="bogus"):
        load_config(path, RunConfig)
    assert EngineConfig(engine="fake").describe() == "fake"  # the fake engine is no model (fresh-user review)
    assert EngineConfig(engine="vllm").describe() == "vllm:gemma-3-270m (embedded)"
    # review: "synthesizer openai" named no model; the shared server's URL says which (never its query)
    served = EngineConfig(engine="openai", options={"base_url": "http://127.0.0.1:8011/v1?key=s3cret"})
    assert served.describe() == "openai:the model served at http://127.0.0.1:8011/v1"


def test_step_replicas_finish_and_give_the_same_rows(tmp_path):
    # distilabel 1.5.3 hangs with replicas unless synth_hf's fix is applied (runner.execute does)
    one, _, _ = run_core_pipeline(RunConfig(output_dir=str(tmp_path), name="one", use_cache=False))
    two, answer, _ = run_core_pipeline(
        RunConfig(output_dir=str(tmp_path), name="two", use_cache=False, replicas={"answer_step": 2})
    )
    assert sorted(two.dataset["question"]) == sorted(one.dataset["question"])
    assert two.summary["stages"][answer.name]["batches"] == 3
