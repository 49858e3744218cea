"""The driver patches that cut AIDE's non-engine time (stage polling, the cache location fixed per run,
distilabel's cache saved only at the end) leave the run's output as upstream distilabel makes it: the
benchmark's grounded answer-first shape on the fake engine, run both ways in one process."""

from __future__ import annotations

import json
from pathlib import Path

from synth_hf import distilabel_compat
from synth_hf.distilabel_compat import patches
from synth_hf.pipelines import aide
from synth_hf.pipelines.aide_config import AIDEConfig

DATA = Path(aide.__file__).resolve().parents[1] / "data"


def _config(out: Path) -> AIDEConfig:
    seeds = []
    for line in (DATA / "medqa_sample.jsonl").read_text(encoding="utf-8").splitlines()[:3]:
        row = json.loads(line)
        seeds.append({"id": row["id"], "question": row["question"], "answer": row["options"][row["answer_idx"]]})
    return AIDEConfig.model_validate({
        "run": {"output_dir": str(out), "name": "run", "use_cache": False, "input_batch_size": 64},
        "engine": {"engine": "fake", "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"}},
        "seeds": {"rows": seeds, "format": "qa", "task_description": "Answer clinical questions."},
        "expansion": {"depth": 2, "attributes_per_node": 1, "operations_per_node": 2, "personas_per_node": 1},
        "personas": {"source": None, "per_seed": 2, "embedder": "hashing", "cache_dir": str(out / "emb")},
        "reflection": {"enabled": False},
        "annotation": {"answer_source": "evidence"},
        "quality_report": False,
        "documents": {"source": str(DATA / "medical_corpus")},
        "sequential_steps": True,
    })  # fmt: skip


def _outcome(result) -> dict:
    stages = {
        name: (s["in"], s["out"], s["dropped"], s["llm_calls"], s.get("counters"))
        for name, s in result.summary["stages"].items()
    }
    return {"rows": result.dataset.to_list(), "dropped": result.dropped.to_list(), "stages": stages}


def test_patched_run_writes_what_upstream_distilabel_writes(tmp_path, monkeypatch):
    from distilabel.pipeline.base import BasePipeline

    distilabel_compat.apply()
    patched = _outcome(aide.run_aide(_config(tmp_path / "patched")))
    assert len(patched["rows"]) >= 5 and {r["hop"] for r in patched["rows"]} == {1, 2}

    for name, upstream in patches.UPSTREAM.items():
        monkeypatch.setattr(BasePipeline, name, upstream)
    monkeypatch.setattr(aide, "CACHE_INTERVAL_S", 10.0)  # the interval before the final-save-only change
    upstream = _outcome(aide.run_aide(_config(tmp_path / "upstream")))
    assert upstream == patched
