"""Re-running a saved run (issue 12 item 3): what the README and the dataset card promise.

- `synth-hf graphgen --config <run>/config.yaml --output-dir NEW` re-runs it: same rows.
- `distilabel pipeline run --config <run>/pipeline.yaml` runs on the machine that made the run while
  its folder exists (its steps name that folder's absolute paths) and answers the finished batches
  from the folder's memo; its output lands in distilabel's cache, not in a synth_hf run folder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
from datasets import load_from_disk

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "graphgen")]), **extra}
    env.pop("SYNTH_HF_LOG_LEVEL", None)
    return env


def _rows(dataset) -> list[tuple[str, str]]:
    return sorted(zip(dataset["question"], dataset["answer"]))


def test_config_yaml_reruns_the_run_into_a_new_folder(graphgen_run, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "synth_hf.cli", "graphgen", "--config", str(graphgen_run.run_dir / "config.yaml"),
         "--output-dir", str(tmp_path / "again")],
        capture_output=True, text=True, env=_env(), cwd=str(tmp_path), timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    first = load_from_disk(str(graphgen_run.run_dir / "dataset"))
    again = load_from_disk(str(tmp_path / "again" / graphgen_run.run_dir.name / "dataset"))
    assert len(again) == len(first) > 0 and _rows(again) == _rows(first)


def test_distilabel_cli_runs_pipeline_yaml_in_place_from_the_run_memo(graphgen_run, tmp_path):
    pipeline_yaml = graphgen_run.run_dir / "pipeline.yaml"
    assert str(graphgen_run.run_dir / "input") in pipeline_yaml.read_text(encoding="utf-8")  # absolute paths
    cache = tmp_path / "distilabel-cache"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "distilabel"), "pipeline", "run", "--config", str(pipeline_yaml)],
        capture_output=True, text=True, env=_env(DISTILABEL_CACHE_DIR=str(cache)), cwd=str(tmp_path),
        timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert "finished before, reused" in proc.stdout  # batches answered from the run folder's memo
    shards = sorted(cache.glob("graphgen/*/executions/*/data/steps_outputs/format_graphgen/*.parquet"))
    assert shards, "distilabel keeps its output in its own cache"
    table = [row for shard in shards for row in pq.read_table(shard).to_pylist()]
    first = load_from_disk(str(graphgen_run.run_dir / "dataset"))
    assert sorted((r["question"], r["answer"]) for r in table) == _rows(first)


def test_recorded_config_keeps_a_note_and_reruns(tmp_path, capsys):
    from synth_hf.cli import main
    from synth_hf.config import EngineConfig
    from synth_hf.pipelines.graphgen_config import GraphGenConfig
    from synth_hf.runtime.artifacts import record_config

    docs = tmp_path / "docs.jsonl"
    docs.write_text('{"text": "Aspirin inhibits Cyclooxygenase."}\n', encoding="utf-8")
    config = GraphGenConfig.model_validate({"input": {"source": str(docs)}, "synthesizer": EngineConfig(engine="fake")})
    path = record_config(tmp_path, config, note="served by a temporary server\nre-runs use these engines")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# served by a temporary server\n# re-runs use these engines\n")
    assert main(["graphgen", "--config", str(path), "--output-dir", str(tmp_path / "o"), "--dry-run"]) == 0
    assert "synthesizer fake:" in capsys.readouterr().err


def test_card_says_how_to_rerun_and_what_pipeline_yaml_is(tmp_path):
    from datasets import Dataset

    from synth_hf.hub import stage_dataset

    run = tmp_path / "run"
    run.mkdir()
    (run / "pipeline.yaml").write_text("distilabel: {}\n", encoding="utf-8")
    (run / "config.yaml").write_text("input: {source: x}\n", encoding="utf-8")
    staged = stage_dataset(Dataset.from_list([{"question": "q", "answer": "a"}]), tmp_path / "hub",
                           card_context={"method": "GraphGen", "run_dir": str(run)})  # fmt: skip
    card = (staged / "README.md").read_text(encoding="utf-8")
    assert "synth-hf graphgen --config config.yaml --output-dir rerun" in card
    assert "point `--input` (GraphGen)" in card and "It is a record, not a way to re-run" in card
