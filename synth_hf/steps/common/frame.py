"""The batch frame every synth_hf step runs in (pure helpers; the step hook is in `base`).

Empty-stream guard. distilabel never hands a step a batch built from nothing: a normal step whose
upstream sent only empty batches, or a global step whose whole input is empty, waits forever. So
a step whose output is empty sends one placeholder row instead; every step drops placeholders on
input (steps never see them, the ledger never counts them) and the leaf outputs none.

Global steps receive their rows through `pyarrow.Table.from_pylist`, which takes the columns from
the *first* row: real rows and placeholders therefore carry the same keys (the flag is False on
real rows).

Per-batch memo. Each finished batch's output rows and the ledger lines it wrote are kept on disk,
keyed by the step signature and the batch's input. A run killed hard (SIGKILL, OOM, power loss)
is rerun from a fresh distilabel batch manager; a batch answered from the memo makes no LLM call
and writes its ledger lines again, so the resumed run's accounting equals an uninterrupted run's.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from synth_hf.steps.common.ledger import batch_key

PLACEHOLDER = "synth_placeholder"

# Ledger lines written while a batch runs (the frame stores them with the batch's memo entry).
_CAPTURED: ContextVar[list[dict] | None] = ContextVar("synth_hf_ledger_lines", default=None)


def real_rows(rows: Iterable[dict]) -> list[dict]:
    """The rows that are not placeholders, without the flag column."""
    return [{k: v for k, v in r.items() if k != PLACEHOLDER} for r in rows if not r.get(PLACEHOLDER)]


def flagged(rows: list[dict]) -> list[dict]:
    return [{**r, PLACEHOLDER: False} for r in rows]


def placeholder(columns: Iterable[str]) -> dict:
    row: dict = {c: None for c in columns}
    row[PLACEHOLDER] = True
    return row


def captured_line(line: dict) -> None:
    """Called by the ledger writer: remember `line` for the batch being run, if any."""
    lines = _CAPTURED.get()
    if lines is not None:
        lines.append(line)


@contextmanager
def capture_ledger_lines() -> Iterator[list[dict]]:
    """Collect the ledger lines written inside the block (one batch of one step)."""
    lines: list[dict] = []
    token = _CAPTURED.set(lines)
    try:
        yield lines
    finally:
        _CAPTURED.reset(token)


class BatchMemo:
    """Output rows and ledger lines of finished batches, one JSON file per batch under
    `directory/step`. Writes are atomic (temp file + rename): a reader sees a whole entry or none."""

    def __init__(self, directory: str | os.PathLike, step: str, signature: str) -> None:
        self.dir = Path(directory) / step
        self.signature = signature

    def _path(self, rows: list[dict]) -> Path:
        key = hashlib.sha256(f"{self.signature}:{batch_key(rows)}:{len(rows)}".encode()).hexdigest()[:32]
        return self.dir / f"{key}.json"

    def get(self, rows: list[dict]) -> tuple[list[dict], list[dict]] | None:
        """(output rows, ledger lines) of this input batch, or None when it never finished."""
        try:
            entry = json.loads(self._path(rows).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, or torn by a kill mid-write
            return None
        if not isinstance(entry, dict) or not isinstance(entry.get("rows"), list):
            return None  # an entry of an older layout: recompute rather than lose its accounting
        return entry["rows"], list(entry.get("ledger") or [])

    def put(self, rows: list[dict], out: list[dict], ledger_lines: list[dict] | None = None) -> None:
        path = self._path(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        entry = {"rows": out, "ledger": ledger_lines or []}
        tmp.write_text(json.dumps(entry, default=str), encoding="utf-8")
        tmp.replace(path)
