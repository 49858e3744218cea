"""A forgiving JSON reader for small-model output: tokenise leniently, rebuild with an explicit stack.

It never recurses (deeply nested input cannot blow the Python stack) and records every repair it makes,
so callers can prefer candidates that needed only cosmetic fixes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# Repairs that change nothing a reasonable reader would dispute; anything else marks a guess.
LIGHT_REPAIRS = frozenset(
    {
        "trailing_comma",
        "extra_comma",
        "single_quotes",
        "smart_quotes",
        "python_literal",
        "comment",
        "unquoted_key",
        "missing_comma",
        "truncated",
        "string_escape",
        "nan_to_null",
        "number_format",
        "double_brace",
    }
)

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<dq>"(?:[^"\\]|\\.)*")
  | (?P<sq>'(?:[^'\\]|\\.)*')
  | (?P<smart>[“”„‟](?:[^“”„‟\\]|\\.)*[“”„‟])
  | (?P<ssmart>[‘‚‛](?:[^‘’‚‛\\]|\\.)*’)
  | (?P<open_dq>"(?:[^"\\]|\\.)*\\?\Z)
  | (?P<open_sq>'(?:[^'\\]|\\.)*\\?\Z)
  | (?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z)|\#[^\n]*)
  | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-]*)
  | (?P<punct>[{}\[\]:,])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

_LITERALS: dict[str, tuple[Any, str | None]] = {
    "true": (True, None),
    "false": (False, None),
    "null": (None, None),
    "True": (True, "python_literal"),
    "False": (False, "python_literal"),
    "None": (None, "python_literal"),
    "TRUE": (True, "python_literal"),
    "FALSE": (False, "python_literal"),
    "NULL": (None, "python_literal"),
    "NaN": (None, "nan_to_null"),
    "Infinity": (None, "nan_to_null"),
}

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"', "'": "'"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)", re.DOTALL)


_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _fix_surrogates(s: str) -> str:
    # \ud83d\ude00 pairs become one code point; lone halves become U+FFFD (unencodable otherwise)
    if _SURROGATE_RE.search(s):
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def _unescape(body: str) -> tuple[str, bool]:
    if "\\" not in body:
        return _fix_surrogates(body), False
    try:
        value = json.loads('"' + body + '"')
        return _fix_surrogates(value), False
    except (ValueError, RecursionError):
        pass

    def repl(m: re.Match[str]) -> str:
        code = m.group(1)
        if len(code) == 5:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, code)

    return _fix_surrogates(_ESCAPE_RE.sub(repl, body)), True


_JSON_NUM_RE = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _number(raw: str) -> tuple[Any, str | None]:
    try:
        return int(raw), None
    except ValueError:
        pass
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        return raw, "number_format"
    if not math.isfinite(value):
        return None, "nan_to_null"
    return value, None if _JSON_NUM_RE.fullmatch(raw) else "number_format"


def _value(kind: str, raw: str) -> tuple[Any, bool, bool, str | None]:
    """(value, is_string, is_bareword, repair) of one non-punctuation token."""
    if kind == "dq":
        val, bad = _unescape(raw[1:-1])
        return val, True, False, "string_escape" if bad else None
    if kind == "sq":
        val, _ = _unescape(raw[1:-1].replace("\\'", "'").replace('"', '\\"'))
        return val, True, False, "single_quotes"
    if kind in ("smart", "ssmart"):
        return _unescape(raw[1:-1])[0], True, False, "smart_quotes"
    if kind in ("open_dq", "open_sq"):
        return _unescape(raw[1:].rstrip("\\"))[0], True, False, "truncated"
    if kind == "num":
        val, rep = _number(raw)
        return val, False, False, rep
    if raw in _LITERALS:
        val, rep = _LITERALS[raw]
        return val, False, False, rep
    return raw, False, True, None


@dataclass
class _Frame:
    container: Any
    is_obj: bool
    state: str  # obj: key / colon / value / comma ; arr: value / comma
    key: str | None = None
    extra: int = 0  # "{{ ... }}" template artefacts: doubled braces folded into one object


@dataclass
class LenientResult:
    value: Any
    end: int
    repairs: set[str] = field(default_factory=set)

    @property
    def light(self) -> bool:
        return self.repairs <= LIGHT_REPAIRS


class TooDeep(ValueError):
    pass


def parse_from(text: str, start: int, max_depth: int = 256) -> LenientResult | None:
    """Parse the container opening at ``text[start]``; stop after it closes (first of several values)."""
    stack: list[_Frame] = []
    root: Any = None
    repairs: set[str] = set()
    end = len(text)

    def attach(frame: _Frame, value: Any, is_str: bool, bare: bool) -> None:
        if frame.is_obj:
            if frame.state == "key" or frame.state == "comma":
                if frame.state == "comma":
                    repairs.add("missing_comma")
                if isinstance(value, (dict, list)):
                    repairs.add("container_as_key")
                    frame.container[f"_{len(frame.container)}"] = value
                    frame.state = "comma"
                    return
                if not is_str:
                    repairs.add("unquoted_key")
                frame.key = value if isinstance(value, str) else json.dumps(value)
                frame.state = "colon"
                return
            if frame.state == "colon":
                repairs.add("missing_colon")
            if bare:
                repairs.add("bareword")
            frame.container[frame.key] = value
            frame.key = None
        else:
            if frame.state == "comma":
                repairs.add("missing_comma")
            if bare:
                repairs.add("bareword")
            frame.container.append(value)
        frame.state = "comma"

    for m in _TOKEN_RE.finditer(text, start):
        kind = m.lastgroup
        if kind == "ws":
            continue
        raw = m.group()
        if not stack:
            if raw in ("{", "["):
                root = {} if raw == "{" else []
                stack.append(_Frame(root, raw == "{", "key" if raw == "{" else "value"))
                continue
            return None  # a candidate must start with an opener
        frame = stack[-1]
        if kind == "punct":
            if raw == "{" or raw == "[":
                if raw == "{" and frame.is_obj and frame.state == "key" and not frame.container:
                    frame.extra += 1
                    repairs.add("double_brace")
                    continue
                if len(stack) >= max_depth:
                    raise TooDeep("nesting deeper than max_depth")
                child: Any = {} if raw == "{" else []
                attach(frame, child, False, False)
                stack.append(_Frame(child, raw == "{", "key" if raw == "{" else "value"))
            elif raw == "}" or raw == "]":
                want_obj = raw == "}"
                if want_obj and frame.is_obj and frame.extra:
                    frame.extra -= 1
                    continue
                if frame.is_obj != want_obj:
                    repairs.add("mismatched_bracket")
                    if not any(f.is_obj == want_obj for f in stack):
                        continue  # a stray closer: ignore it
                    while stack[-1].is_obj != want_obj:
                        stack.pop()
                    frame = stack[-1]
                if frame.is_obj and frame.state in ("colon", "value"):
                    repairs.add("dangling_key")
                elif frame.container and frame.state == ("key" if frame.is_obj else "value"):
                    repairs.add("trailing_comma")
                stack.pop()
                if not stack:
                    end = m.end()
                    break
            elif raw == ":":
                if frame.is_obj and frame.state == "colon":
                    frame.state = "value"
                else:
                    repairs.add("stray_colon")
            elif frame.state == "comma":  # ","
                frame.state = "key" if frame.is_obj else "value"
            elif frame.is_obj and frame.state in ("colon", "value"):
                repairs.add("dangling_key")  # a key that never got its value is dropped, not invented
                frame.key, frame.state = None, "key"
            else:
                repairs.add("extra_comma")
        elif kind == "comment":
            repairs.add("comment")
        elif kind == "other":
            repairs.add("stray_char")
        else:
            value, is_str, bare, rep = _value(kind, raw)
            if rep:
                repairs.add(rep)
            attach(frame, value, is_str, bare)
    if stack:
        repairs.add("truncated")
    if root is None:
        return None
    return LenientResult(root, end, repairs)


def find_openers(text: str, limit: int) -> Iterator[int]:
    """Positions of '{' / '[' in order (the caller skips those inside an earlier candidate)."""
    for count, m in enumerate(re.finditer(r"[{\[]", text), start=1):
        yield m.start()
        if count >= limit:
            return
