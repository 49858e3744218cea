"""`synth-hf aide --config X.yaml [key.path=value ...]`: run (or, with --dry-run, check) AIDE."""

from __future__ import annotations

import argparse
import json

from synth_hf.cli.args import (
    FLAG_NAMES,
    add_command,
    add_config_flags,
    add_field_flag,
    add_run_flags,
    field_flags,
    load_from_args,
)

NEEDS_SEEDS = "aide needs seeds: --seeds SOURCE, --set seeds.source=SOURCE, or a seeds: block in --config"


def load_aide_config(path: str | None, overrides: list[str] | None = None, flags: dict | None = None):
    """YAML (optional), then `key.path=value` overrides, then flag values (dotted keys), then validation.

    Raises FileNotFoundError for a missing file and ValueError for invalid YAML or fields.
    """
    from synth_hf.pipelines.aide_config import AIDEConfig

    return AIDEConfig.load(path, overrides or [], flags, FLAG_NAMES, required={"seeds": NEEDS_SEEDS})


def config_from_args(args: argparse.Namespace):
    """The AIDEConfig of a command line (positional overrides and --set alike, flags last)."""
    from synth_hf.pipelines.aide_config import AIDEConfig

    # a seeds file given on the command line replaces inline rows
    extra = {"seeds.rows": None} if "seeds.source" in field_flags(args) else {}
    return load_from_args(AIDEConfig, args, extra, required={"seeds": NEEDS_SEEDS})


def _run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
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
    parser = add_command(
        subparsers, "aide", _run,
        help="expand a few seed rows with AIDE (attributes, personas, multi-hop)",
        description="Run the AIDE pipeline. Values from --config are overridden by key.path=value pairs and "
        "--set, then by the flags.",
    )  # fmt: skip
    add_config_flags(parser, "AIDEConfig (see recipes/configs/aide_*.yaml)", trailing_overrides=True)
    add_field_flag(parser, "seeds.source", "--seeds", metavar="SOURCE", help="Hub id or local file of seed rows (seeds.source)")
    add_run_flags(parser, dry_run_help="validate config and seeds, print the stages")
