"""`synth-hf eval`: closed-book before/after of a base model vs base + LoRA adapter."""

from __future__ import annotations

import argparse
from pathlib import Path


def _eval(args: argparse.Namespace) -> int:
    from synth_hf.evaluation import compare, evaluate_model
    from synth_hf.models.resolve import resolve_model

    base = resolve_model(args.model)
    tasks = {"mcq": args.mcq, "open_qa": args.open_qa, "statements": args.statements}
    if not any(tasks.values()):
        raise ValueError("give at least one of --mcq, --open-qa, --statements")
    out = Path(args.out)
    before = evaluate_model(base, None, **tasks, out_path=out / "base.json")
    if not args.adapter:
        print((out / "base.md").read_text() if (out / "base.md").exists() else before)
        return 0
    after = evaluate_model(base, args.adapter, **tasks, out_path=out / "adapter.json")
    table = compare(before, after)
    (out / "comparison.md").write_text(table)
    print(table)
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("eval", help="closed-book evaluation: MCQ log-likelihood, open QA, calibration")
    p.add_argument("--model", default=None, help="base model (default: embedded Gemma-3-270M)")
    p.add_argument("--adapter", help="LoRA adapter folder to compare against the base")
    p.add_argument("--mcq", help="MedQA-style jsonl (question, options, answer_idx)")
    p.add_argument("--open-qa", help="jsonl with question + answer")
    p.add_argument("--statements", help="jsonl with statement + label")
    p.add_argument("--out", default="outputs/eval")
    p.set_defaults(func=_eval)
