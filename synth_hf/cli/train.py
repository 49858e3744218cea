"""`synth-hf train`: TRL SFTTrainer + LoRA on a synth_hf (or any messages / prompt-completion) dataset.

Every training flag is generated from `synth_hf.config.TrainConfig` (as TRL's TrlParser does from its
dataclasses), so the flags, a `--config` YAML and the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse
from typing import Any

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
    from synth_hf.workflow import require_token_for_upload

    config = config_from_args(args)
    require_token_for_upload(config.push_to_hub, "--push-to-hub")  # before training, not after it
    if args.dry_run:
        return _check(config)
    result = train_with_config(config)
    print(f"adapter: {result.output_dir}  steps: {result.global_step}  loss: {result.train_loss:.4f}")
    return 0


def _check(config) -> int:
    """--dry-run: read the dataset and/or the raw text, load the tokenizer, check every row and cut
    the texts into training passages, print the outcome and the optimizer steps a run would take;
    no training."""
    from synth_hf.models.resolve import load_error, resolve_model
    from synth_hf.train import load_sft_dataset
    from synth_hf.train_mix import read_raw_text, training_format

    if config.dataset is None and not config.raw_text:
        raise ValueError("--dry-run checks what would be trained: give a dataset, --raw-text SOURCE, or both")
    if config.out:  # a dry run writes nothing, but says now that --out could not be written later
        from synth_hf.train import ADAPTER_FILES
        from synth_hf.workflow import require_output_folder

        require_output_folder(config.out, keeps=ADAPTER_FILES)
    base_model = resolve_model(config.model)
    # the data before the slow tokenizer import: a wrong name fails in seconds, naming what it was
    texts = _read("--raw-text", config.raw_text, lambda src: read_raw_text(src, config.raw_text_column))
    dataset = _read("dataset", config.dataset, load_sft_dataset)
    fmt = training_format(dataset, texts)
    if dataset is not None:
        print(f"dataset {config.dataset}: {len(dataset)} row{'s' if len(dataset) != 1 else ''} read ({fmt})")
    if texts is not None:
        print(f"raw text {config.raw_text}: {len(texts)} texts read")
    print(sizing_note(config))

    from transformers import AutoTokenizer

    from synth_hf.train import check_training_rows
    from synth_hf.train_mix import raw_text_rows
    from synth_hf.train_plan import describe_plan

    try:
        tokenizer = AutoTokenizer.from_pretrained(base_model)
    except OSError as err:  # e.g. the Hub answered but has no such repo, or a proxy failed
        raise load_error(config.model, err) from err
    rows = 0  # what the trainer will see: the rows that pass the check, plus the raw-text passages
    if dataset is not None:
        checked, report = check_training_rows(
            dataset, fmt, tokenizer, config.max_length, config.invalid_rows, announce=False,
            include_unverified=config.include_unverified,
        )  # fmt: skip
        print(report.describe())
        rows += len(checked)
    if texts is not None:
        _, mix = raw_text_rows(texts, tokenizer, config.max_length)
        rows += mix.raw_passages
        print(f"raw text: {mix.raw_texts} texts -> {mix.raw_passages} training passages of at most "
              f"{config.max_length} tokens ({mix.raw_tokens} tokens; {mix.raw_empty} blank texts skipped)")  # fmt: skip
    print(describe_plan(rows, config.batch_size, config.epochs, config.max_steps))
    print(f"dry run: nothing trained{f' (the adapter would be written to {config.out})' if config.out else ''}")
    return 0


def _read(what: str, source: str | None, reader: Any) -> Any:
    """`reader(source)`, or None without a source; a source that cannot be read is an error naming `what`."""
    if source is None:
        return None
    try:
        return reader(source)
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{what} {source}: {' '.join(str(err).split())}") from None
    except ValueError as err:
        raise ValueError(f"{what} {source}: {' '.join(str(err).split())}") from None


def sizing_note(config: Any) -> str:
    """The dry run's line on how long training runs: when both `max_steps` and `epochs` are set, says
    that max_steps wins (transformers' `max_steps` overrides `num_train_epochs`)."""
    if config.max_steps and "epochs" in config.model_fields_set:
        return (f"sizing: --max-steps {config.max_steps} overrides --epochs {config.epochs:g} "
                "(transformers: max_steps wins over num_train_epochs)")  # fmt: skip
    if config.max_steps:
        return f"sizing: --max-steps {config.max_steps} (epochs not used)"
    return f"sizing: --epochs {config.epochs:g}"


def register_cli(sub: argparse._SubParsersAction) -> None:
    from synth_hf.config import TrainConfig

    p = add_command(
        sub, "train", _train, help="LoRA SFT with TRL on a dataset (folder, file or Hub id), raw text, or both",
        description="LoRA SFT with TRL on a messages / prompt-completion DATASET, on plain documents "
        "(--raw-text SOURCE, no DATASET needed), or both. Values from --config (a TrainConfig YAML) are "
        "overridden by --set, then by the flags.",
    )  # fmt: skip
    add_config_flags(p, "TrainConfig", example="lr=0.001")
    add_field_flags(
        p, TrainConfig, positional=["dataset"], names={"epochs": ["--epochs", "--num-train-epochs"]},
        metavars={"dataset": "DATASET", "model": "MODEL", "out": "DIR", "raw_text": "SOURCE",
                  "raw_text_column": "COLUMN", "push_to_hub": "REPO_ID"},
    )  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="check the dataset and/or the raw text against the "
                   "tokenizer; train nothing (--out not needed)")  # fmt: skip
