"""`synth-hf graphgen --config X.yaml [--input ...] [--set key.path=value ...]`."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from synth_hf.cli.args import (
    add_command,
    add_config_flags,
    add_field_flag,
    add_run_flags,
    load_from_args,
    no_rows_status,
)

NEEDS_INPUT = "graphgen needs an input: --input SOURCE, --set input.source=SOURCE, or an input: block in --config"


def config_from_args(args: argparse.Namespace):
    """The GraphGenConfig of a command line: YAML (if any), then --set, then the flags, then validation.

    Raises ValueError naming what is wrong (no input anywhere, invalid fields, bad --set items).
    """
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    return load_from_args(GraphGenConfig, args, required={"input.source": NEEDS_INPUT})


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
    return no_rows_status("graphgen", result)


def register_cli(subparsers: Any) -> None:
    parser = add_command(
        subparsers, "graphgen", _run,
        help="corpus -> knowledge graph -> trainee probe -> QA dataset (GraphGen)",
        description="Run the GraphGen pipeline. Values from --config are overridden by --set, then by the flags.",
    )  # fmt: skip
    add_config_flags(parser, "GraphGenConfig")
    add_field_flag(parser, "input.source", "--input", metavar="SOURCE",
                   help="Hub dataset id or local file/folder (input.source)")  # fmt: skip
    add_field_flag(parser, "input.text_column", "--text-column", metavar="COLUMN",
                   help="text column of a table input (input.text_column; default text)")  # fmt: skip
    add_field_flag(parser, "input.limit", "--limit", type=int, help="use only the first N documents (default: all)")
    add_run_flags(parser, dry_run_help="check the input and the engine options, print the resolved config",
                  default_name="graphgen")
