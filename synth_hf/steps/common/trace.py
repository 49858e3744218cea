"""Optional LLM call trace for benchmarks: with $SYNTH_HF_TRACE_DIR set, every engine call an LLM step
makes (GraphGen, AIDE, any `LLMMixin` step) is appended to `<dir>/<step>.<pid>.jsonl` as one record:
step, kind (generate / json / score), prompts, the resolved generation parameters (n and temperature
included), the JSON schema of json calls, start / end time and the engine usage it cost. A benchmark
replays the same prompts as one raw batch and compares (see benchmarks/utilisation.py).

`LLMMixin.load()` calls `trace_engine` on the step's engines; without the variable nothing is wrapped.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

TRACE_ENV = "SYNTH_HF_TRACE_DIR"

# Public engine entry points and the kind each is logged as. `generate_texts` and `generate_json`
# go through `self.complete` (json re-asks call it again): only the outermost call is logged, so one
# call a step makes is one record and `complete` called by a step directly is still seen.
TRACED_METHODS = {
    "generate_texts": "generate",
    "complete": "generate",
    "generate_json": "json",
    "score_yes_no": "score",
}
_PARAM_KEYS = ("max_new_tokens", "temperature", "top_p", "n", "stop", "seed")
_USAGE_KEYS = ("calls", "input_tokens", "output_tokens", "failed_calls")

_inside = threading.local()  # depth of traced calls in this thread


def tracing() -> bool:
    return bool(os.environ.get(TRACE_ENV))


def write_record(record: dict) -> None:
    directory = os.environ.get(TRACE_ENV)
    if not directory:
        return
    path = Path(directory) / f"{record['step']}.{os.getpid()}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record, default=str) + "\n")


def trace_engine(llm: Any, step: str) -> None:
    """Route `llm`'s public call methods through the trace, labelled `step`. No-op unless tracing."""
    if not tracing():
        return
    for name, kind in TRACED_METHODS.items():
        # Engines are pydantic models: a plain setattr would be refused as an unknown field.
        object.__setattr__(llm, name, _TracedMethod(llm, name, step, kind))


class _TracedMethod:
    """Stands in for one engine method on the instance. Holds the class function rather than a bound
    method, so a (re)wrapped or pickled engine never ends up calling a wrapper from a wrapper."""

    def __init__(self, llm: Any, name: str, step: str, kind: str) -> None:
        self.llm, self.name, self.step, self.kind = llm, name, step, kind

    def __call__(self, prompts: Any, *args: Any, **kwargs: Any) -> Any:
        func = getattr(type(self.llm), self.name)
        if getattr(_inside, "depth", 0) or not len(prompts):
            return func(self.llm, prompts, *args, **kwargs)
        usage_before = self.llm.usage
        _inside.depth = 1
        start = time.time()
        try:
            out = func(self.llm, prompts, *args, **kwargs)
        finally:
            _inside.depth = 0
        end = time.time()
        record: dict[str, Any] = {"step": self.step, "kind": self.kind, "prompts": list(prompts)}
        params, schema = self._params(args, kwargs)
        record["params"] = params
        if schema is not None:
            record["schema"] = schema
        usage = self.llm.usage
        record.update(
            start=start,
            end=end,
            engine=f"{type(self.llm).__name__}:{self.llm.model_name}",
            usage={k: usage.get(k, 0) - usage_before.get(k, 0) for k in _USAGE_KEYS},
        )
        write_record(record)
        return out

    def _params(self, args: tuple, kwargs: dict) -> tuple[dict, dict | None]:
        """The generation parameters the engine really used (its defaults filled in) and the schema."""
        if self.name == "score_yes_no":
            return {}, None
        schema = None
        if self.name == "complete":
            given = args[0] if args else kwargs.get("params")
            resolved = given if given is not None else self.llm._params()
        else:
            rest = dict(kwargs)
            if self.name == "generate_json":
                schema = args[0] if args else rest.pop("schema", None)
            resolved = self.llm._params(**rest)
        return {k: getattr(resolved, k) for k in _PARAM_KEYS}, schema
