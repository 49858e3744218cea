"""Ray vs local executor overhead on the fake LLM: the same AIDE run on both, wall time and rows.

    python benchmarks/executor_overhead.py [--seeds 6 --depth 2 --repeats 1]

The fake LLM answers instantly, so the wall time is pure orchestration: process/actor start-up,
queues, batch bookkeeping. Ray runs on a local cluster this script starts (2 CPUs) and stops.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TOPICS = ["how volcanoes form", "why the sky is blue", "how vaccines work", "why bread rises",
          "how tides follow the moon", "why metals conduct electricity", "how bees find flowers",
          "why ice floats"]  # fmt: skip


def run_once(executor: str, out_dir: str, args: argparse.Namespace, tag: str) -> dict:
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig

    seeds = [{"question": f"Explain {t}.", "answer": f"A short answer about {t}."} for t in TOPICS]
    run = {"output_dir": out_dir, "name": f"{executor}-{tag}", "use_cache": False, "input_batch_size": 16,
           "executor": executor}  # fmt: skip
    if executor == "ray":
        run["ray_num_cpus"] = 2
    cfg = AIDEConfig.model_validate(
        {
            "run": run,
            "engine": {
                "engine": "fake",
                "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"},
            },
            "seeds": {"rows": seeds[: args.seeds], "num_seeds": args.seeds},
            "expansion": {
                "depth": args.depth,
                "attributes_per_node": 2,
                "operations_per_node": 2,
                "personas_per_node": 1,
            },
            "personas": {"embedder": "hashing", "cache_dir": str(Path(out_dir) / "emb")},
            "quality_report": False,
        }
    )
    started = time.time()
    result = run_aide(cfg)
    wall = time.time() - started
    rows = sorted(r["messages"][0]["content"] for r in result.dataset)
    return {"wall_s": wall, "rows": rows, "llm_calls": result.summary["llm_calls"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    timings: dict[str, list[float]] = {"local": [], "ray": []}
    outputs: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="executor_bench_") as tmp:
        for i in range(args.repeats):
            for executor in ("local", "ray"):
                out = run_once(executor, tmp, args, str(i))
                timings[executor].append(out["wall_s"])
                outputs[executor] = out
        try:
            import ray

            ray.shutdown()
        except ImportError:  # pragma: no cover
            pass
    best = {k: min(v) for k, v in timings.items()}
    figures = {
        "seeds": args.seeds,
        "depth": args.depth,
        "rows": len(outputs["local"]["rows"]),
        "llm_calls": outputs["local"]["llm_calls"],
        "same_rows": outputs["local"]["rows"] == outputs["ray"]["rows"],
        "local_wall_s": round(best["local"], 1),
        "ray_wall_s": round(best["ray"], 1),
        "ray_overhead_s": round(best["ray"] - best["local"], 1),
        "ray_over_local": round(best["ray"] / best["local"], 2) if best["local"] else None,
    }
    print(json.dumps(figures, indent=2))
    return 0 if figures["same_rows"] else 1


if __name__ == "__main__":
    sys.exit(main())
