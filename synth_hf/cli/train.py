"""`synth-hf train`: TRL SFTTrainer + LoRA on a synth_hf (or any messages / prompt-completion) dataset.

Every training flag is generated from `synth_hf.config.TrainConfig` (as TRL's TrlParser does from its
dataclasses), so the flags, a `--config` YAML and the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse

from synth_hf.cli.args import add_command, add_config_flags, add_field_flags, load_from_args

NEEDS_OUT = "train needs --out DIR (or out: in --config); --dry-run does not"


def config_from_args(args: argparse.Namespace):
    """The TrainConfig of a command line: YAML (if any), then --set, then the flags, then validation.

    `--out` is required unless `--dry-run` (which writes nothing). Raises ValueError naming what is wrong.
    """
    from synth_hf.config import TrainConfig

    required = {} if getattr(args, "dry_run", False) else {"out": NEEDS_OUT}
    return load_from_args(TrainConfig, args, required=required)


def _train(args: argparse.Namespace) -> int:
    from synth_hf.train import train_with_config

    config = config_from_args(args)
    if args.dry_run:
        if config.dataset is None:
            raise ValueError("--dry-run checks a dataset: give one")
        return _check(config)
    result = train_with_config(config)
    print(f"adapter: {result.output_dir}  steps: {result.global_step}  loss: {result.train_loss}")
    return 0


def _check(config) -> int:
    """--dry-run: load the dataset and the tokenizer, check every row, print the outcome; no training."""
    from transformers import AutoTokenizer

    from synth_hf.models.resolve import resolve_model
    from synth_hf.train import check_training_rows, detect_format, load_sft_dataset

    base_model = resolve_model(config.model)
    dataset = load_sft_dataset(config.dataset)
    fmt = detect_format(dataset)
    if len(dataset) == 0:
        raise ValueError("the training dataset is empty")
    tokenizer = AutoTokenizer.from_pretrained(base_model)
    _, report = check_training_rows(
        dataset, fmt, tokenizer, config.max_length, config.invalid_rows, announce=False,
        include_unverified=config.include_unverified,
    )  # fmt: skip
    print(report.describe())
    print("dry run: nothing trained")
    return 0


def register_cli(sub: argparse._SubParsersAction) -> None:
    from synth_hf.config import TrainConfig

    p = add_command(
        sub, "train", _train, help="LoRA SFT with TRL on a dataset folder, staged folder or Hub id",
        description="LoRA SFT with TRL. Values from --config (a TrainConfig YAML) are overridden by --set, "
        "then by the flags.",
    )  # fmt: skip
    add_config_flags(p, "TrainConfig", example="lr=0.001")
    add_field_flags(p, TrainConfig, positional=["dataset"], names={"epochs": ["--epochs", "--num-train-epochs"]})
    p.add_argument("--dry-run", action="store_true", help="check the dataset against the tokenizer; train nothing (--out not needed)")
