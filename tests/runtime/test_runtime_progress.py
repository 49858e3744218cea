"""Live progress: plain lines when output is not a terminal, bounded; a rich table in a terminal."""

from __future__ import annotations

import io
import time

from synth_hf.runtime.progress import PREFIX, RunProgress
from synth_hf.steps.common.ledger import Ledger


def test_non_tty_run_prints_bounded_progress_lines(graphgen_run):
    lines = [line for line in graphgen_run.stderr.splitlines() if line.startswith(PREFIX)]
    assert lines, "a non-TTY run prints progress lines"
    n_stages = len(list((graphgen_run.run_dir / "ledger").glob("*.jsonl")))
    assert len(lines) <= 2 * n_stages + 10  # one per stage change plus a few periodic ones
    assert "stage format_graphgen" in lines[-1]  # the final line reaches the leaf
    assert any("LLM calls" in line and "tok/s" in line and "ETA" in line for line in lines)


def test_progress_counts_and_eta_from_the_ledger(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.record("a", "k1", 10, 10)
    out = io.StringIO()
    progress = RunProgress(tmp_path, ["a", "b", "c"], {"b": "a", "c": "b"}, stream=out, tty=False)
    progress.snapshot()  # `a` seen; `b` starts after it
    time.sleep(0.6)
    usage = {"calls": 4, "input_tokens": 100, "output_tokens": 20}
    ledger.record("b", "k1", 4, 3, [({"x": 1}, "bad")], usage)
    rows = progress.snapshot()
    assert [r["stage"] for r in rows] == ["a", "b"]
    b = rows[1]
    assert (b["in"], b["out"], b["dropped"], b["calls"], b["tokens"], b["expected"]) == (4, 3, 1, 4, 120, 10)
    assert 0.5 <= b["eta"] <= 6 * 5 / 4 and 120 / 5 <= b["tok_s"] <= 120 / 0.5  # 6 rows left at ~4 per 0.6 s
    progress.tick()
    progress.tick()  # same stage, interval not reached: no second line
    assert progress.lines_printed == 1 and "stage b (2/3): in 4/10, out 3, dropped 1" in out.getvalue()
    ledger.record("c", "k1", 3, 3)
    progress.tick()
    assert progress.lines_printed == 2


def test_tty_draws_a_table(tmp_path):
    Ledger(tmp_path).record("a", "k1", 5, 5, usage={"calls": 5, "input_tokens": 10, "output_tokens": 10})
    out = io.StringIO()
    with RunProgress(tmp_path, ["a"], stream=out, tty=True, poll_s=0.05):
        pass
    text = out.getvalue()
    assert "LLM calls" in text and "a" in text and PREFIX not in text


def test_ledger_lists_stages_in_the_recorded_pipeline_order(tmp_path):
    ledger = Ledger(tmp_path)
    for name in ("verify", "chunk", "merge", "zzz_unknown", "aaa_unknown"):
        ledger.record(name, "k1", 1, 1)
    assert list(ledger.stage_summary()) == ["aaa_unknown", "chunk", "merge", "verify", "zzz_unknown"]
    ledger.set_order(["chunk", "merge", "verify"])
    # steps the order does not name (none in a real run) come last, by name
    assert list(ledger.stage_summary()) == ["chunk", "merge", "verify", "aaa_unknown", "zzz_unknown"]


def test_run_summary_lists_stages_in_pipeline_order(graphgen_run):
    import json

    summary = json.loads((graphgen_run.run_dir / "summary.json").read_text())
    stages = list(summary["stages"])
    expected = ["chunk", "extract", "merge", "quiz", "probe", "calibrate", "partition", "generate", "judge",
                "verify", "dedup", "format_graphgen"]  # fmt: skip
    assert [s for s in stages if s in expected] == expected
    first_words = [line.split()[0] for line in graphgen_run.stdout.splitlines() if line.split()]
    table = [word for word in first_words if word in expected]
    assert table == expected  # the table printed at the end of the run too
