"""Live progress of a pipeline run, read from the ledger the step workers write (one line per
finished batch): current stage, rows in/out, drops, LLM calls, tokens/s and an ETA per stage.

In a terminal it is one rich table redrawn in place; otherwise (CI, a file) it prints a single line
when the current stage changes and at most every `line_interval_s` seconds in between, so a run's
output stays bounded: about (stages + wall time / interval) lines.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any, Self, TextIO

from synth_hf.steps.common.ledger import Ledger

PREFIX = "[progress]"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(max(0, seconds))
    return (
        f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else f"{seconds // 60}:{seconds % 60:02d}"
    )


class RunProgress:
    """Context manager around `pipeline.run()`.

    Args:
        ledger_dir: the run's ledger folder (read only).
        stages: step names in pipeline order; `upstream[name]` the step feeding it (for its expected
            input rows). Steps without a ledger (distilabel's loaders) are skipped.
        stream: where to draw (default stderr); `tty` overrides the terminal check.
    """

    def __init__(
        self,
        ledger_dir: str | Path,
        stages: list[str],
        upstream: dict[str, str] | None = None,
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        poll_s: float = 1.0,
        line_interval_s: float = 30.0,
    ) -> None:
        self.ledger = Ledger(ledger_dir)
        self.stages, self.upstream = stages, upstream or {}
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.poll_s, self.line_interval_s = poll_s, line_interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start: dict[str, float] = {}  # estimated start of each stage
        self._last_change: dict[str, tuple[float, tuple]] = {}  # when a stage's counts last moved
        self._last_line_at, self._last_stage, self._last_text = 0.0, None, ""
        self._started = time.monotonic()
        self._live: Any = None
        self.lines_printed = 0

    # ----------------------------------------------------------------- state
    def snapshot(self) -> list[dict]:
        """Per stage seen so far: in, out, dropped, calls, tokens, tokens/s, expected in, ETA (s);
        a stage still loading its engine has `loading` (engine) and `loading_s` (seconds so far)."""
        summary = self.ledger.stage_summary()
        loading = self.ledger.loading()
        now, wall = time.monotonic(), time.time()
        rows = []
        previous: str | None = None
        for name in self.stages:
            st = summary.get(name)
            mark = loading.get(name) or {}
            if st is None:
                if mark and not mark.get("done"):
                    up = summary.get(self.upstream.get(name, ""))
                    rows.append({"stage": name, "in": 0, "out": 0, "dropped": 0, "calls": 0, "tokens": 0,
                                 "tok_s": None, "expected": up["out"] if up else None, "eta": None,
                                 "loading": mark.get("engine", "engine"),
                                 "loading_s": max(0.0, wall - float(mark.get("since", wall)))})  # fmt: skip
                continue
            counts = (st["in"], st["out"], st["llm_calls"])
            if self._last_change.get(name, (0.0, None))[1] != counts:
                self._last_change[name] = (now, counts)
            if name not in self._start:  # it began after the stage before it last moved
                before = self._last_change.get(previous or "", (self._started, None))[0]
                if mark.get("done"):  # or once its engine was up, if that was later (rates exclude loading)
                    loaded = float(mark.get("since", wall)) + float(mark.get("load_s", 0.0))
                    before = max(before, now - (wall - loaded))
                self._start[name] = min(now, max(before, self._started))
            previous = name
            elapsed = max(self._last_change[name][0] - self._start[name], 0.0)
            tokens = st["input_tokens"] + st["output_tokens"]
            up = summary.get(self.upstream.get(name, ""))
            expected = up["out"] if up else None
            eta = None
            if expected and st["in"] and st["in"] < expected and elapsed > 0:
                eta = (expected - st["in"]) * elapsed / st["in"]
            rows.append(
                {
                    "stage": name,
                    "in": st["in"],
                    "out": st["out"],
                    "dropped": sum(st["dropped"].values()),
                    "calls": st["llm_calls"],
                    "tokens": tokens,
                    "tok_s": tokens / elapsed if tokens and elapsed >= 0.5 else None,
                    "expected": expected,
                    "eta": eta,
                }
            )
        return rows

    def line(self, rows: list[dict]) -> str:
        """One plain line for the current (latest) stage."""
        cur = rows[-1]
        done = len(rows)
        clock = _clock(time.monotonic() - self._started)
        head = f"{PREFIX} {clock} stage {cur['stage']} ({done}/{len(self.stages)}): "
        if cur.get("loading"):
            return head + f"loading {cur['loading']}, {_clock(cur['loading_s'])} elapsed"
        of = f"/{cur['expected']}" if cur["expected"] else ""
        return head + (
            f"in {cur['in']}{of}, out {cur['out']}, dropped {cur['dropped']}, LLM calls {cur['calls']}, "
            f"{_rate(cur['tok_s'])} tok/s, ETA {_clock(cur['eta']) if cur['eta'] is not None else '-'}"
        )

    def _table(self, rows: list[dict]) -> Any:
        from rich.table import Table

        table = Table(title=f"run {_clock(time.monotonic() - self._started)}", title_justify="left")
        for col in ("stage", "in", "out", "dropped", "LLM calls", "tok/s", "ETA"):
            table.add_column(col, justify="left" if col == "stage" else "right")
        for r in rows:
            if r.get("loading"):
                table.add_row(r["stage"], "-", "-", "-", "-", "-", f"loading {r['loading']} {_clock(r['loading_s'])}")
                continue
            seen = f"{r['in']}/{r['expected']}" if r["expected"] else str(r["in"])
            eta = _clock(r["eta"]) if r["eta"] is not None else "-"
            table.add_row(
                r["stage"], seen, str(r["out"]), str(r["dropped"]), str(r["calls"]), _rate(r["tok_s"]), eta
            )
        return table

    # ----------------------------------------------------------------- drawing
    def tick(self, final: bool = False) -> None:
        """Read the ledger once and draw (a line only when due in plain mode)."""
        try:
            rows = self.snapshot()
        except (OSError, ValueError, KeyError):  # a ledger being rewritten; next tick reads it
            return
        if not rows:
            return
        if self._live is not None:
            self._live.update(self._table(rows))
            return
        now = time.monotonic()
        changed = rows[-1]["stage"] != self._last_stage
        if final or changed or now - self._last_line_at >= self.line_interval_s:
            text = self.line(rows)
            if text.split(" ", 2)[-1] == self._last_text.split(" ", 2)[-1]:  # nothing new but the clock
                return
            print(text, file=self.stream, flush=True)
            self.lines_printed += 1
            self._last_line_at, self._last_stage, self._last_text = now, rows[-1]["stage"], text

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.tick()

    def __enter__(self) -> Self:
        if self.tty:
            from rich.console import Console
            from rich.live import Live

            self._live = Live(console=Console(file=self.stream), refresh_per_second=2, transient=False)
            self._live.start()
        self._thread = threading.Thread(target=self._loop, name="synth-hf-progress", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.tick(final=True)
        if self._live is not None:
            self._live.stop()


def pipeline_order(pipeline: Any) -> list[str]:
    """`pipeline`'s step names upstream first (a topological order of its DAG, ties in the order
    the steps were added)."""
    import networkx as nx

    return list(nx.topological_sort(pipeline.dag.G))


def for_pipeline(pipeline: Any, ledger_dir: str | Path, **kwargs: Any) -> RunProgress:
    """A RunProgress over `pipeline`'s steps in pipeline order (upstream = first predecessor)."""
    dag = pipeline.dag
    ledger = Path(ledger_dir)
    # a loader that keeps no ledger (distilabel's generators) would never show up
    stages = [
        name
        for name in pipeline_order(pipeline)
        if name not in dag.root_steps or (ledger / f"{name}.jsonl").exists()
    ]
    upstream = {}
    for name in stages:
        preds = list(dag.get_step_predecessors(name))
        if preds:
            upstream[name] = preds[0]
    return RunProgress(ledger_dir, stages, upstream, **kwargs)
