"""Per-batch results on disk, so a run killed hard (SIGKILL, OOM, power loss) resumes without
recomputing any finished batch. distilabel's own cache covers clean stops; after a hard kill its
bookkeeping loses the batches that were in flight, so the pipeline is rerun from a fresh batch
manager and every batch finished before the kill is answered from here (no LLM call)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from synth_hf.steps.common.ledger import batch_key


class BatchMemo:
    def __init__(self, directory: str | os.PathLike, step: str, signature: str) -> None:
        self.dir = Path(directory) / step
        self.signature = signature

    def _path(self, rows: list[dict]) -> Path:
        key = hashlib.sha256(f"{self.signature}:{batch_key(rows)}:{len(rows)}".encode()).hexdigest()[:32]
        return self.dir / f"{key}.json"

    def get(self, rows: list[dict]) -> list[dict] | None:
        path = self._path(rows)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # missing, or torn by a kill mid-write
            return None

    def put(self, rows: list[dict], out: list[dict]) -> None:
        path = self._path(rows)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(out, default=str), encoding="utf-8")
        tmp.replace(path)  # atomic: a reader sees the whole batch or nothing
