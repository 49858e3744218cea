"""Optional LLM call trace for benchmarks: with $SYNTH_HF_TRACE_DIR set, every engine call of a GraphGen
step is appended (prompts, parameters, start/end time) to `<dir>/<step>.<pid>.jsonl`, so a benchmark
can replay the exact prompts as one raw batch and compare."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TRACE_ENV = "SYNTH_HF_TRACE_DIR"


def _log(step: str, kind: str, prompts: list, params: dict, start: float, end: float) -> None:
    directory = os.environ.get(TRACE_ENV)
    if not directory:
        return
    path = Path(directory) / f"{step}.{os.getpid()}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"step": step, "kind": kind, "prompts": prompts, "params": params, "start": start, "end": end}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


def traced(step: str, kind: str, call: Callable[..., Any], prompts: list, **params: Any) -> Any:
    """`call(prompts, **params)`, timed and logged when tracing is on."""
    if not prompts:
        return []
    start = time.time()
    out = call(prompts, **params)
    _log(step, kind, list(prompts), {k: v for k, v in params.items() if k != "schema"}, start, time.time())
    return out
