"""Engine utilisation of a traced pipeline run, shared by the pipeline benchmarks.

    utilisation = (time to run the same prompts as one raw batched call per call shape, step after
                   step in the pipeline's order)
                  / (pipeline time of the LLM stages)

That is `engine_utilisation_per_stage`, the headline's figure: a step whose prompts depend on an earlier
step's rows (AIDE's hop 2 extraction on hop 1's children) cannot share its batch. `engine_utilisation`
merges every step's prompts of one shape into one batch, a bound no pipeline with such steps can reach;
for GraphGen's default config, whose call shapes each lie in one step, the two are the same replay
(a config giving two steps the same generation parameters makes them differ).

The pipeline time is the union of the LLM steps' busy spans (each step's first call start to last
call end, so model loading and the time before a step's first batch are excluded). The trace comes
from `synth_hf.steps.common.trace` ($SYNTH_HF_TRACE_DIR); the replay runs on a fresh engine built
from the same engine config, after a warm-up, and reproduces each call's parameters (n, temperature,
seed, stop, max tokens) and, for json calls, the schema (so constrained decoding and re-asks too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections import defaultdict
from pathlib import Path
from typing import Any


def add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every real-run benchmark shares."""
    parser.add_argument("--out", default=None, help="output folder (default: a temp dir)")
    parser.add_argument("--batch-size", type=int, default=64, help="input and engine batch size (default: %(default)s)")
    parser.add_argument("--json", default=None, help="also write the numbers to this JSON file")
    parser.add_argument("--kv-cache-gb", type=int, default=1, help="vLLM CPU KV cache per engine")


def start_trace(workdir: Path) -> Path:
    """Trace every engine call of the run into `workdir/trace` (a reused folder starts empty)."""
    from synth_hf.steps.common.trace import TRACE_ENV

    trace_dir = workdir / "trace"
    shutil.rmtree(trace_dir, ignore_errors=True)
    os.environ[TRACE_ENV] = str(trace_dir)  # the step workers get the caller's environment
    return trace_dir


def read_trace(trace_dir: Path) -> list[dict]:
    """Every traced call of a run, in the order they started."""
    calls = [
        json.loads(line)
        for p in sorted(Path(trace_dir).glob("*.jsonl"))
        for line in p.read_text().splitlines()
    ]
    return sorted(calls, key=lambda c: c["start"])


def merged_span(intervals: list[tuple[float, float]]) -> float:
    """Length of the union of [start, end] intervals (overlapping steps are counted once)."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


def _shape(call: dict) -> tuple:
    """Calls that can share one raw batch: same kind, generation parameters and schema."""
    p = call["params"]
    schema = json.dumps(call.get("schema"), sort_keys=True) if call["kind"] == "json" else None
    return (
        call["kind"],
        p.get("max_new_tokens"),
        tuple(p.get("stop") or []),
        p.get("n", 1),
        p.get("temperature"),
        p.get("top_p"),
        p.get("seed"),
        schema,
    )


def _run_call(llm: Any, kind: str, prompts: list, params: dict, schema: dict | None) -> None:
    if kind == "score":
        llm.score_yes_no(prompts)
        return
    kwargs = {
        "num_generations": params.get("n", 1),
        "max_new_tokens": params.get("max_new_tokens") or 64,  # traces before params were resolved
        "temperature": params.get("temperature"),
        "top_p": params.get("top_p"),
        "stop": list(params.get("stop") or []),
        "seed": params.get("seed"),
    }
    if kind == "json" and schema is not None:
        llm.generate_json(prompts, schema, **kwargs)
    else:  # json calls of old traces (no schema) replay as plain generation of the same length
        llm.complete(prompts, llm._params(**kwargs))


def replay(engine_config: Any, calls: list[dict]) -> tuple[float, float, float, float]:
    """(load s, s to run every traced prompt batched together per call shape, s to rerun the calls
    one by one as the pipeline made them, s to run each step's prompts batched per call shape, step
    after step) on a fresh engine. The first merges steps that depend on each other (AIDE's hop-2
    extraction needs hop 1's rows), which no pipeline can; the last keeps that order."""
    llm = engine_config.build()
    started = time.time()
    llm.load()
    loaded = time.time()
    groups: dict[tuple, tuple[dict, list]] = {}
    for call in calls:
        groups.setdefault(_shape(call), (call, []))[1].extend(call["prompts"])
    pipeline_batch = llm.batch_size
    if calls:  # warm-up outside the timed regions: first-call allocation, one grammar per schema
        first = calls[0]["prompts"][:1]
        llm.generate_texts(first, max_new_tokens=4)
        llm.score_yes_no(first)
        for call, _ in groups.values():
            if call["kind"] == "json" and call.get("schema") is not None:
                llm.generate_json(call["prompts"][:1], call["schema"], max_new_tokens=4)
    by_step: dict[tuple, tuple[dict, list]] = {}
    for call in calls:
        by_step.setdefault((call["step"], _shape(call)), (call, []))[1].extend(call["prompts"])
    llm.batch_size = max(pipeline_batch, max((len(p) for _, p in groups.values()), default=1))
    t0 = time.time()
    for call, prompts in groups.values():
        _run_call(llm, call["kind"], prompts, call["params"], call.get("schema"))
    batched = time.time() - t0
    stage_batched = batched  # each shape within one step: the same batches, not replayed again
    if len(by_step) > len(groups):
        t0 = time.time()
        for call, prompts in by_step.values():
            _run_call(llm, call["kind"], prompts, call["params"], call.get("schema"))
        stage_batched = time.time() - t0
    llm.batch_size = pipeline_batch  # the one-by-one rerun splits batches as the pipeline did
    t0 = time.time()
    for call in calls:
        _run_call(llm, call["kind"], call["prompts"], call["params"], call.get("schema"))
    per_call = time.time() - t0
    llm.unload()
    return loaded - started, batched, per_call, stage_batched


def utilisation_figures(
    calls: list[dict],
    synth_engine_config: Any,
    trainee_engine_config: Any | None = None,
    trainee_steps: tuple[str, ...] = ("probe",),
) -> dict:
    """The utilisation figures of a traced run. Calls of `trainee_steps` replay on the trainee
    engine when one is given (GraphGen's probe), everything else on the synthesizer engine."""
    by_step: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for call in calls:
        by_step[call["step"]].append((call["start"], call["end"]))
    stage_time = merged_span([(min(a for a, _ in iv), max(b for _, b in iv)) for iv in by_step.values()])
    on_trainee = [c for c in calls if trainee_engine_config is not None and c["step"] in trainee_steps]
    on_synth = [c for c in calls if not (trainee_engine_config is not None and c["step"] in trainee_steps)]
    load_s, raw_s, per_call_s, stage_s = replay(synth_engine_config, on_synth) if on_synth else (0.0,) * 4
    if on_trainee:
        _, trainee_raw, trainee_per_call, trainee_stage = replay(trainee_engine_config, on_trainee)
        raw_s, per_call_s, stage_s = raw_s + trainee_raw, per_call_s + trainee_per_call, stage_s + trainee_stage
    return {
        "traced_calls": len(calls),
        "traced_prompts": sum(len(c["prompts"]) for c in calls),
        "llm_stage_time_s": round(stage_time, 1),
        "llm_busy_time_s": round(sum(b - a for iv in by_step.values() for a, b in iv), 1),
        "raw_batched_s": round(raw_s, 1),
        "engine_utilisation": round(raw_s / stage_time, 3) if stage_time else None,
        # each step's prompts as one batch per shape, step after step: what a pipeline whose steps
        # depend on each other can reach (AIDE's hops); the figure above merges them
        "stage_batched_s": round(stage_s, 1),
        "engine_utilisation_per_stage": round(stage_s / stage_time, 3) if stage_time else None,
        # the same calls one by one, as the pipeline made them: what is left is pipeline overhead
        "call_by_call_replay_s": round(per_call_s, 1),
        "engine_busy_share": round(per_call_s / stage_time, 3) if stage_time else None,
        "replay_load_s": round(load_s, 1),
        "per_step_span_s": {
            s: round(max(b for _, b in iv) - min(a for a, _ in iv), 1) for s, iv in by_step.items()
        },
        "per_step_traced_calls": {s: len(iv) for s, iv in by_step.items()},
    }


def run_figures(summary: dict, wall_s: float) -> dict:
    """Calls and tokens per kept row from a run summary, plus the wall time."""
    keys = ("llm_calls", "llm_tokens", "llm_calls_per_row", "llm_tokens_per_row")
    return {**{k: summary[k] for k in keys}, "pipeline_wall_s": round(wall_s, 1)}


def headline_utilisation(figures: dict) -> float | None:
    """The utilisation a headline reports against its target: each step batched in the pipeline's order
    (`engine_utilisation_per_stage`), or the merged figure from a report that has only that."""
    per_stage = figures.get("engine_utilisation_per_stage")
    return per_stage if per_stage is not None else figures.get("engine_utilisation")


def headline(rows: Any, summary: dict, wall_s: float, figures: dict) -> dict:
    """The benchmark's headline, printed first: cost per supported output row (calls, tokens,
    wall s) with engine utilisation (`headline_utilisation`) and the targets
    (synth_hf.summary.cost_per_supported_row)."""
    from synth_hf.summary import cost_per_supported_row

    return {"cost_per_supported_row": cost_per_supported_row(rows, summary, wall_s, headline_utilisation(figures))}


def report(numbers: dict, json_path: str | None) -> int:
    text = json.dumps(numbers, indent=2)
    print(text)
    if json_path:
        Path(json_path).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":  # a helper module: say so instead of exiting silently
    import sys

    print(__doc__.strip() + "\n\nA helper of benchmarks/graphgen_run.py and benchmarks/aide_run.py: run those.",
          file=sys.stderr)
    sys.exit(2)
