"""Reading a config's raw mapping before validation, and saying what is wrong with it.

YAML files, dotted `--set key.path=value` overrides applied to the raw mapping, and one-line errors
that blame the file, `--set` item or flag a bad value came from (`synth_hf.config.ConfigBase.load`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel

T = TypeVar("T", bound=BaseModel)


def parse_set(items: list[str] | None, label: str = "--set") -> dict[str, Any]:
    """`["a.b=3", "c=[x, y]"]` -> `{"a.b": 3, "c": ["x", "y"]}`; values are parsed as YAML.
    `label` names where the items came from in errors (`--set`, or `override` for trailing items).

    Raises ValueError for an item without `=` or with an empty key.
    """
    overrides: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"{label} expects key.path=value, got {item!r}")
        try:
            overrides[key.strip()] = yaml.safe_load(value)  # "3" -> 3, "[a, b]" -> list, "null" -> None
        except yaml.YAMLError as err:
            raise ValueError(f"{label} {key.strip()}: value {value!r} is not valid YAML: "
                             f"{describe_yaml_error(err)}") from err  # fmt: skip
    return overrides


def apply_dotted(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of the mapping `data` with `{"a.b.c": value}` overrides set (missing levels are created).

    Applied to raw mappings *before* validation, so an override can supply a required field.
    """
    out = _copy_mapping(data)
    for dotted, value in overrides.items():
        node = out
        *parents, leaf = dotted.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[leaf] = value
    return out


def _lookup(data: dict[str, Any], dotted: str) -> Any:
    """The value at `a.b.c` in nested mappings, or None."""
    node: Any = data
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _copy_mapping(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_mapping(v) if isinstance(v, dict) else v for k, v in data.items()}


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a YAML file ({} for an empty file).

    Raises FileNotFoundError (missing file) or ValueError (invalid YAML, not a mapping).
    """
    file = Path(path)
    if file.is_dir():
        raise ValueError(f"config {path} is a folder; give a YAML file")
    if not file.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ValueError(describe_yaml_error(err, str(path))) from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")  # noqa: TRY004 - CLI reports ValueErrors
    return data


def describe_yaml_error(err: yaml.YAMLError, path: str | None = None) -> str:
    """PyYAML's multi-line error as one line that points at the place: `c.yaml:4:5: invalid YAML:
    expected ',' or ']', but got ':' (while parsing a flow sequence that starts at 3:15)`.
    Line and column are 1-based; without `path` the message starts at `line L, column C:`."""
    mark = getattr(err, "problem_mark", None) or getattr(err, "context_mark", None)
    problem = getattr(err, "problem", None) or getattr(err, "context", None)
    if mark is None or problem is None:  # not a marked error
        if isinstance(err, yaml.reader.ReaderError):  # a control character, bad bytes: where in the text
            char = f"#x{err.character:04x}" if isinstance(err.character, int) else repr(err.character)
            text = f"{err.reason} (character {char} at offset {err.position})"
        else:
            text = " ".join(str(err).split())
        return f"{path}: invalid YAML: {text}" if path else f"invalid YAML: {text}"
    where = f"{mark.line + 1}:{mark.column + 1}"
    message = f"{path}:{where}: invalid YAML: " if path else f"line {mark.line + 1}, column {mark.column + 1}: "
    message += problem
    context, context_mark = getattr(err, "context", None), getattr(err, "context_mark", None)
    if context and context is not problem:
        at = f" that starts at {context_mark.line + 1}:{context_mark.column + 1}" if context_mark else ""
        message += f" ({context}{at})"
    return message


def validate_config(cls: type[T], data: dict[str, Any], where: str = "config") -> T:
    """`cls.model_validate(data)`, with pydantic's error re-raised as one ValueError naming `where`."""
    return _validate(cls, data, where, None, {})


def _validate(cls: type[T], data: dict[str, Any], name: str, path: str | None, origins: dict[str, str]) -> T:
    from pydantic import ValidationError

    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise ValueError(f"invalid {name}: {describe_validation_error(err, cls, path, origins)}") from err


def describe_validation_error(
    err: Any, cls: type[BaseModel] | None = None, path: str | None = None, origins: dict[str, str] | None = None
) -> str:
    """pydantic's errors on one line, each blamed on its source: `--set run.name=3: run.name: Input should
    be a valid string (got 3)`. `origins` maps dotted override keys to the flag or `--set` item that gave
    them; other errors are blamed on `path` (the YAML file) when there is one. An unknown key lists the
    known ones (and the closest match) when `cls` is given."""
    problems = []
    for item in err.errors():
        loc = tuple(str(part) for part in item["loc"])
        where = ".".join(loc) or "(top level)"
        value = item.get("input")
        got = f" (got {value!r})" if isinstance(value, (str, int, float, bool)) and len(repr(value)) < 60 else ""
        # pydantic prefixes a validator's own message with its error type: the message alone is plain
        msg = re.sub(r"^(Value error|Assertion failed), ", "", item["msg"])
        message = f"{msg}{got}"
        if item["type"] == "extra_forbidden":
            message = "unknown key" + _known_keys(cls, loc)
        source = _origin(loc, origins or {}) or path
        problems.append(f"{source + ': ' if source else ''}{where}: {message}")
    return "; ".join(problems)


def _origin(loc: tuple[str, ...], origins: dict[str, str]) -> str | None:
    """The override that set `loc` (or a field above or below it), the longest key first."""
    for key in sorted(origins, key=len, reverse=True):
        parts = tuple(key.split("."))
        n = min(len(parts), len(loc))
        if parts[:n] == loc[:n]:
            return origins[key]
    return None


def _known_keys(cls: type[BaseModel] | None, loc: tuple[str, ...]) -> str:
    import difflib

    model = cls
    for part in loc[:-1]:
        field = model.model_fields.get(part) if model is not None else None
        model = _model_class(field.annotation) if field is not None else None
    if model is None:
        return ""
    known = sorted(model.model_fields)
    close = difflib.get_close_matches(loc[-1], known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f" ({hint}known: {', '.join(known)})"


def _model_class(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside `annotation` (`X`, `X | None`), if any."""
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_class(arg)
        if found is not None:
            return found
    return None
