"""benchmarks/aide_run.py end to end on the fake engine: the headline comes first, the new depth and
seed options reach the run, and bad options are one error line."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "aide_run.py"), *args],
        capture_output=True, text=True, timeout=600, cwd=ROOT, check=False,
    )  # fmt: skip


def test_fake_run_reports_cost_per_supported_row_over_two_hops(tmp_path):
    out = tmp_path / "bench"
    done = _run("--engine", "fake", "--seeds", "2", "--depth", "2", "--out", str(out), "--json", str(tmp_path / "n.json"))
    assert done.returncode == 0, done.stderr[-2000:]
    numbers = json.loads((tmp_path / "n.json").read_text())
    assert next(iter(numbers)) == "cost_per_supported_row"
    assert numbers["seeds"] == 2 and numbers["depth"] == 2 and numbers["server_start_s"] is None  # no server for the fake engine
    assert 0 < numbers["non_llm_wall_s"] <= numbers["pipeline_wall_s"]
    # the headline's utilisation: each hop batched on its own, not the merged bound beside it
    assert numbers["cost_per_supported_row"]["engine_utilisation"] == numbers["engine_utilisation_per_stage"]
    steps = numbers["per_step_calls"]
    assert "synthesize_h1" in steps and "synthesize_h2" in steps  # --depth 2 reached the run
    # grounded annotation answers from the evidence: no call, so its engine was never even loaded
    from synth_hf.steps.common.ledger import Ledger

    loaded = Ledger(Path(numbers["run_dir"]) / "ledger").loading()
    assert {"synthesize_h1", "synthesize_h2"} <= set(loaded)
    assert not any(s.startswith("annotate") for s in [*steps, *loaded]), loaded


def test_bad_seed_count_or_depth_is_one_error_line(tmp_path):
    for args, says in ((["--seeds", "0"], "--seeds must be"), (["--seeds", "99"], "--seeds must be"),
                       (["--depth", "0"], "--seeds must be"), (["--concurrency", "8"], "--concurrency must be")):
        done = _run("--engine", "fake", *args, "--out", str(tmp_path / "x"))
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert says in done.stderr.strip().splitlines()[-1]
    done = _run("--concurrency", "0", "--out", str(tmp_path / "x"))  # checked before any server starts
    assert done.returncode == 2 and "--concurrency must be" in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "x").exists()


def test_template_questions_make_no_synthesis_call_and_need_documents(tmp_path):
    out = tmp_path / "bench"
    done = _run("--engine", "fake", "--seeds", "2", "--depth", "1", "--questions", "template", "--out", str(out),
                "--json", str(tmp_path / "n.json"))
    assert done.returncode == 0, done.stderr[-2000:]
    numbers = json.loads((tmp_path / "n.json").read_text())
    assert "synthesize_h1" not in numbers["per_step_calls"], numbers["per_step_calls"]
    head = numbers["cost_per_supported_row"]
    assert head["supported_rows"] > 0 and set(head["questions_by_generator"]) == {"template"}
    done = _run("--engine", "fake", "--questions", "template", "--documents", "none", "--out", str(tmp_path / "y"))
    assert done.returncode == 2 and "needs answer-first" in done.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "y").exists()


def test_the_headline_takes_the_per_stage_utilisation_and_falls_back_to_the_merged_one():
    from benchmarks.utilisation import headline_utilisation

    assert headline_utilisation({"engine_utilisation": 0.75, "engine_utilisation_per_stage": 0.9}) == 0.9
    assert headline_utilisation({"engine_utilisation": 0.75}) == 0.75  # an older report
    assert headline_utilisation({"engine_utilisation": None, "note": "not replayed"}) is None
