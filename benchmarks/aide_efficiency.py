"""AIDE efficiency: LLM calls per kept row, counted by the ledger, on the fake model.

    python benchmarks/aide_efficiency.py [--seeds 10 --depth 2 --attributes 3 --operations 3 --personas 2]

Runs the pipeline without and with self-reflection. With reflection, a fixed 20% of first
drafts are graded as too close to their parent and pass after one re-synthesis, so the
re-synthesis path is part of the count. The reference implementation spends ~3.07 calls per
kept row at 10 seeds, depth 2 (extraction on leaves, no verification); target here <= 2.1.
Structural cost without reflection: 1 synthesis + 1 annotation/verification call per row, plus
one extraction per non-leaf node (1/b per row at b children per node) and one persona-pool call
per seed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synth_hf.steps.aide.fake_responder import kind, respond

SEED_TOPICS = [
    "how volcanoes form",
    "why the sky is blue",
    "how vaccines train the immune system",
    "why bread dough rises",
    "how tides follow the moon",
    "why metals conduct electricity",
    "how bees find flowers",
    "why leaves change colour in autumn",
    "how a refrigerator cools food",
    "why ice floats on water",
    "how rainbows form",
    "why the sea is salty",
]


def reflective_responder(prompt: str, index: int) -> str:
    """Like the stock fake, but 1 in 5 first drafts is graded as a near-copy of its parent."""
    if kind(prompt) == "grade":
        new = re.findall(r"^New: (.*)$", prompt, re.MULTILINE)[-1]
        if int(hashlib.sha256(new.encode()).hexdigest()[:4], 16) % 5 == 0 and "retry" not in new:
            return json.dumps({"relevance": 9, "diversity": 2, "feedback": "too close to the parent"})
    reply = respond(prompt, index)
    if kind(prompt).endswith("_synthesis") and "Rejected attempt" in prompt:
        reply = reply.replace("?", " retry?", 1)
    return reply


def run(args: argparse.Namespace, reflection: bool, out_dir: str) -> dict:
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig

    seeds = [{"question": f"Explain {t}.", "answer": f"A short answer about {t}."} for t in SEED_TOPICS]
    cfg = AIDEConfig.model_validate(
        {
            "run": {
                "output_dir": out_dir,
                "name": f"reflection_{reflection}",
                "use_cache": False,
                "input_batch_size": 64,
            },
            "engine": {"engine": "fake", "options": {"responder": f"{__name__}:reflective_responder"}},
            "seeds": {"rows": seeds[: args.seeds], "num_seeds": args.seeds},
            "expansion": {
                "depth": args.depth,
                "attributes_per_node": args.attributes,
                "operations_per_node": args.operations,
                "personas_per_node": args.personas,
            },
            "personas": {"embedder": "hashing", "cache_dir": str(Path(out_dir) / "emb")},
            "reflection": {"enabled": reflection, "max_attempts": 2},
            "quality_report": False,
        }
    )
    started = time.time()
    result = run_aide(cfg)
    s = result.summary
    per_stage: dict[str, int] = {}
    for name, stage in s["stages"].items():
        key = re.sub(r"_h\d+$", "", name)
        per_stage[key] = per_stage.get(key, 0) + stage["llm_calls"]
    return {
        "reflection": reflection,
        "kept_rows": s["final_rows"],
        "llm_calls": s["llm_calls"],
        "calls_per_kept_row": s["llm_calls_per_row"],
        "calls_by_stage": {k: v for k, v in sorted(per_stage.items()) if v},
        "drops": s["drops_by_reason"],
        "wall_s": round(time.time() - started, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--attributes", type=int, default=3)
    parser.add_argument("--operations", type=int, default=3)
    parser.add_argument("--personas", type=int, default=2)
    parser.add_argument("--out", help="write the JSON results here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="aide_bench_") as tmp:
        results = {
            "branching": {
                "seeds": args.seeds,
                "depth": args.depth,
                "children_per_node": f"{args.attributes} attributes x {args.operations} operations + "
                f"{args.personas} personas = "
                f"{args.attributes * args.operations + args.personas}",
            },
            "reference_calls_per_kept_row": 3.07,
            "target_without_reflection": 2.1,
            "runs": [run(args, False, tmp), run(args, True, tmp)],
        }
    text = json.dumps(results, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
