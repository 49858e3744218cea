"""AIDE on distilabel's Ray pipeline (a local cluster started by the test) gives the local rows."""

from pathlib import Path

import pytest

from synth_hf.pipelines.aide import run_aide
from synth_hf.pipelines.aide_config import AIDEConfig

pytest.importorskip("ray", reason="the ray extra is part of `make install`")

SEEDS = [
    {"question": "How do volcanoes form?", "answer": "Magma rises through the crust."},
    {"question": "Why is the sky blue?", "answer": "Air scatters blue sunlight most."},
    {"question": "Why does ice float?", "answer": "Ice is less dense than water."},
]


def _config(tmp_path: Path, executor: str) -> AIDEConfig:
    run = {"output_dir": str(tmp_path), "name": executor, "use_cache": False, "input_batch_size": 4}
    if executor == "ray":
        run.update(executor="ray", ray_num_cpus=2, replicas={"synthesize": 2})
    return AIDEConfig.model_validate(
        {
            "run": run,
            "engine": {
                "engine": "fake",
                "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"},
            },
            "seeds": {"rows": SEEDS},
            "expansion": {
                "depth": 2,
                "attributes_per_node": 2,
                "operations_per_node": 2,
                "personas_per_node": 1,
            },
            "personas": {"source": None, "embedder": "hashing", "cache_dir": str(tmp_path / "emb")},
            "quality_report": False,
        }
    )


def _rows(result) -> list[tuple]:
    return sorted(
        (r["row_id"], r["parent_id"], r["question"], r["answer"], r["operation"]) for r in result.dataset
    )


@pytest.mark.slow
def test_aide_on_ray_matches_local(tmp_path, fakes_on_worker_path):
    local = run_aide(_config(tmp_path, "local"))
    on_ray = run_aide(_config(tmp_path, "ray"))
    import ray

    ray.shutdown()
    assert len(local.dataset) > len(SEEDS)
    assert _rows(on_ray) == _rows(local)
    assert on_ray.summary["llm_calls"] == local.summary["llm_calls"]
    assert on_ray.summary["drops_by_reason"] == local.summary["drops_by_reason"]
