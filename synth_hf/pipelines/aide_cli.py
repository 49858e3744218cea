"""`synth-hf aide --config X.yaml [key.path=value ...]`: run (or, with --dry-run, check) AIDE."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml
from pydantic import ValidationError


def load_aide_config(path: str, overrides: list[str] | None = None):
    from synth_hf.pipelines.aide_config import AIDEConfig, apply_overrides

    file = Path(path)
    if not file.exists():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")  # noqa: TRY004 - CLI error type
    try:
        return AIDEConfig.model_validate(apply_overrides(data, overrides or []))
    except ValidationError as err:  # the CLI reports ValueErrors as one clear line
        raise ValueError(f"invalid AIDE config {path}:\n{err}") from err


def _run(args: argparse.Namespace) -> int:
    config = load_aide_config(args.config, args.overrides)
    if args.dry_run:
        from synth_hf.pipelines.aide import describe_stages

        print(
            json.dumps(
                {
                    "stages": describe_stages(config),
                    "residual_hops": config.expansion.residual_hops,
                    "children_per_node": {
                        h: config.expansion.children_per_node(h) for h in range(1, config.expansion.depth + 1)
                    },
                },
                indent=2,
            )
        )
        return 0
    from synth_hf.pipelines.aide import run_aide

    result = run_aide(config)
    print(f"AIDE: {len(result.dataset)} rows -> {result.run_dir}")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "aide",
        help="expand a few seed rows with AIDE (attributes, personas, multi-hop)",
        description="Run the AIDE pipeline from a YAML config; trailing key.path=value pairs override it.",
    )
    parser.add_argument("--config", required=True, help="YAML file (see recipes/configs/aide_*.yaml)")
    parser.add_argument("overrides", nargs="*", help="overrides such as expansion.depth=1 run.name=try")
    parser.add_argument("--dry-run", action="store_true", help="validate config and seeds, print the stages")
    parser.set_defaults(func=_run)
