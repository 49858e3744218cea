"""One source for the training defaults (fresh-user review: the demo trains at 2e-3, `synth-hf train` at
2e-4): the train command's flags, the recipes' `recipe.train` and `train_lora`'s keywords all take
`TrainConfig`'s, and `--help` says where the demo's learning rate comes from."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

import yaml

from synth_hf.cli import build_parser
from synth_hf.cli.train import config_from_args
from synth_hf.config import TrainConfig
from synth_hf.train import train_lora

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("epochs", "lr", "lora_r", "lora_alpha", "max_length", "batch_size", "invalid_rows", "include_unverified")


def test_train_command_without_flags_takes_the_train_config_defaults() -> None:
    args = build_parser().parse_args(["train", "data.jsonl", "--dry-run"])
    config = config_from_args(args)
    assert config == TrainConfig(dataset="data.jsonl")


def test_train_lora_keywords_default_to_the_train_config() -> None:
    defaults = TrainConfig()
    params = inspect.signature(train_lora).parameters
    assert {k: params[k].default for k in SHARED} == {k: getattr(defaults, k) for k in SHARED}
    assert params["max_steps"].default == defaults.max_steps


def test_lr_help_gives_the_default_and_the_demo_value() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices["train"]
    text = " ".join(sub.format_help().split())
    assert f"(default {TrainConfig().lr})" in text
    demo = yaml.safe_load((ROOT / "recipes" / "configs" / "graphgen_medqa.yaml").read_text())["recipe"]["train"]
    assert f"graphgen_medqa.yaml trains the embedded 270M model at {demo['lr']:g}" in text  # the file's own value
