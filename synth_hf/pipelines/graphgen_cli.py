"""`synth-hf graphgen --config X.yaml [--input ...] [--set key.path=value ...]`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

FLAG_KEYS = (
    ("input", "input.source"),
    ("text_column", "input.text_column"),
    ("limit", "input.limit"),
    ("output_dir", "run.output_dir"),
    ("name", "run.name"),
)


def config_from_args(args: argparse.Namespace):
    """The GraphGenConfig of a command line: YAML (if any), then --set, then the flags, then validation.

    Raises ValueError naming what is wrong (no input anywhere, invalid fields, bad --set items).
    """
    from synth_hf.config import apply_dotted, parse_set, read_yaml_mapping, validate_config
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    overrides = parse_set(args.set)
    for flag, key in FLAG_KEYS:
        value = getattr(args, flag)
        if value is not None:
            overrides[key] = value
    if args.no_cache:
        overrides["run.use_cache"] = False
    data = apply_dotted(read_yaml_mapping(args.config) if args.config else {}, overrides)
    if not isinstance(data.get("input"), dict) or data["input"].get("source") in (None, ""):
        raise ValueError(
            "graphgen needs an input: --input SOURCE, --set input.source=SOURCE, or an input: block in --config"
        )
    return validate_config(GraphGenConfig, data, where=f"graphgen config{f' {args.config}' if args.config else ''}")


def _run(args: argparse.Namespace) -> int:
    from synth_hf.pipelines.graphgen import RunInterrupted, run_graphgen

    config = config_from_args(args)
    if config.recipe is not None:
        print("[graphgen] note: the config's recipe: block is for recipes/*.py (training, evaluation); "
              "this command only builds the dataset", file=sys.stderr)
    if args.dry_run:
        from synth_hf.config import dump_config
        from synth_hf.pipelines.graphgen import check_graphgen

        checked = check_graphgen(config)  # reads the input, builds the engines; writes nothing
        print(dump_config(config))
        skipped = f", {checked['skipped_files']} file(s) skipped" if checked["skipped_files"] else ""
        engines = ", ".join(f"{role} {label}" for role, label in checked["engines"].items())
        print(f"[graphgen] dry run: input {config.input.source}: {checked['documents']} documents{skipped}; "
              f"engines: {engines}; nothing written, no model loaded", file=sys.stderr)  # fmt: skip
        return 0
    try:
        result = run_graphgen(config)
    except RunInterrupted as err:
        print(f"synth-hf graphgen: {err}", file=sys.stderr)
        return 130
    print(f"[graphgen] {len(result.dataset)} rows saved to {result.run_dir / 'dataset'}")
    if not len(result.dataset):
        drops = result.summary.get("drops_by_reason") or {}
        first = ", ".join(f"{k}={v}" for k, v in list(drops.items())[:3]) or "no drops recorded"
        print(f"synth-hf: error: the run produced no rows ({first}; see the notes above and "
              f"{result.run_dir / 'summary.json'})", file=sys.stderr)  # fmt: skip
        return 1
    return 0


def register_cli(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "graphgen",
        help="corpus -> knowledge graph -> trainee probe -> QA dataset (GraphGen)",
        description="Run the GraphGen pipeline. Values from --config are overridden by the flags and --set.",
    )
    parser.add_argument("--config", help="YAML file with a GraphGenConfig")
    parser.add_argument("--input", help="Hub dataset id or local file/folder (input.source)")
    parser.add_argument("--text-column", dest="text_column", help="text column of a table input (input.text_column)")
    parser.add_argument("--limit", type=int, help="use only the first N documents")
    parser.add_argument("--output-dir", dest="output_dir", help="folder holding the run folders (run.output_dir)")
    parser.add_argument("--name", help="run name (folder under the output dir)")
    parser.add_argument("--no-cache", action="store_true", help="recompute every step")
    parser.add_argument(
        "--set",
        action="append",
        metavar="KEY=VALUE",
        help="override any field, e.g. --set generation.modes.atomic=10 (repeatable)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="check the input and the engine options, print the resolved config"
    )
    parser.set_defaults(func=_run)
