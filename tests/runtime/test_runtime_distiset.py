"""distilabel-native results of a fake-engine AIDE run: the returned Distiset matches the saved
dataset; the run folder and the staged repo carry pipeline.yaml, the log, config.yaml and the report;
the staged repo re-loads with load_dataset; the AIDE report shows hops and seeds in Chromium."""

from __future__ import annotations

import re

import pytest
from browser import load
from datasets import load_dataset

from synth_hf.cli import main
from synth_hf.pipelines.aide import run_aide
from synth_hf.pipelines.aide_config import AIDEConfig

SEEDS = [
    {"question": "SEEDALPHA how do volcanoes form?", "answer": "magma rises through the crust"},
    {"question": "SEEDBETA why is the sky blue?", "answer": "rayleigh scattering of sunlight"},
]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("aide_native")
    config = AIDEConfig.model_validate(
        {
            "run": {"output_dir": str(tmp), "name": "aide", "use_cache": False, "input_batch_size": 8},
            "engine": {
                "engine": "fake",
                "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"},
            },
            "seeds": {"rows": SEEDS},
            "expansion": {
                "depth": 2,
                "attributes_per_node": 1,
                "operations_per_node": 1,
                "personas_per_node": 1,
            },
            "personas": {"source": None, "embedder": "hashing", "cache_dir": str(tmp / "emb")},
            "quality_report": True,
        }
    )
    return run_aide(config)


def test_distiset_matches_saved_dataset(result):
    from distilabel.distiset import Distiset

    assert isinstance(result.distiset, Distiset)
    leaf = (
        result.distiset["default"]["train"]
        if "default" in result.distiset
        else result.distiset["format_aide"]["train"]
    )
    assert len(leaf) == len(result.dataset) > 0
    assert leaf["messages"] == result.dataset["messages"]
    assert leaf["question"] == result.dataset["question"]


def test_run_folder_and_staged_repo_carry_pipeline_files(result, tmp_path, capsys):
    run = result.run_dir
    for name in ("pipeline.yaml", "pipeline.log", "config.yaml", "report.html"):
        assert (run / name).stat().st_size > 0, name
    staged = tmp_path / "staged"
    argv = ["publish", str(run), "--method", "aide", "--staging-dir", str(staged), "--dry-run"]
    assert main(argv) == 0, capsys.readouterr().err
    for name in ("pipeline.yaml", "pipeline.log", "config.yaml", "report.html"):
        assert (staged / name).exists(), name
    card = (staged / "README.md").read_text()
    assert "[`report.html`](report.html)" in card and "synth-hf aide --config config.yaml" in card
    loaded = load_dataset(str(staged), split="train")
    assert loaded["question"] == result.dataset["question"]
    # config.yaml re-validates as the run's own config
    assert AIDEConfig.model_validate(
        __import__("yaml").safe_load((staged / "config.yaml").read_text())
    ).seeds.rows


def test_aide_report_in_browser(result):
    dom, errors = load(result.run_dir / "report.html")
    assert errors == [] and "data-js-errors" not in dom and 'data-ready="1"' in dom
    n = len(result.dataset)
    assert re.search(rf'id="row-count" data-rows="{n}"', dom)
    assert dom.count('<tr class="row"') == n
    for hop, count in result.summary["rows_per_hop"].items():
        assert f"hop {hop}: {count}" in dom  # bar tooltip of the per-hop chart
    assert "SEEDALPHA" in dom and "seed_similarity" in dom
