"""LoRA steps/s and evaluation statements/s on the embedded model at 1 thread vs every core.

    python benchmarks/train_eval_threads.py [--steps 4] [--threads 1,2]

Training and evaluation run in the recipe's own process after the vLLM server has stopped;
`use_all_cores` (called by `train_lora` and `evaluate_model`) gives them every core back when
something shrank torch's pool. This shows what that is worth on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

DATA = Path(__import__("synth_hf").__file__).resolve().parent / "data"


def qa_rows() -> list[dict]:
    rows = [
        json.loads(line) for line in (DATA / "medqa_sample.jsonl").read_text().splitlines() if line.strip()
    ]
    return [
        {
            "messages": [
                {"role": "user", "content": r["question"]},
                {"role": "assistant", "content": r["answer"]},
            ]
        }
        for r in rows
    ]


def main() -> None:
    import torch
    from datasets import Dataset

    from synth_hf.compute_threads import usable_cores
    from synth_hf.evaluation.scoring import load_for_eval, yes_no_scores
    from synth_hf.models.resolve import resolve_model
    from synth_hf.train import train_lora

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--threads", default=f"1,{usable_cores()}")
    args = parser.parse_args()
    os.environ.pop("OMP_NUM_THREADS", None)
    base = resolve_model(None)
    dataset = Dataset.from_list(qa_rows())
    statements = [
        json.loads(line)["statement"] for line in (DATA / "statements_heldout.jsonl").read_text().splitlines()
    ]
    lm = load_for_eval(base)
    yes_no_scores(lm, statements[:4])  # warm-up
    rows = []
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        start = time.perf_counter()
        yes_no_scores(lm, statements)
        stmt_s = len(statements) / (time.perf_counter() - start)
        # train_lora would restore every core; pin the pool for the 1-thread row through the env.
        os.environ["OMP_NUM_THREADS"] = str(threads)
        with tempfile.TemporaryDirectory() as out:
            result = train_lora(dataset, base, out, max_steps=args.steps, batch_size=4)
        os.environ.pop("OMP_NUM_THREADS")
        rows.append((threads, result.metrics["torch_threads"], 1 / result.seconds_per_step, stmt_s))
        print(f"threads={threads}: {rows[-1]}", flush=True)
    print(f"\nembedded Gemma-3-270M, LoRA batch 4 x {args.steps} steps; {len(statements)} yes/no statements; "
          f"load avg {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")  # fmt: skip
    print(f"{'threads':>8}{'train threads':>15}{'LoRA steps/s':>14}{'eval stmt/s':>13}")
    for threads, seen, steps_s, stmt_s in rows:
        print(f"{threads:>8}{seen:>15}{steps_s:>14.3f}{stmt_s:>13.1f}")


if __name__ == "__main__":
    main()
