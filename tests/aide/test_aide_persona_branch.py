"""The generated persona pool is a side branch: it runs beside hop 1's planning and attribute
extraction (as one load stage in a sequential run) and joins the chain before hop 1's retrieval."""

from __future__ import annotations

import json
import time

import pytest

from synth_hf.pipelines import aide, runner
from synth_hf.steps.aide import fake_responder
from synth_hf.steps.aide.synthesis_prompts import persona_pool_prompt
from synth_hf.steps.common.trace import TRACE_ENV
from tests.aide.test_aide_overhead_patches import _config

POOL_DELAY_S = 1.0


def slow_pool(prompt: str, index: int) -> str:
    """The stock fake, with each persona-pool prompt taking POOL_DELAY_S."""
    if fake_responder.kind(prompt) == "persona_pool":
        time.sleep(POOL_DELAY_S)
    return fake_responder.respond(prompt, index)


def _slow_config(out, **run):
    cfg = _config(out).model_dump(mode="json")
    cfg["engine"]["options"]["responder"] = f"{__name__}:slow_pool"
    cfg["run"].update(run)
    return aide.AIDEConfig.model_validate(cfg)


def test_sequential_load_stages_put_the_pool_beside_hop_one(tmp_path):
    pipeline, info = aide._build(_config(tmp_path), dry_run=True)
    stages = runner.sequential_load_groups(pipeline, info.together)
    assert stages[0] == ["load_seeds"] and stages[2:4] == [["join_persona_pool"], ["retrieve_personas_h1"]]
    assert sorted(stages[1]) == ["extract_attributes_h1", "persona_pool", "plan_h1"]
    assert sorted(n for s in stages for n in s) == sorted(info.stages)  # every step once
    preds = list(pipeline.dag.get_step_predecessors("join_persona_pool"))
    assert preds == ["extract_attributes_h1", "persona_pool"]
    with pytest.raises(ValueError, match="no step"):
        runner.sequential_load_groups(pipeline, [["persona_pool", "nope"]])


def test_pool_and_hop_one_extraction_overlap_and_rows_are_unchanged(tmp_path, monkeypatch):
    assert fake_responder.kind(persona_pool_prompt("qa", "Which drug?")) == "persona_pool"
    trace = tmp_path / "trace"
    monkeypatch.setenv(TRACE_ENV, str(trace))
    result = aide.run_aide(_slow_config(tmp_path / "run"))
    calls = {}
    for path in trace.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            call = json.loads(line)
            calls.setdefault(call["step"], []).append(call)
    pool_end = max(c["end"] for c in calls["persona_pool"])
    extract_start = min(c["start"] for c in calls["extract_attributes_h1"])
    # in the old chain extraction could start only after the pool (3 seeds x 2 samples x 1 s) was written
    assert extract_start < pool_end - POOL_DELAY_S
    assert min(c["start"] for c in calls["synthesize_h1"]) > pool_end  # retrieval read a finished pool
    stages = result.summary["stages"]
    assert stages["persona_pool"]["in"] == 3 and stages["persona_pool"]["out"] == 0
    assert stages["join_persona_pool"]["in"] == stages["extract_attributes_h1"]["out"]
    assert stages["join_persona_pool"]["out"] == stages["retrieve_personas_h1"]["in"]
    personas = {r["persona"] for r in result.dataset.to_list() if r["branch"] == "persona"}
    pool = json.loads((result.run_dir / aide.POOL_FILE).read_text())
    assert personas and personas <= set(pool["texts"])
