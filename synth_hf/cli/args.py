"""The argparse shapes every command shares, written once.

- `add_command`: a subcommand with its help, description and handler.
- `add_config_flags`: `--config`, `--set KEY=VALUE` (and trailing `key=value` items where asked).
- `add_run_flags`: `--output-dir`, `--name`, `--no-cache`, `--dry-run` of the pipeline commands.
- `add_field_flags`: one flag per field of a config class (the TrlParser idea: the class is the
  declaration, the flags follow from it), e.g. `--lora-r` for `TrainConfig.lora_r`.
- `load_from_args`: the config of a command line — YAML, then `--set`, then flags, then validation,
  each error blamed on the flag, `--set` item or file it came from.

Flags that set a config field store under the dest `cfg:<dotted key>` and default to "not given",
so a flag the user did not type never overrides the file.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any, Literal

PREFIX = "cfg:"
# dotted key -> the flag that sets it, for error messages (the same key has the same flag everywhere)
FLAG_NAMES: dict[str, str] = {}


def add_command(
    subparsers: argparse._SubParsersAction, name: str, func: Callable[[argparse.Namespace], int], help: str,
    description: str | None = None,
) -> argparse.ArgumentParser:
    """A subcommand `name` whose handler is `func(args) -> exit status`."""
    parser = subparsers.add_parser(name, help=help, description=description or help)
    parser.set_defaults(func=func)
    return parser


def add_field_flag(parser: argparse.ArgumentParser, key: str, *flags: str, **kwargs: Any) -> None:
    """A flag that sets the config field at dotted `key` (kwargs as for `add_argument`). Its help shows
    `metavar` when given, else one named after the flag (`--limit N`), never the internal dest."""
    FLAG_NAMES[key] = flags[0]
    if kwargs.get("action") is None and not kwargs.get("choices"):
        kwargs.setdefault("metavar", flag_metavar(flags[0], kwargs.get("type")))
    parser.add_argument(*flags, dest=PREFIX + key, default=argparse.SUPPRESS, **kwargs)


def flag_metavar(flag: str, kind: Any = None) -> str:
    """The value placeholder of a flag in `--help`: N for counts, else the flag's own name upper-cased
    (`--lr` -> LR)."""
    return "N" if kind is int else flag.lstrip("-").replace("-", "_").upper()


def add_config_flags(parser: argparse.ArgumentParser, what: str, trailing_overrides: bool = False,
                     example: str = "run.name=x") -> None:  # fmt: skip
    """`--config FILE` and repeatable `--set KEY=VALUE` (`example`: a valid KEY=VALUE for the help); with
    `trailing_overrides` also positional `key.path=value` items (the same as --set)."""
    parser.add_argument("--config", metavar="FILE", help=f"YAML file with an {what}" if what[:1] in "AEIOU" else f"YAML file with a {what}")
    if trailing_overrides:
        parser.add_argument("overrides", nargs="*", metavar="KEY=VALUE", help="overrides such as expansion.depth=1 run.name=try")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help=f"override any field before validation, e.g. --set {example} (repeatable)",
    )  # fmt: skip


def add_run_flags(parser: argparse.ArgumentParser, dry_run_help: str, default_name: str = "run") -> None:
    """Where a pipeline run writes, whether it reuses its cache, and `--dry-run`; `default_name` is the
    method's own run name (`run.name` when neither the config nor the flag sets it), shown in `--help`."""
    from synth_hf.config import RunConfig

    # these flags default to "not given" (a config file may set them), so --help names the field default
    add_field_flag(parser, "run.output_dir", "--output-dir", metavar="DIR",
                   help=f"folder holding the run folders (run.output_dir; default {RunConfig().output_dir})")  # fmt: skip
    add_field_flag(parser, "run.name", "--name", help=f"run name (folder under the output dir; default {default_name})")
    add_field_flag(parser, "run.use_cache", "--no-cache", action="store_const", const=False,
                   help="recompute every step")  # fmt: skip
    parser.add_argument("--dry-run", action="store_true", help=dry_run_help)


def add_field_flags(
    parser: argparse.ArgumentParser,
    cls: type,
    *,
    key_prefix: str = "",
    names: dict[str, str | list[str]] | None = None,
    only: Iterable[str] | None = None,
    positional: Iterable[str] = (),
    metavars: dict[str, str] | None = None,
    shown_defaults: dict[str, str] | None = None,
) -> None:
    """One flag per field of the pydantic class `cls` (`--max-length` for `max_length`; `names` renames
    or adds aliases, `only` picks fields, `positional` makes optional positionals, `metavars` names a
    field's value in `--help`, e.g. `{"out": "DIR"}`; see `flag_metavar` otherwise; `shown_defaults`
    replaces a field's default in `--help` where a config file sets it, e.g. a recipe's YAML). Help and choices
    come from the field. The dotted key is `key_prefix + field`. Raises TypeError for a field type no
    flag can carry (lists, mappings) when it is asked for."""
    names, positional, metavars = names or {}, set(positional), metavars or {}
    for name, field in cls.model_fields.items():
        if only is not None and name not in only:
            continue
        key = key_prefix + name
        kind, choices = _flag_type(field.annotation, f"{cls.__name__}.{name}")
        default = field.get_default(call_default_factory=True)
        if shown_defaults and name in shown_defaults:
            default = shown_defaults[name]
        help_text = (field.description or "") + (f" (default {default})" if default not in (None, False) else "")
        if name in positional:
            FLAG_NAMES[key] = name
            parser.add_argument(PREFIX + key, nargs="?", default=argparse.SUPPRESS,
                                metavar=metavars.get(name, name), help=help_text)  # fmt: skip
            continue
        flags = names.get(name) or [f"--{name.replace('_', '-')}"]
        flags = [flags] if isinstance(flags, str) else flags
        if kind is bool:
            add_field_flag(parser, key, *flags, action="store_true", help=help_text)
        else:
            metavar = None if choices else metavars.get(name) or flag_metavar(flags[0], kind)
            add_field_flag(parser, key, *flags, type=kind, choices=choices, metavar=metavar, help=help_text)


def _flag_type(annotation: Any, where: str) -> tuple[type, list | None]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _flag_type(args[0], where)
    if typing.get_origin(annotation) is Literal:
        return type(args[0]), list(args)
    if annotation in (str, int, float, bool):
        return annotation, None
    raise TypeError(f"{where}: no command-line flag for a field of type {annotation}")


def field_flags(args: argparse.Namespace) -> dict[str, Any]:
    """The config fields the command line's flags set, as `{dotted key: value}`."""
    return {name[len(PREFIX):]: value for name, value in vars(args).items() if name.startswith(PREFIX)}


def load_from_args(
    cls: type, args: argparse.Namespace, extra: dict[str, Any] | None = None, required: dict[str, str] | None = None
) -> Any:
    """`cls.load(--config, trailing overrides then --set items, flags + extra, required)`; see ConfigBase.load."""
    flags = {**field_flags(args), **(extra or {})}
    return cls.load(getattr(args, "config", None), getattr(args, "set", None) or [], flags, FLAG_NAMES, required,
                    positional=getattr(args, "overrides", None) or [])  # fmt: skip


def no_rows_status(method: str, result: Any) -> int:
    """The exit status of a finished `method` run (graphgen, aide): 0 when it kept rows, else 2 (like
    every error the user can act on) after one line on stderr: the largest drops, where the summary is
    and what to try (`synth_hf.workflow.no_rows_detail`)."""
    if len(result.dataset):
        return 0
    from synth_hf.workflow import no_rows_detail

    print(f"synth-hf: error: the run produced no rows {no_rows_detail(method, result)}", file=sys.stderr)
    return 2
