"""`synth-hf eval`: closed-book before/after of a base model vs base + LoRA adapter."""

from __future__ import annotations

import argparse
from pathlib import Path

from synth_hf.cli.args import add_command


def _eval(args: argparse.Namespace) -> int:
    from synth_hf.evaluation import compare, evaluate_model
    from synth_hf.models.resolve import is_embedded, resolve_model

    tasks = {"mcq": args.mcq, "open_qa": args.open_qa, "statements": args.statements}
    if not any(tasks.values()):
        raise ValueError("give at least one of --mcq, --open-qa, --statements")
    if args.adapter and not (Path(args.adapter) / "adapter_config.json").is_file():
        raise FileNotFoundError(f"no LoRA adapter at {args.adapter} (adapter_config.json missing)")
    usable = check_eval_sets(tasks)  # bad files fail here, before a model is loaded
    # a named model must be findable (a folder, the Hub, or the HF cache); the embedded one always is
    base = resolve_model(args.model) if not is_embedded(args.model) else None
    if args.dry_run:
        for name, (n_ok, skipped) in usable.items():
            print(f"{name}: {n_ok} items usable, {len(skipped)} skipped" + (f" (first: {skipped[0]})" if skipped else ""))
        print("dry run: no model loaded")
        return 0
    base = base or resolve_model(args.model)
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


def check_eval_sets(tasks: dict[str, str | None]) -> dict[str, tuple[int, list[dict]]]:
    """Load and normalise each given evaluation file: {task: (usable items, skipped rows with reasons)}.

    Raises FileNotFoundError / ValueError (file and line named) for unreadable files, and ValueError when
    a file has no usable item.
    """
    from synth_hf.evaluation import load_rows, normalize_mcq, normalize_open, normalize_statements

    normalizers = {"mcq": normalize_mcq, "open_qa": normalize_open, "statements": normalize_statements}
    result = {}
    for name, source in tasks.items():
        if source is None:
            continue
        items, skipped = normalizers[name](load_rows(source))
        if not items:
            first = f"; first: {skipped[0]}" if skipped else ""
            raise ValueError(f"--{name.replace('_', '-')} {source}: no usable item ({len(skipped)} rows skipped{first})")
        result[name] = (len(items), skipped)
    return result


def register_cli(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub, "eval", _eval, help="closed-book evaluation: MCQ log-likelihood, open QA, calibration",
        description="Evaluate the base model, and the adapter beside it when given, closed-book on the files given.",
    )  # fmt: skip
    p.add_argument("--model", default=None, help="base model (default: embedded Gemma-3-270M)")
    p.add_argument("--adapter", metavar="DIR", help="LoRA adapter folder to compare against the base")
    p.add_argument("--mcq", metavar="FILE", help="MedQA-style jsonl (question, options, answer_idx)")
    p.add_argument("--open-qa", metavar="FILE", help="jsonl with question + answer")
    p.add_argument("--statements", metavar="FILE", help="jsonl with statement + label")
    p.add_argument("--out", default="outputs/eval", metavar="DIR", help="folder for the reports (default outputs/eval)")
    p.add_argument("--dry-run", action="store_true", help="check the evaluation files, the adapter and that the "
                   "model can be found; load no model")
