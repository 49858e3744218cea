"""synth-hf: synthetic SFT data (GraphGen, AIDE), LoRA training and evaluation on HF datasets.

One module per subcommand in this package: each module in COMMAND_MODULES exposes
`register_cli(subparsers)` and sets `func` on its parser; `args` holds the argparse shapes they share."""

from __future__ import annotations

import argparse
import importlib
import sys
import textwrap
import traceback

import yaml

DESCRIPTION = "Synthetic SFT data (GraphGen, AIDE) with distilabel, training with TRL, evaluation."
VERBOSE_HELP = "show every library's log records (distilabel, vLLM, httpx...); also SYNTH_HF_LOG_LEVEL"
COMMAND_MODULES = (
    "synth_hf.cli.models",
    "synth_hf.cli.graphgen",
    "synth_hf.cli.aide",
    "synth_hf.cli.publish",
    "synth_hf.cli.train",
    "synth_hf.cli.eval",
    "synth_hf.cli.report",
)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, but lines wrap at spaces only: `--raw-text` is never split as `--raw-` / `text`;
    an option with a real default shows it, as ArgumentDefaultsHelpFormatter would."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        help_text = action.help or ""
        default = action.default
        # None / [] mean "not given" and a switch's bool only restates it: "(default: None)" says nothing; a help that
        # already names its default (the config-field flags do) keeps its own wording
        if (default is None or isinstance(default, bool) or default == argparse.SUPPRESS or default == [] or "default" in help_text
                or isinstance(action, argparse._HelpAction) or not action.option_strings):
            return action.help
        shown = f"{default:g}" if isinstance(default, float) else str(default)
        return f"{help_text} (default: {shown.replace('%', '%%')})"

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


# Errors a user can cause and fix (bad paths, configs, data; FileExistsError: an output path that is a
# file): one line, exit 2. Anything else is a bug and keeps its traceback.
USER_ERRORS: tuple[type[BaseException], ...] = (ValueError, FileNotFoundError, FileExistsError,
                                                NotADirectoryError, IsADirectoryError, PermissionError,
                                                yaml.YAMLError)


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
