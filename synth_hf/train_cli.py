"""`synth-hf train`: TRL SFTTrainer + LoRA on a synth_hf (or any messages / prompt-completion) dataset."""

from __future__ import annotations

import argparse


def _train(args: argparse.Namespace) -> int:
    from synth_hf.models.resolve import resolve_model
    from synth_hf.train import train_lora

    if args.dry_run:
        if args.dataset is None:
            raise ValueError("--dry-run checks a dataset: give one")
        return _check(args, resolve_model(args.model))
    raw_text = None
    if args.raw_text:
        from synth_hf.io.readers import load_text_dataset

        corpus, _ = load_text_dataset(args.raw_text, text_column=args.raw_text_column)
        raw_text = corpus["text"]
        print(f"raw text: {len(raw_text)} documents from {args.raw_text}")
    if args.dataset is None and raw_text is None:
        raise ValueError("nothing to train on: give a dataset, --raw-text SOURCE, or both")
    result = train_lora(
        args.dataset,
        resolve_model(args.model),
        args.out,
        max_steps=args.max_steps,
        epochs=args.epochs,
        raw_text=raw_text,
        lr=args.lr,
        lora_r=args.lora_r,
        lora_alpha=args.lora_alpha,
        max_length=args.max_length,
        batch_size=args.batch_size,
        push_to_hub=args.push_to_hub,
        invalid_rows=args.invalid_rows,
        include_unverified=args.include_unverified,
    )
    print(f"adapter: {result.output_dir}  steps: {result.global_step}  loss: {result.train_loss}")
    return 0


def _check(args: argparse.Namespace, base_model: str) -> int:
    """--dry-run: load the dataset and the tokenizer, check every row, print the outcome; no training."""
    from transformers import AutoTokenizer

    from synth_hf.train import check_training_rows, detect_format, load_sft_dataset

    dataset = load_sft_dataset(args.dataset)
    fmt = detect_format(dataset)
    if len(dataset) == 0:
        raise ValueError("the training dataset is empty")
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    _, report = check_training_rows(
        dataset, fmt, tokenizer, args.max_length, args.invalid_rows, announce=False,
        include_unverified=args.include_unverified,
    )
    print(report.describe())
    print("dry run: nothing trained")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help="LoRA SFT with TRL on a dataset folder, staged folder or Hub id",
        description="Train a LoRA adapter with TRL's SFTTrainer; every row is checked before training.",
    )
    p.add_argument("dataset", nargs="?", help="messages / prompt-completion data (optional with --raw-text)")
    p.add_argument("--model", default=None, help="base model folder or Hub id (default: embedded Gemma-3-270M)")
    p.add_argument("--out", required=True, help="folder for the adapter, its card and train_metrics.json")
    p.add_argument("--max-steps", type=int, help="fixed step count; overrides --epochs")
    p.add_argument("--epochs", "--num-train-epochs", type=float, default=1, help="passes over the data (default 1)")
    p.add_argument("--raw-text", help="corpus (folder, file or Hub id) trained as plain text beside the dataset")
    p.add_argument("--raw-text-column", default="text", help="text column of a tabular --raw-text corpus")
    p.add_argument("--lr", type=float, default=2e-4, help="learning rate (default 2e-4)")
    p.add_argument("--lora-r", type=int, default=8, help="LoRA rank (default 8)")
    p.add_argument("--lora-alpha", type=int, default=16, help="LoRA alpha (default 16)")
    p.add_argument("--max-length", type=int, default=512, help="tokens per row; longer rows are truncated, counted")
    p.add_argument("--batch-size", type=int, default=8, help="rows per optimizer step (default 8)")
    p.add_argument("--push-to-hub", help="repo id for the adapter")
    p.add_argument("--invalid-rows", choices=("skip", "error"), default="skip",
                   help="rows that cannot be trained on (null content, wrong roles, ...): skip and count them "
                   "(default) or refuse the dataset")
    p.add_argument("--include-unverified", action="store_true",
                   help="also train on rows with verified=false (AIDE answers not checked against documents)")
    p.add_argument("--dry-run", action="store_true", help="check the dataset against the tokenizer; train nothing")
    p.set_defaults(func=_train)
