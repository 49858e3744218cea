"""`synth-hf aide --config X.yaml [key.path=value ...]`: run (or, with --dry-run, check) AIDE."""

from __future__ import annotations

import argparse
import json

FLAG_KEYS = (
    ("seeds", "seeds.source"),
    ("output_dir", "run.output_dir"),
    ("name", "run.name"),
)


def load_aide_config(path: str | None, overrides: list[str] | None = None, flags: dict | None = None):
    """YAML (optional), then `key.path=value` overrides, then flag values (dotted keys), then validation.

    Raises FileNotFoundError for a missing file and ValueError for invalid YAML or fields.
    """
    from synth_hf.config import apply_dotted, parse_set, read_yaml_mapping, validate_config
    from synth_hf.pipelines.aide_config import AIDEConfig

    data = apply_dotted(read_yaml_mapping(path) if path else {}, {**parse_set(overrides), **(flags or {})})
    if "seeds" not in data:
        raise ValueError("aide needs seeds: --seeds SOURCE, --set seeds.source=SOURCE, or a seeds: block in --config")
    return validate_config(AIDEConfig, data, where=f"AIDE config{f' {path}' if path else ''}")


def config_from_args(args: argparse.Namespace):
    """The AIDEConfig of a command line (positional overrides and --set alike, flags last)."""
    flags = {key: getattr(args, flag) for flag, key in FLAG_KEYS if getattr(args, flag) is not None}
    if args.seeds is not None:
        flags["seeds.rows"] = None  # a seeds file given on the command line replaces inline rows
    if args.no_cache:
        flags["run.use_cache"] = False
    return load_aide_config(args.config, [*(args.overrides or []), *(args.set or [])], flags)


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
    parser = subparsers.add_parser(
        "aide",
        help="expand a few seed rows with AIDE (attributes, personas, multi-hop)",
        description="Run the AIDE pipeline. Values from --config are overridden by key.path=value pairs, --set and the flags.",
    )
    parser.add_argument("--config", help="YAML file (see recipes/configs/aide_*.yaml)")
    parser.add_argument("overrides", nargs="*", help="overrides such as expansion.depth=1 run.name=try")
    parser.add_argument("--set", action="append", metavar="KEY=VALUE", help="same as a trailing override (repeatable)")
    parser.add_argument("--seeds", help="Hub id or local file of seed rows (seeds.source)")
    parser.add_argument("--output-dir", dest="output_dir", help="folder holding the run folders (run.output_dir)")
    parser.add_argument("--name", help="run name (folder under the output dir)")
    parser.add_argument("--no-cache", action="store_true", help="recompute every step")
    parser.add_argument("--dry-run", action="store_true", help="validate config and seeds, print the stages")
    parser.set_defaults(func=_run)
