"""`synth-hf graphgen --config X.yaml [--input ...] [--set key.path=value ...]`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

import yaml


def _parse_set(items: list[str]) -> dict[str, Any]:
    overrides = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects key.path=value, got {item!r}")
        overrides[key.strip()] = yaml.safe_load(value)  # "3" -> 3, "[a, b]" -> list, "null" -> None
    return overrides


def config_from_args(args: argparse.Namespace):
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    overrides = _parse_set(args.set or [])
    for flag, key in (
        ("input", "input.source"),
        ("text_column", "input.text_column"),
        ("limit", "input.limit"),
        ("output_dir", "run.output_dir"),
        ("name", "run.name"),
    ):
        value = getattr(args, flag)
        if value is not None:
            overrides[key] = value
    if args.no_cache:
        overrides["run.use_cache"] = False
    if args.config:
        config = GraphGenConfig.from_yaml(args.config)
    elif "input.source" in overrides:
        config = GraphGenConfig.model_validate({"input": {"source": overrides["input.source"]}})
    else:
        raise ValueError("graphgen needs --config X.yaml or at least --input SOURCE")
    return config.with_overrides(overrides)


def _run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from synth_hf.pipelines.graphgen import RunInterrupted, run_graphgen

    try:
        config = config_from_args(args)
    except ValidationError as err:
        raise ValueError(f"invalid graphgen config: {err}") from err
    if args.dry_run:
        from synth_hf.config import dump_config

        print(dump_config(config))
        return 0
    try:
        result = run_graphgen(config)
    except RunInterrupted as err:
        print(f"synth-hf graphgen: {err}", file=sys.stderr)
        return 130
    print(f"[graphgen] {len(result.dataset)} rows saved to {result.run_dir / 'dataset'}")
    return 0 if len(result.dataset) else 1


def register_cli(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graphgen",
        help="corpus -> knowledge graph -> trainee probe -> QA dataset (GraphGen)",
        description="Run the GraphGen pipeline. Values from --config are overridden by the flags and --set.",
    )
    parser.add_argument("--config", help="YAML file with a GraphGenConfig")
    parser.add_argument("--input", help="Hub dataset id or local file/folder (input.source)")
    parser.add_argument("--text-column", dest="text_column")
    parser.add_argument("--limit", type=int, help="use only the first N documents")
    parser.add_argument("--output-dir", dest="output_dir")
    parser.add_argument("--name", help="run name (folder under the output dir)")
    parser.add_argument("--no-cache", action="store_true", help="recompute every step")
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override any field, e.g. --set generation.modes.atomic=10 (repeatable)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the resolved config and exit")
    parser.set_defaults(func=_run)
