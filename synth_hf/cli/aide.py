"""`synth-hf aide --config X.yaml [key.path=value ...]`: run (or, with --dry-run, check) AIDE."""

from __future__ import annotations

import argparse
import json
import sys

from synth_hf.cli.args import (
    FLAG_NAMES,
    add_command,
    add_config_flags,
    add_field_flag,
    add_run_flags,
    field_flags,
    load_from_args,
    no_rows_status,
)

NEEDS_SEEDS = "aide needs seeds: --seeds SOURCE, --set seeds.source=SOURCE, or a seeds: block in --config"


def load_aide_config(path: str | None, overrides: list[str] | None = None, flags: dict | None = None):
    """YAML (optional), then `key.path=value` overrides, then flag values (dotted keys), then validation.

    Raises FileNotFoundError for a missing file and ValueError for invalid YAML or fields.
    """
    from synth_hf.pipelines.aide_config import AIDEConfig

    return AIDEConfig.load(path, [], flags, FLAG_NAMES, required={"seeds": NEEDS_SEEDS}, positional=overrides or [])


def config_from_args(args: argparse.Namespace):
    """The AIDEConfig of a command line (positional overrides and --set alike, flags last)."""
    from synth_hf.pipelines.aide_config import AIDEConfig

    # a seeds file given on the command line replaces inline rows
    extra = {"seeds.rows": None} if "seeds.source" in field_flags(args) else {}
    return load_from_args(AIDEConfig, args, extra, required={"seeds": NEEDS_SEEDS})


def dry_run_report(config) -> dict:
    """What `--dry-run` prints (JSON on stdout): seeds read, engines, documents, persona pool, the
    stages, the plan (rows per hop and LLM requests at most; synth_hf.pipelines.aide_plan) and the run
    folder a real run would write. Reads seeds and documents and builds the engines; writes nothing."""
    from synth_hf.pipelines.aide import check_aide
    from synth_hf.pipelines.aide_plan import plan_aide

    info = check_aide(config)
    exp = config.expansion
    return {
        "seeds": {"source": config.seeds.source or "inline rows", "valid": len(info.seeds),
                  "refused": info.invalid_seeds},
        "engines": info.models,
        "documents": info.documents,
        "persona_pool": info.persona_pool,
        "stages": info.stages,
        "answer_first": config.answer_first_on,
        "residual_hops": exp.residual_hops,
        "children_per_node": {h: exp.children_per_node(h) for h in range(1, exp.depth + 1)},
        "planned": plan_aide(config, len(info.seeds)),
        "run_folder": str(config.run.run_dir),
    }  # fmt: skip


def dry_run_line(report: dict) -> str:
    """The one-line account of a dry run (stderr), in the manner of graphgen's."""
    seeds, plan = report["seeds"], report["planned"]
    refused = ", ".join(f"{k}={v}" for k, v in seeds["refused"].items())
    docs = report["documents"]
    engines = ", ".join(f"{role} {label}" for role, label in report["engines"].items())
    retries = plan["reflection_retries_max"]
    return (
        f"[aide] dry run: seeds {seeds['source']}: {seeds['valid']} valid"
        + (f" ({refused} refused)" if refused else "")
        + (f"; documents {docs['source']}: {docs['documents']} documents, {docs['passages']} passages"
           if docs else "; no documents (answers ungrounded)")
        + ("; answer-first synthesis on (children asked about unused document sentences)"
           if report.get("answer_first") else "")
        + f"; engines: {engines}; {len(report['stages'])} stages; planned at most {plan['rows']} rows "
        f"over {len(plan['rows_per_hop'])} hop(s), {plan['llm_calls_total']} LLM calls"
        + (f" (+ up to {retries} for reflection retries)" if retries else "")
        + f"; run folder {report['run_folder']}; nothing written, no model loaded"
    )  # fmt: skip


def _run(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if args.dry_run:
        report = dry_run_report(config)
        print(json.dumps(report, indent=2))
        print(dry_run_line(report), file=sys.stderr)
        return 0
    from synth_hf.pipelines.aide import run_aide

    result = run_aide(config)
    print(f"AIDE: {len(result.dataset)} rows -> {result.run_dir}")
    return no_rows_status("aide", result)


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers, "aide", _run,
        help="expand a few seed rows with AIDE (attributes, personas, multi-hop)",
        description="Run the AIDE pipeline. Values from --config are overridden by key.path=value pairs and "
        "--set, then by the flags.",
    )  # fmt: skip
    add_config_flags(parser, "AIDEConfig (see recipes/configs/aide_*.yaml)", trailing_overrides=True)
    add_field_flag(parser, "seeds.source", "--seeds", metavar="SOURCE",
                   help="Hub id or local file of seed rows (seeds.source)")
    add_run_flags(parser, dry_run_help="check seeds, documents and engines; print the stages, the planned rows "
                  "and LLM calls, and the run folder", default_name="aide")
