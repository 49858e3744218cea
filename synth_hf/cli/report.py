"""`synth-hf report RUN_DIR`: (re)build the HTML run report of a finished GraphGen or AIDE run."""

from __future__ import annotations

import argparse

from synth_hf.cli.args import add_command


def _report(args: argparse.Namespace) -> int:
    from synth_hf.report import build_report

    path = build_report(args.run_dir, args.out)
    print(f"report: {path}")
    return 0


def register_cli(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers, "report", _report,
        help="write the visual HTML report of a finished run (report.html in the run folder)",
        description="Rebuild report.html from what a GraphGen or AIDE run left in its folder.",
    )  # fmt: skip
    parser.add_argument("run_dir", metavar="RUN_DIR", help="the run folder (output_dir/name), holding summary.json and dataset/")
    parser.add_argument("--out", metavar="PATH", help="write the page here instead of RUN_DIR/report.html; "
                        "a path ending in /, an existing folder or a new path without a suffix is a folder "
                        "and gets report.html (missing folders are created)")
