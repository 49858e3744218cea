"""The Evol-Instruct-style baseline (`expansion.method: evol`) on the fake model: operations only —
no attribute extraction, no personas, no seed block beyond hop 1 — with the same annotation."""

import json
import os
from pathlib import Path

from synth_hf.pipelines.aide import describe_stages, run_aide
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.steps.aide.fake_responder import kind, respond
from synth_hf.steps.aide.synthesis_prompts import synthesis_prompt

LOG_ENV = "AIDE_EVOL_PROMPT_LOG"
SEEDS = [
    {"question": "SEEDALPHA how do volcanoes form?", "answer": "magma rises through the crust"},
    {"question": "SEEDBETA why is the sky blue?", "answer": "rayleigh scattering of sunlight"},
]


def log_and_respond(prompt: str, index: int) -> str:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"kind": kind(prompt), "prompt": prompt}) + "\n")
    return respond(prompt, index)


def _config(tmp_path: Path, **expansion) -> AIDEConfig:
    return AIDEConfig.model_validate(
        {
            "run": {"output_dir": str(tmp_path), "name": "evol", "use_cache": False, "input_batch_size": 8},
            "engine": {"engine": "fake", "options": {"responder": f"{__name__}:log_and_respond"}},
            "seeds": {"rows": SEEDS},
            "personas": {"embedder": "hashing", "cache_dir": str(tmp_path / "emb")},
            "expansion": {"method": "evol", "depth": 2, **expansion},
            "quality_report": False,
        }
    )


def test_evol_config_turns_off_attributes_personas_and_residual(tmp_path):
    exp = _config(tmp_path, attributes_per_node=2, operations_per_node=3, personas_per_node=2).expansion
    assert exp.evol and exp.persona_branch_depth == 0 and exp.residual_hops == [1]
    assert exp.attribute_branch_depth == 2
    assert exp.children_per_node(1) == 2 * 3 + 2  # same children as the AIDE branching by default
    exp = _config(tmp_path, evol_children_per_node=5).expansion
    assert exp.children_per_node(2) == 5
    stages = describe_stages(_config(tmp_path))
    assert not any(s.startswith(("extract_attributes", "retrieve_personas", "persona_pool")) for s in stages)
    assert "synthesize_h2" in stages and "reflect_h2" in stages and "annotate_h2" in stages


def test_evol_prompt_has_operation_but_no_focus_persona_or_seed():
    row = {
        "branch": "evol", "operation": "add_constraints", "hop": 2, "residual": False,
        "parent_question": "PARENTQ why?", "parent_options": [], "seed_question": "SEEDQ",
        "seed_options": [], "seed_answer": "x", "attribute_triplet": None, "topic": None,
    }  # fmt: skip
    kw = {"fmt": "qa", "task_description": None, "demonstrations": [], "operations": {}, "operation_templates": {}}
    prompt = synthesis_prompt(row, **kw)
    assert "PARENTQ" in prompt and "SEEDQ" not in prompt
    assert "add one or two constraints" in prompt
    assert "Focus:" not in prompt and "Topic:" not in prompt and "Persona" not in prompt and "attribute" not in prompt
    aide_prompt = synthesis_prompt({**row, "branch": "attribute", "residual": True,
                                    "attribute_triplet": {"head": "t", "relation": "r", "tail": "a"}}, **kw)  # fmt: skip
    assert "Focus: a (r)" in aide_prompt and "SEEDQ" in aide_prompt


def test_evol_run_counts_children_and_never_extracts(tmp_path, monkeypatch):
    log = tmp_path / "prompts.jsonl"
    monkeypatch.setenv(LOG_ENV, str(log))
    result = run_aide(_config(tmp_path, evol_children_per_node=3, attributes_per_node=1, personas_per_node=1))
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    kinds = {c["kind"] for c in calls}
    assert "extract" not in kinds and "persona_synthesis" not in kinds and "persona_pool" not in kinds
    synth = [c["prompt"] for c in calls if c["kind"] == "operation_synthesis"]
    assert len(synth) == 2 * 3 + 2 * 3 * 3  # hop 1: 2 seeds x 3; hop 2: 6 x 3 (reflection passes all)
    assert all("SEEDALPHA" not in p and "SEEDBETA" not in p for p in synth[6:])  # no residual beyond hop 1
    rows = result.dataset.to_list()
    assert len(rows) == 24 and {r["branch"] for r in rows} == {"evol"}
    ops = [r["operation"] for r in rows if r["hop"] == 1 and r["seed_id"] == "seed-0"]
    assert ops == ["concretize", "add_constraints", "add_reasoning"]
    assert all(r["persona"] is None and r["attribute_triplet"] is None for r in rows)
    assert result.summary["branching"]["method"] == "evol"
    assert result.summary["stages"]["synthesize_h1"]["counters"]["children_evol"] == 6
