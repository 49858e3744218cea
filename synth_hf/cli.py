"""`synth-hf` command line. Subcommands live beside the code they run: each module in
COMMAND_MODULES exposes `register_cli(subparsers)` and sets `func` on its parser."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import textwrap
import traceback

import yaml

DESCRIPTION = "Synthetic SFT data (GraphGen, AIDE) with distilabel, training with TRL, evaluation."
VERBOSE_HELP = "show every library's log records (distilabel, vLLM, httpx...); also SYNTH_HF_LOG_LEVEL"
COMMAND_MODULES = (
    "synth_hf.pipelines.graphgen_cli",
    "synth_hf.pipelines.aide_cli",
    "synth_hf.hub_cli",
    "synth_hf.train_cli",
    "synth_hf.evaluation_cli",
    "synth_hf.report.cli",
)


def _models(args: argparse.Namespace) -> int:
    from synth_hf.models import available_engines
    from synth_hf.models.embedded import (
        embedded_embedder_dir,
        embedded_model_dir,
        ensure_embedded_model,
        is_prepared,
    )

    print("engines:")
    for name, state in available_engines().items():
        print(f"  {name:<13} {state}")
    if args.prepare:
        was_ready = is_prepared()
        path = ensure_embedded_model()
        print(f"embedded LLM:  {path} ({'cached' if was_ready else 'converted now'})")
    else:
        print(f"embedded LLM:  {embedded_model_dir()} ({'ready' if is_prepared() else 'not prepared yet'})")
    try:
        print(f"embedder:      {embedded_embedder_dir()}")
    except RuntimeError as err:
        print(f"embedder:      missing ({err})")
    if args.json:
        print(json.dumps(available_engines()))
    return 0


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, but lines wrap at spaces only: `--raw-text` is never split as `--raw-` / `text`."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent,
                             subsequent_indent=indent, break_on_hyphens=False)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The `synth-hf` parser with every subcommand of COMMAND_MODULES registered."""
    parser = argparse.ArgumentParser(prog="synth-hf", description=DESCRIPTION, formatter_class=HelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True)
    models = sub.add_parser(
        "models",
        help="list engines and prepare the embedded default model",
        description="List the engines usable here and convert the embedded model once (cached).",
    )
    models.add_argument("--no-prepare", dest="prepare", action="store_false", help="do not convert the embedded model")
    models.add_argument("--json", action="store_true", help="also print the engine list as JSON")
    models.set_defaults(func=_models)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:
            if err.name == name:  # that command is not part of this build
                continue
            raise
        module.register_cli(sub)
    for command in sub.choices.values():  # `synth-hf graphgen -v` as well as `synth-hf -v graphgen`
        command.formatter_class = HelpFormatter
        command.add_argument(
            "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP
        )
    return parser


# Errors a user can cause and fix (bad paths, configs, data): one line, exit 2. Anything else is a bug
# and keeps its traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError, NotADirectoryError,
                                                IsADirectoryError, PermissionError, yaml.YAMLError)


def main(argv: list[str] | None = None) -> int:
    """Run one `synth-hf` command; returns the exit status (2 for a user error, 130 on Ctrl-C)."""
    from synth_hf.runtime import logs

    args = build_parser().parse_args(argv)
    try:
        logs.set_verbose(args.verbose)
        logs.install()
        return int(args.func(args) or 0)
    except USER_ERRORS as err:
        if args.verbose:
            traceback.print_exc()
        message = " ".join(str(err).split("\n")) if not args.verbose else str(err)
        print(f"synth-hf: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("synth-hf: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head` and closed: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
