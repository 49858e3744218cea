"""Progress of single operations: bounded plain lines off a terminal, a rich bar in one, quiet
under pytest and in worker processes unless asked."""

from __future__ import annotations

import io
import multiprocessing

import pytest

from synth_hf.runtime.progress import PREFIX
from synth_hf.runtime.spinner import ENV, progress_enabled, track


def test_plain_lines_are_bounded_and_say_count_rate_and_eta():
    out = io.StringIO()
    with track("scoring", 1000, "items", stream=out, tty=False, enabled=True, line_interval_s=0.0) as bar:
        for _ in range(100):
            bar.advance(10)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{PREFIX} scoring: started (1000 items)"
    assert lines[-1].startswith(f"{PREFIX} scoring: done, 1000 items in ") and "items/s" in lines[-1]
    assert "10/1000 items" in lines[1] and "items/s" in lines[1] and "ETA" in lines[1]
    assert len(lines) == bar.lines_printed == 102  # interval 0: a line per advance


def test_interval_bounds_the_lines_of_a_long_loop():
    out = io.StringIO()
    with track("embedding", 10_000, "texts", stream=out, tty=False, enabled=True) as bar:
        for _ in range(10_000):
            bar.advance()
    assert bar.lines_printed == 2  # start and end; the loop is shorter than one interval


def test_spinner_without_total_and_a_failure_are_reported():
    out = io.StringIO()
    bar = track("starting server", stream=out, tty=False, enabled=True, line_interval_s=0.0)
    with pytest.raises(RuntimeError), bar:
        bar.advance(0)
        raise RuntimeError("exited")
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{PREFIX} starting server: started"
    assert "running" in lines[1] and "elapsed" in lines[1]
    assert lines[-1].startswith(f"{PREFIX} starting server: stopped (RuntimeError) after")


def test_tty_draws_a_rich_bar():
    out = io.StringIO()
    with track("scoring", 4, "items", stream=out, tty=True, enabled=True) as bar:
        bar.advance(4)
    text = out.getvalue()
    assert "scoring" in text and "4/4" in text and PREFIX not in text


def test_quiet_under_pytest_unless_asked(monkeypatch):
    out = io.StringIO()
    monkeypatch.delenv(ENV, raising=False)
    with track("scoring", 3, stream=out, tty=False) as bar:
        bar.advance(3)
    assert out.getvalue() == "" and not bar.enabled
    monkeypatch.setenv(ENV, "1")
    assert progress_enabled()
    monkeypatch.setenv(ENV, "0")
    assert not progress_enabled() and progress_enabled(True)


def _enabled_in_child(queue):
    import os

    os.environ.pop("PYTEST_CURRENT_TEST", None)
    os.environ.pop(ENV, None)
    queue.put(progress_enabled())


def test_off_in_worker_processes():
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_enabled_in_child, args=(queue,))
    proc.start()
    proc.join(60)
    assert queue.get(timeout=5) is False
