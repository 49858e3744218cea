"""Per-stage accounting shared by every step: counts, drops with reasons, LLM usage.

Steps run in distilabel worker processes, so the ledger is a folder of JSONL files (one per
step). Each batch writes one line keyed by a hash of its input; on resume a re-run batch
overwrites its earlier line when read, so nothing is counted twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Usage keys reported as their own stage fields; any other numeric key an engine counts (retries,
# http_429, wait_seconds, cost_usd, budget_refusals...) goes into the stage's "usage".
LEDGER_USAGE = ("calls", "input_tokens", "output_tokens", "failed_calls")


def nonzero_rounded(counts: Counter) -> dict[str, float]:
    """Non-zero counters, sorted; float ones (seconds, USD) are sums of per-batch differences, so
    their float noise is rounded off."""
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in sorted(counts.items()) if v}


def batch_key(rows: Iterable[dict]) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, sort_keys=True, default=str).encode())
    return digest.hexdigest()[:20]


ORDER_FILE = ".order.json"  # the pipeline's step names in run order (written by the runner)
LOADING_DIR = ".loading"  # one small file per step while (and after) its engine loads


class Ledger:
    """A run's ledger folder: one JSONL file per step. Readers list steps in pipeline order when
    the runner recorded it (`set_order`), otherwise by name."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.dir = Path(directory)

    def set_order(self, steps: Iterable[str]) -> None:
        """Record the pipeline's step names in run order (upstream first)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / ORDER_FILE).write_text(json.dumps(list(steps)), encoding="utf-8")

    def order(self) -> list[str]:
        """The recorded step order ([] when none was recorded or the file is unreadable)."""
        try:
            names = json.loads((self.dir / ORDER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        return [str(n) for n in names] if isinstance(names, list) else []

    def mark_loading(self, step: str, engine: str, done: bool = False) -> None:
        """Record that `step` is loading `engine` (`done=True` once loaded), for the live display."""
        folder = self.dir / LOADING_DIR
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{step}.json"
        since = time.time()
        if done:
            since = self.loading().get(step, {}).get("since", since)
        entry = {"engine": engine, "since": since, "done": done}
        if done:
            entry["load_s"] = round(time.time() - since, 1)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(entry), encoding="utf-8")
        tmp.replace(path)  # a reader sees the old entry or the new one, never half of one

    def loading(self) -> dict[str, dict]:
        """Per step that has started loading its engine: {engine, since (epoch s), done, load_s}."""
        out = {}
        for path in sorted((self.dir / LOADING_DIR).glob("*.json")):
            try:
                out[path.stem] = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
        return out

    def _in_order(self, by_step: dict[str, Any]) -> dict[str, Any]:
        rank = {name: i for i, name in enumerate(self.order())}
        return {k: by_step[k] for k in sorted(by_step, key=lambda k: (rank.get(k, len(rank)), k))}

    def record(
        self,
        step: str,
        key: str,
        n_in: int,
        n_out: int,
        dropped: list[tuple[dict, str]] | None = None,
        usage: dict | None = None,
        extra: dict | None = None,
    ) -> dict:
        """Append one batch's line (rows in/out, drops with reasons, usage, counters); returns it."""
        line = {
            "step": step,
            "key": key,
            "in": n_in,
            "out": n_out,
            "dropped": [{"reason": reason, "row": _jsonable(row)} for row, reason in (dropped or [])],
            "usage": usage or {},
            "extra": extra or {},
        }
        self.write(line)
        return line

    def write(self, line: dict) -> None:
        """Append a line as recorded before (a resumed batch replays the line it wrote then)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        # One write() of one line: appends from different processes never interleave.
        with open(self.dir / f"{line['step']}.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, default=str) + "\n")

    def batches(self) -> dict[str, list[dict]]:
        """Latest line per (step, batch key), steps in pipeline order (see `set_order`)."""
        out: dict[str, dict[str, dict]] = defaultdict(dict)
        if not self.dir.exists():
            return {}
        for path in sorted(self.dir.glob("*.jsonl")):
            for raw in path.read_text(encoding="utf-8").splitlines():
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:  # a torn last line after SIGKILL
                    continue
                out[line["step"]][line["key"]] = line
        return self._in_order({step: list(lines.values()) for step, lines in out.items()})

    def stage_summary(self) -> dict[str, dict[str, Any]]:
        summary: dict[str, dict[str, Any]] = {}
        for step, lines in self.batches().items():
            usage: Counter = Counter()
            reasons: Counter = Counter()
            extra: Counter = Counter()
            for line in lines:
                usage.update(
                    {
                        k: v
                        for k, v in line["usage"].items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)
                    }
                )
                reasons.update(d["reason"] for d in line["dropped"])
                extra.update({k: v for k, v in line["extra"].items() if isinstance(v, (int, float))})
            summary[step] = {
                "batches": len(lines),
                "in": sum(line["in"] for line in lines),
                "out": sum(line["out"] for line in lines),
                "dropped": dict(reasons),
                "llm_calls": int(usage.get("calls", 0)),
                "input_tokens": int(usage.get("input_tokens", 0)),
                "output_tokens": int(usage.get("output_tokens", 0)),
                "failed_calls": int(usage.get("failed_calls", 0)),
                **({"counters": dict(extra)} if extra else {}),
            }
            engine = nonzero_rounded(Counter({k: v for k, v in usage.items() if k not in LEDGER_USAGE}))
            if engine:
                summary[step]["usage"] = engine
        return summary

    def dropped_rows(self) -> list[dict]:
        rows = []
        for step, lines in self.batches().items():
            for line in lines:
                for item in line["dropped"]:
                    rows.append(
                        {"step": step, "reason": item["reason"], "row": json.dumps(item["row"], default=str)}
                    )
        return rows


def _jsonable(row: dict) -> dict:
    return json.loads(json.dumps(row, default=str))
