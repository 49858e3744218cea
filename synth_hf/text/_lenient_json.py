"""A forgiving JSON reader for small-model output: tokenise leniently, rebuild with an explicit stack.

It never recurses (deeply nested input cannot blow the Python stack) and records every repair it makes,
so callers can prefer candidates that needed only cosmetic fixes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator

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


def _fix_surrogates(s: str) -> str:
    # \ud83d\ude00 pairs become one code point; lone halves become U+FFFD (unencodable otherwise)
    if any("\ud800" <= ch <= "\udfff" for ch in s):
        return s.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return s


def _unescape(body: str) -> tuple[str, bool]:
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


@dataclass
class Token:
    kind: str  # "{", "}", "[", "]", ":", ",", "value", "junk"
    value: Any = None
    start: int = 0
    end: int = 0
    is_str: bool = False
    repair: str | None = None
    bare: bool = False  # an unquoted word: fine as a key, a guess as a value


def tokenize(text: str, start: int = 0) -> Iterator[Token]:
    pos = start
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:  # cannot happen (the "other" branch matches any char) but never loop forever
            pos += 1
            continue
        kind, raw = m.lastgroup, m.group()
        s, e = m.start(), m.end()
        pos = e
        if kind == "ws":
            continue
        if kind == "punct":
            yield Token(raw, None, s, e)
        elif kind == "dq":
            val, bad = _unescape(raw[1:-1])
            yield Token("value", val, s, e, True, "string_escape" if bad else None)
        elif kind in ("sq", "smart", "ssmart"):
            body = raw[1:-1]
            if kind == "sq":
                body = body.replace("\\'", "'")
            val, _ = _unescape(body.replace('"', '\\"') if kind == "sq" else body)
            yield Token("value", val, s, e, True, "single_quotes" if kind == "sq" else "smart_quotes")
        elif kind in ("open_dq", "open_sq"):
            body = raw[1:].rstrip("\\")
            val, _ = _unescape(body)
            yield Token("value", val, s, e, True, "truncated")
        elif kind == "comment":
            yield Token("junk", None, s, e, repair="comment")
        elif kind == "num":
            try:
                num: Any = json.loads(raw)
                rep = None
            except ValueError:
                try:
                    f = float(raw)
                    num = int(f) if f.is_integer() and "." not in raw and "e" not in raw.lower() else f
                except (ValueError, OverflowError):
                    num = raw
                rep = "number_format"
            yield Token("value", num, s, e, repair=rep)
        elif kind == "word":
            if raw in _LITERALS:
                val, rep = _LITERALS[raw]
                yield Token("value", val, s, e, repair=rep)
            else:
                yield Token("value", raw, s, e, bare=True)
        else:
            yield Token("junk", None, s, e, repair="stray_char")


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

    def attach(frame: _Frame, value: Any, tok: Token) -> None:
        if frame.is_obj:
            if frame.state == "key" or frame.state == "comma":
                if frame.state == "comma":
                    repairs.add("missing_comma")
                if isinstance(value, (dict, list)):
                    repairs.add("container_as_key")
                    frame.container[f"_{len(frame.container)}"] = value
                    frame.state = "comma"
                    return
                if not tok.is_str:
                    repairs.add("unquoted_key")
                frame.key = value if isinstance(value, str) else json.dumps(value)
                frame.state = "colon"
                return
            if frame.state == "colon":
                repairs.add("missing_colon")
            if tok.bare:
                repairs.add("bareword")
            frame.container[frame.key] = value
            frame.key = None
            frame.state = "comma"
        else:
            if frame.state == "comma":
                repairs.add("missing_comma")
            if tok.bare:
                repairs.add("bareword")
            frame.container.append(value)
            frame.state = "comma"

    for tok in tokenize(text, start):
        if tok.repair:
            repairs.add(tok.repair)
        if not stack:
            if tok.kind in ("{", "["):
                root = {} if tok.kind == "{" else []
                stack.append(_Frame(root, tok.kind == "{", "key" if tok.kind == "{" else "value"))
                continue
            return None  # candidate must start with an opener
        frame = stack[-1]
        kind = tok.kind
        if kind == "junk":
            continue
        if kind in ("{", "["):
            if kind == "{" and frame.is_obj and frame.state == "key" and not frame.container:
                frame.extra += 1
                repairs.add("double_brace")
                continue
            if len(stack) >= max_depth:
                raise TooDeep("nesting deeper than max_depth")
            child: Any = {} if kind == "{" else []
            attach(frame, child, tok)
            stack.append(_Frame(child, kind == "{", "key" if kind == "{" else "value"))
        elif kind in ("}", "]"):
            want_obj = kind == "}"
            if want_obj and frame.is_obj and frame.extra:
                frame.extra -= 1
                continue
            if frame.is_obj != want_obj:
                repairs.add("mismatched_bracket")
                if not any(f.is_obj == want_obj for f in stack):
                    continue  # a stray closer: ignore it
                while stack and stack[-1].is_obj != want_obj:
                    stack.pop()
                frame = stack[-1]
            if frame.is_obj and frame.state in ("colon", "value"):
                repairs.add("dangling_key")
            if (frame.is_obj and frame.state == "key" and frame.container) or (
                not frame.is_obj and frame.state == "value" and frame.container
            ):
                repairs.add("trailing_comma")
            stack.pop()
            if not stack:
                end = tok.end
                break
        elif kind == ":":
            if frame.is_obj and frame.state == "colon":
                frame.state = "value"
            else:
                repairs.add("stray_colon")
        elif kind == ",":
            if frame.is_obj:
                if frame.state == "comma":
                    frame.state = "key"
                elif frame.state in ("colon", "value"):
                    repairs.add("dangling_key")
                    frame.key, frame.state = None, "key"
                else:
                    repairs.add("extra_comma")
            elif frame.state == "comma":
                frame.state = "value"
            else:
                repairs.add("extra_comma")
        else:
            attach(frame, tok.value, tok)
    if stack:
        repairs.add("truncated")
        # a key that never got its value is dropped rather than invented
    if root is None:
        return None
    return LenientResult(root, end, repairs)


def find_openers(text: str, limit: int) -> Iterator[int]:
    """Positions of '{' / '[' in order (the caller skips those inside an earlier candidate)."""
    count = 0
    for m in re.finditer(r"[{\[]", text):
        yield m.start()
        count += 1
        if count >= limit:
            return
