"""Quiet console by default, everything in run.log; -v / SYNTH_HF_LOG_LEVEL show library records."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from synth_hf.runtime import logs
from synth_hf.runtime.notices import run_notices


def _record(name: str, level: int, msg: str = "hello") -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 1, msg, None, None)


def test_quiet_filter_hides_library_chatter_and_repeats(monkeypatch):
    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    f = logs.ConsoleFilter()
    for name in ("distilabel.pipeline", "httpx", "vllm.engine", "transformers.modeling_utils", "py.warnings"):
        assert not f.filter(_record(name, logging.INFO))
        assert not f.filter(_record(name, logging.WARNING))
        assert f.filter(_record(name, logging.ERROR))
    assert f.filter(_record("synth_hf", logging.WARNING, "budget spent"))
    assert not f.filter(_record("synth_hf", logging.WARNING, "budget spent"))  # once
    assert f.filter(_record("synth_hf.steps", logging.WARNING, "other"))
    assert not f.filter(_record("synth_hf", logging.INFO))


def test_verbose_and_level_env_show_everything(monkeypatch):
    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    logs.set_verbose(True)
    f = logs.ConsoleFilter()
    assert f.filter(_record("distilabel.pipeline", logging.INFO))
    assert f.filter(_record("httpx", logging.INFO))
    assert not f.filter(_record("httpx", logging.DEBUG))
    monkeypatch.setenv(logs.LEVEL_ENV, "debug")
    assert f.filter(_record("httpx", logging.DEBUG))
    monkeypatch.setenv(logs.LEVEL_ENV, "loud")
    with pytest.raises(ValueError, match="not a log level"):
        logs.explicit_level()


def test_cli_verbose_flag_after_the_command(monkeypatch, tmp_path):
    from synth_hf.cli import build_parser, main

    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    assert build_parser().parse_args(["publish", "x", "-v"]).verbose is True
    assert build_parser().parse_args(["-v", "publish", "x"]).verbose is True
    assert build_parser().parse_args(["publish", "x"]).verbose is False
    main(["-v", "publish", str(tmp_path / "missing")])
    assert logs.explicit_level() == logging.INFO


def test_notices_say_what_matters_once(tmp_path):
    (tmp_path / "calibration.json").write_text(json.dumps({"unit_loss": {"mean": 0.69, "max": 0.69}}))
    summary = {
        "llm_usage": {"budget_refusals": 3, "chat_fallbacks": 2},
        "calibration": {"n_statements": 40, "covered_mass_mean": 0.05},
        "stages": {
            "judge": {"in": 10, "out": 3, "dropped": {"judge_below_threshold": 6, "unparseable": 1}},
            "dedup": {"in": 10, "out": 9, "dropped": {"near_duplicate": 1}},
            "tiny": {"in": 2, "out": 0, "dropped": {"x": 2}},
        },
        "warnings": ["probe fell back to BFS"],
    }
    notes = run_notices(summary, tmp_path)
    text = "\n".join(notes)
    assert notes[0] == "probe fell back to BFS"
    assert "3 LLM requests were refused by the budget" in text
    assert "/completions" in text
    assert "held only 5%" in text and "same loss" in text
    assert "stage judge dropped 7 of 10 rows (70%): judge_below_threshold=6, unparseable=1" in text
    assert "dedup" not in text  # 1 of 10 is not news
    assert "stage tiny dropped 2 of 2 rows (100%)" in text  # most of a tiny stage is (fresh-user review)
    assert run_notices({"stages": {}, "calibration": {"n_statements": 5, "covered_mass_mean": 0.9}}) == []


def test_quiet_run_prints_no_library_records_but_logs_them(graphgen_run):
    console = graphgen_run.stdout + graphgen_run.stderr
    for chatter in ("distilabel", "Processing batch", "httpx", "Warning", "Saving the dataset", "Traceback"):
        assert chatter not in console, chatter
    assert "final rows:" in graphgen_run.stdout
    log = (graphgen_run.run_dir / logs.RUN_LOG).read_text(encoding="utf-8")
    # records of the step workers (other processes) crossed into the file
    worker_lines = [line for line in log.splitlines() if "distilabel" in line and "MainProcess" not in line]
    assert any("Processing batch" in line for line in worker_lines)


def test_python_warnings_reach_run_log(tmp_path):
    # a process of its own: install() changes the root logger
    code = (
        "import sys, warnings; from synth_hf.runtime import logs; logs.install(sys.argv[1]); "
        "warnings.warn('a library said something', UserWarning)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    log = (tmp_path / logs.RUN_LOG).read_text(encoding="utf-8")
    assert "py.warnings" in log and "UserWarning: a library said something" in log  # captured, not lost


def test_failing_engines_come_first_and_shortfalls_are_not_row_drops():
    summary = {
        "stages": {
            "extract": {"in": 4, "out": 0, "llm_calls": 0, "failed_calls": 12, "dropped": {"engine_failed": 4}},
            "partition": {"in": 5, "out": 5, "llm_calls": 0, "dropped": {"multi_hop_shortfall: no edges": 3}},
        },
    }
    notes = run_notices(summary)
    assert notes[0].startswith("12 of 12 LLM calls failed after their retries")
    assert not any("stage partition dropped" in n for n in notes)  # planning notes, not lost rows


def test_summary_keeps_planning_shortfalls_out_of_the_dropped_rows(tmp_path):
    from synth_hf.steps.common.ledger import Ledger
    from synth_hf.summary import build_summary

    ledger = Ledger(tmp_path)
    dropped = [({"mode": "aggregated"}, "aggregated_shortfall: only 69 rows"), ({"q": 1}, "near_duplicate_minhash")]
    ledger.record("partition", "k1", 5, 5, dropped=dropped)
    summary = build_summary(tmp_path, final_rows=5)
    assert summary["drops_by_reason"] == {"near_duplicate_minhash": 1}
    assert summary["shortfalls"] == {"aggregated": "only 69 rows"}


_LEAK = "import multiprocessing as mp, os\nlock = mp.get_context('spawn').Lock()\nos._exit(0)\n"  # a killed worker


@pytest.mark.parametrize("quiet", [True, False])
def test_a_stopped_runs_leaked_semaphores_are_not_announced_on_a_quiet_console(monkeypatch, quiet):
    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    monkeypatch.setenv("PYTHONWARNINGS", "default::DeprecationWarning")  # the user's own filter stays
    if not quiet:
        monkeypatch.setenv(logs.LEVEL_ENV, "INFO")
    logs._quiet_environment()
    import os

    if quiet:
        assert os.environ["PYTHONWARNINGS"].split(",") == ["default::DeprecationWarning", logs.TRACKER_WARNINGS]
    # the tracker outlives the process: wait for it through the pipe it holds
    out = subprocess.run([sys.executable, "-c", _LEAK], env=dict(os.environ), capture_output=True, text=True,
                         timeout=60, check=False)
    assert ("leaked semaphore" in out.stderr) is (not quiet)
