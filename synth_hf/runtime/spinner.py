"""Progress of one long operation outside a pipeline run (server start, embedding, evaluation).

In a terminal it is a rich bar (or a spinner when the total is unknown) with count, rate, elapsed
time and ETA. Otherwise (CI, a file) it prints a `[progress]` line when the operation starts, at
most one every `line_interval_s` seconds while it runs, and one when it ends, so the output stays
bounded at about 2 + duration / interval lines.

It is off under pytest and in worker processes (distilabel's step workers, where the pipeline's
own display already runs) unless asked: `track(..., enabled=True)` or `SYNTH_HF_PROGRESS=1`;
`SYNTH_HF_PROGRESS=0` turns it off everywhere.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
from types import TracebackType
from typing import Any, Self, TextIO

from synth_hf.runtime.progress import PREFIX, _clock

ENV = "SYNTH_HF_PROGRESS"
LINE_INTERVAL_S = 15.0  # between plain lines while an operation runs
_ON, _OFF = {"1", "on", "true", "yes"}, {"0", "off", "false", "no"}


def progress_enabled(explicit: bool | None = None) -> bool:
    """Whether a display should be drawn: `explicit` wins, then `SYNTH_HF_PROGRESS`, then off
    under pytest and in child processes, else on."""
    if explicit is not None:
        return explicit
    env = os.environ.get(ENV, "").strip().lower()
    if env in _ON:
        return True
    if env in _OFF:
        return False
    if "PYTEST_CURRENT_TEST" in os.environ:
        return False
    return multiprocessing.parent_process() is None


class Tracker:
    """Context manager for one operation; `advance(n)` after each unit of work (n=0 just lets a
    plain line come due, e.g. from a polling loop). A disabled tracker does nothing.

    Args:
        description: what is running ("scoring MCQ options").
        total: units expected, or None for a spinner with elapsed time only.
        unit: name of a unit in the rate ("items/s").
        stream: where to draw (default: sys.stderr at entry); `tty` overrides the terminal check.
        enabled: see `progress_enabled`.
        line_interval_s: seconds between plain lines while running (default `LINE_INTERVAL_S`).
        heartbeat: for one blocking call that cannot `advance` (a model load): a background thread
            lets the plain lines come due while it runs.
    """

    def __init__(
        self,
        description: str,
        total: int | None = None,
        unit: str = "items",
        *,
        stream: TextIO | None = None,
        tty: bool | None = None,
        enabled: bool | None = None,
        line_interval_s: float | None = None,
        heartbeat: bool = False,
    ) -> None:
        self.description, self.total, self.unit = description, total, unit
        self.heartbeat = heartbeat
        self._beat: threading.Event | None = None
        self.enabled = progress_enabled(enabled)
        self._stream, self._tty = stream, tty
        self.line_interval_s = LINE_INTERVAL_S if line_interval_s is None else line_interval_s
        self.done = 0
        self.lines_printed = 0
        self._started = self._last_line = 0.0
        self._rich: Any = None
        self._task_id: Any = None

    # ----------------------------------------------------------------- plain lines
    def _print(self, text: str) -> None:
        print(f"{PREFIX} {self.description}: {text}", file=self.stream, flush=True)
        self.lines_printed += 1
        self._last_line = time.monotonic()

    def _rate(self, elapsed: float) -> float | None:
        return self.done / elapsed if self.done and elapsed > 0 else None

    def _status(self) -> str:
        elapsed = time.monotonic() - self._started
        if self.total is None and not self.done:
            return f"running, {_clock(elapsed)} elapsed"
        rate = self._rate(elapsed)
        of = f"/{self.total}" if self.total is not None else ""
        text = f"{self.done}{of} {self.unit}, {f'{rate:.1f}' if rate else '-'} {self.unit}/s"
        if self.total is not None:
            eta = (self.total - self.done) / rate if rate else None
            text += f", ETA {_clock(eta) if eta is not None else '-'}"
        return text + f", {_clock(elapsed)} elapsed"

    # ----------------------------------------------------------------- API
    def advance(self, n: int = 1) -> None:
        """Count `n` more units done and redraw (a plain line only when due)."""
        if not self.enabled:
            return
        self.done += n
        if self._rich is not None:
            self._rich.update(self._task_id, completed=self.done)
        elif time.monotonic() - self._last_line >= self.line_interval_s:
            self._print(self._status())

    def __enter__(self) -> Self:
        if not self.enabled:
            return self
        self.stream = self._stream or sys.stderr
        tty = self.stream.isatty() if self._tty is None else self._tty
        self._started = time.monotonic()
        if tty:
            self._rich = _rich_progress(self.stream, self.unit, self.total is not None)
            self._rich.start()
            self._task_id = self._rich.add_task(self.description, total=self.total)
        else:
            of = f" ({self.total} {self.unit})" if self.total is not None else ""
            self._print(f"started{of}")
            if self.heartbeat:
                self._beat = threading.Event()
                threading.Thread(target=self._pulse, args=(self._beat,), daemon=True).start()
        return self

    def _pulse(self, stop: threading.Event) -> None:
        while not stop.wait(min(1.0, self.line_interval_s)):
            self.advance(0)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.enabled:
            return
        if self._beat is not None:
            self._beat.set()
        if self._rich is not None:
            self._rich.stop()
            return
        elapsed = time.monotonic() - self._started
        if exc_type is not None:
            self._print(f"stopped ({exc_type.__name__}) after {_clock(elapsed)}")
            return
        rate = self._rate(elapsed)
        count = f"{self.done} {self.unit} " if self.done else ""
        speed = f" ({rate:.1f} {self.unit}/s)" if rate and self.total is not None else ""
        self._print(f"done, {count}in {_clock(elapsed)}{speed}")


def track(description: str, total: int | None = None, unit: str = "items", **kwargs: Any) -> Tracker:
    """A `Tracker` (see there); use as `with track("embedding", len(texts), "texts") as bar:`."""
    return Tracker(description, total, unit, **kwargs)


def _rich_progress(stream: TextIO, unit: str, bounded: bool) -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Any) -> Text:
            speed = task.finished_speed or task.speed
            return Text(f"{speed:.1f} {unit}/s" if speed else f"- {unit}/s")

    columns: list[Any] = [SpinnerColumn(), TextColumn("{task.description}")]
    if bounded:
        columns += [BarColumn(), MofNCompleteColumn(), RateColumn()]
    columns.append(TimeElapsedColumn())
    if bounded:
        columns.append(TimeRemainingColumn())
    return Progress(*columns, console=Console(file=stream), transient=False)
