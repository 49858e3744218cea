"""Lenient parsers for small-LLM output. Every parser returns a value-or-None plus a short reason and
never raises, whatever the input (the contract is property-tested)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from synth_hf.text._lenient_json import LenientResult, TooDeep, find_openers, parse_from

MAX_CHARS = 200_000  # longer input is cut (and reported): no useful model answer is this long
MAX_CANDIDATES = 64


@dataclass
class ParseResult:
    value: Any
    reason: str

    @property
    def ok(self) -> bool:
        return self.value is not None


def _as_text(text: Any, max_chars: int = MAX_CHARS) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    elif not isinstance(text, str):
        text = str(text)
    return text[:max_chars]


# ----------------------------------------------------------------------------------------------- JSON
_DECODER = json.JSONDecoder(parse_constant=lambda _c: None)  # NaN/Infinity -> null
_FENCE_RE = re.compile(r"```[ \t]*[\w+-]*[ \t]*\n?(.*?)(?:```|\Z)", re.DOTALL)


def _coerce(value: Any, expect: type | None) -> tuple[Any, str | None]:
    """(value, note) shaped to ``expect``; value None when it cannot be."""
    if expect is None or isinstance(value, expect):
        return value, None
    if expect is dict and isinstance(value, list):
        first = next((v for v in value if isinstance(v, dict)), None)
        return first, "list->dict" if first is not None else None
    if expect is list and isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:  # {"questions": [...]} style wrapper
            return lists[0], "unwrapped"
        return [value], "dict->list"
    return None, None


def _extract_json(text: Any, expect: type | None, depth: int = 0) -> ParseResult:
    if isinstance(text, (dict, list)) and depth == 0:
        value, note = _coerce(text, expect)
        return ParseResult(value, "ok" if value is not None else f"type_mismatch:{type(text).__name__}")
    text = _as_text(text)
    stripped = text.strip()
    if not stripped:
        return ParseResult(None, "empty")
    if stripped[0] in '{["':
        try:
            value = json.loads(stripped, parse_constant=lambda _c: None)  # NaN/Infinity -> null
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, str) and depth == 0:  # JSON encoded inside a JSON string
            return _extract_json(value, expect, depth + 1)
        if isinstance(value, (dict, list)):
            coerced, note = _coerce(value, expect)
            if coerced is not None:
                return ParseResult(coerced, "ok" if note is None else f"ok:{note}")
    if "{" not in text and "[" not in text:
        return ParseResult(None, "no_json")

    best: tuple[int, Any, str] | None = None
    seen_type: str | None = None
    for res, fenced in _scan_lazily(text):
        coerced, note = _coerce(res.value, expect)
        seen_type = seen_type or type(res.value).__name__
        if coerced is None:
            continue
        rank = (0 if res.light else 2) + (1 if note else 0)
        tags = sorted(res.repairs) + ([note] if note else []) + (["fenced"] if fenced else [])
        prefix = "ok" if not res.repairs else "repaired" if res.light else "guessed"
        reason = prefix + (":" + ",".join(tags) if tags else "")
        if best is None or rank < best[0]:
            best = (rank, coerced, reason)
        if rank == 0:
            break
    if best is None:
        return ParseResult(None, f"type_mismatch:{seen_type}" if seen_type else "no_json")
    if expect is list and "dict->list" in best[2]:
        objects = _json_lines(text)
        if len(objects) > 1:  # JSON lines / several objects: the list is all of them, not the first
            return ParseResult(objects, best[2].replace("dict->list", "json_lines"))
    return ParseResult(best[1], best[2])


def _json_lines(text: str) -> list[dict]:
    """Every top-level object that parsed cleanly or with cosmetic repairs, from the fenced blocks
    when they hold any (the same objects are seen again in the whole-text pass), else from the text."""
    found: dict[bool, list[dict]] = {True: [], False: []}
    for res, fenced in _scan_lazily(text):
        if isinstance(res.value, dict) and res.light:
            found[fenced].append(res.value)
    return found[True] or found[False]


def _scan_lazily(text: str) -> Iterator[tuple[LenientResult, bool]]:
    """(parse, came_from_fence) for fenced blocks then every top-level opener, lazily: the caller stops
    at the first clean candidate, and openers inside an earlier candidate are skipped (linear work)."""
    regions = [(m.group(1), True) for m in _FENCE_RE.finditer(text)] if "```" in text else []
    regions.append((text, False))
    for region, fenced in regions:
        skip_until = -1
        for start in find_openers(region, MAX_CANDIDATES):
            if start < skip_until:
                continue
            try:  # strict C decoder first: clean JSON costs no Python-level tokenising
                value, end = _DECODER.raw_decode(region, start)
                res: LenientResult | None = LenientResult(value, end, set())
            except (ValueError, RecursionError):
                res = parse_from(region, start)
            if res is None:
                continue
            skip_until = res.end
            yield res, fenced


def extract_json(text: Any, expect: type | None = None) -> ParseResult:
    """The first JSON object/array in ``text``, repaired if needed; ``expect`` = dict or list shapes it."""
    try:
        res = _extract_json(text, expect)
        if isinstance(text, str) and len(text) > MAX_CHARS:
            res.reason += ":input_cut" if ":" not in res.reason else ",input_cut"
        return res
    except TooDeep:
        return ParseResult(None, "too_deep")
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        return ParseResult(None, f"error:{type(exc).__name__}")


# --------------------------------------------------------------------------------- score / yes-no
_NUM = r"[-+]?\d+(?:[.,]\d+)?"
_WORD_NUMS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_SCORE_KEY_RE = re.compile(
    rf"(?:score|rating|rate|grade|mark|points?)\b[^0-9\n+-]{{0,24}}?(?P<n>{_NUM})"
    rf"(?:\s*(?:/|out of|of)\s*(?P<d>\d+(?:\.\d+)?))?",
    re.IGNORECASE,
)
_FRACTION_RE = re.compile(rf"(?<![\w.])(?P<n>{_NUM})\s*(?:/|out of)\s*(?P<d>\d+(?:\.\d+)?)", re.IGNORECASE)
_BARE_NUM_RE = re.compile(rf"(?<![\w.])(?P<n>{_NUM})(?![\w]|\.\d)")


def _to_float(s: str) -> float | None:
    try:
        return float(s.replace(",", "."))
    except ValueError:
        return None


def _in_range(n: float | None, d: str | None, lo: float, hi: float) -> float | None:
    if n is None:
        return None
    if d is not None:
        den = _to_float(d)
        if den and den > 0 and den != hi and 0 <= n <= den:  # "4/5" on a 1-10 scale -> 8
            n = n / den * hi
    return float(n) if lo <= n <= hi else None


def parse_score(text: Any, lo: float = 1, hi: float = 10) -> ParseResult:
    """A score in [lo, hi]: JSON {"score": 8}, 'Score: 8', '8/10', 'eight', else the first in-range number."""
    try:
        text = _as_text(text, 100_000)
        if not text.strip():
            return ParseResult(None, "empty")
        if "{" in text:
            js = extract_json(text, expect=dict)
            if js.ok:
                low = {str(k).lower(): v for k, v in js.value.items()}
                for key in ("score", "rating", "grade", "overall", "value"):
                    v = low.get(key)
                    if isinstance(v, (int, float, str)) and not isinstance(v, bool):
                        got = _in_range(_to_float(str(v)), None, lo, hi)
                        if got is not None:
                            return ParseResult(got, "json")
        # a scale mention ("on a scale of 1-10") is not an answer
        scrubbed = re.sub(rf"\b{int(lo)}\s*(?:-|–|to)\s*{int(hi)}\b", " ", text)
        seen_number = False
        for regex, how in ((_SCORE_KEY_RE, "keyword"), (_FRACTION_RE, "fraction")):
            for m in regex.finditer(scrubbed):
                seen_number = True
                got = _in_range(_to_float(m.group("n")), m.groupdict().get("d"), lo, hi)
                if got is not None:
                    return ParseResult(got, how)
        for m in _BARE_NUM_RE.finditer(_FRACTION_RE.sub(" ", scrubbed)):  # "0/10" must not yield 10
            seen_number = True
            got = _in_range(_to_float(m.group("n")), None, lo, hi)
            if got is not None:
                return ParseResult(got, "first_number")
        for word in re.findall(r"[a-z]+", scrubbed.lower()):
            if word in _WORD_NUMS and lo <= _WORD_NUMS[word] <= hi:
                return ParseResult(float(_WORD_NUMS[word]), "number_word")
        return ParseResult(None, "out_of_range" if seen_number else "no_number")
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        return ParseResult(None, f"error:{type(exc).__name__}")


_YES = {"yes", "y", "true", "correct", "right", "affirmative", "yeah", "yep", "supported", "entailed"}
_NO = {"no", "n", "false", "incorrect", "wrong", "negative", "nope", "unsupported", "contradicted"}
_LABEL_RE = re.compile(
    r"^\W*(?:final\s+)?(?:answer|response|output|label|verdict|judgement|a)\s*[:：\-]\s*", re.IGNORECASE
)


def parse_yes_no(text: Any) -> ParseResult:
    """True/False from yes/no/true/false answers, looking at the leading word first."""
    try:
        text = _as_text(text, 100_000)
        if not text.strip():
            return ParseResult(None, "empty")
        if "{" in text:
            js = extract_json(text, expect=dict)
            if js.ok:
                for v in js.value.values():
                    if isinstance(v, bool):
                        return ParseResult(v, "json")
                    if isinstance(v, str) and v.strip().lower() in _YES | _NO:
                        return ParseResult(v.strip().lower() in _YES, "json")
        body = _LABEL_RE.sub("", text.strip(), count=1)
        words = re.findall(r"[a-z]+", body.lower())
        if words and words[0] in _YES | _NO:
            return ParseResult(words[0] in _YES, "leading_word")
        for i, w in enumerate(words[:200]):
            if w in ("yes", "no", "true", "false"):
                negated = i > 0 and words[i - 1] in ("not", "isn", "never")
                return ParseResult((w in _YES) != negated, "first_occurrence")
        return ParseResult(None, "no_answer")
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        return ParseResult(None, f"error:{type(exc).__name__}")


def parse_choice(text: Any, n_options: int) -> ParseResult:
    """0-based option index from 'C', '(C)', 'Answer: C', 'The answer is c)', or a 1-based number."""
    try:
        if n_options < 1:
            return ParseResult(None, "no_options")
        n_options = min(n_options, 26)
        text = _as_text(text, 100_000)
        if not text.strip():
            return ParseResult(None, "empty")
        letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:n_options]

        def pick(token: str) -> int | None:
            token = token.strip()
            if len(token) == 1 and token.upper() in letters:
                return letters.index(token.upper())
            if token.isdigit() and 1 <= int(token) <= n_options:
                return int(token) - 1
            return None

        if "{" in text:
            js = extract_json(text, expect=dict)
            if js.ok:
                low = {str(k).lower(): v for k, v in js.value.items()}
                for key in ("answer", "choice", "option", "label", "correct"):
                    got = pick(str(low.get(key, "")).strip("() ."))
                    if got is not None:
                        return ParseResult(got, "json")
        labelled = re.search(
            r"(?:answer|option|choice)\s*(?:is|:|：|=)?\s*(?:option\s*)?[\(\[]?\s*([A-Za-z]|\d{1,2})\s*[\)\]]?(?![A-Za-z0-9])",
            text,
            re.IGNORECASE,
        )
        if labelled and pick(labelled.group(1)) is not None:
            return ParseResult(pick(labelled.group(1)), "labelled")
        lead = re.match(r"^\W*?[\(\[]?([A-Za-z]|\d{1,2})(?:[\)\].:]|\s*$)", text.strip())
        if lead and pick(lead.group(1)) is not None:
            return ParseResult(pick(lead.group(1)), "leading")
        paren = re.search(r"[\(\[]([A-Z])[\)\]]", text)
        if paren and pick(paren.group(1)) is not None:
            return ParseResult(pick(paren.group(1)), "parenthesised")
        for m in re.finditer(r"(?<![A-Za-z'])([A-Z])(?![A-Za-z'])", text):
            if m.group(1) in "AI" and re.match(r"\s+[a-z]", text[m.end() :]):
                continue  # the article "A" / pronoun "I", not an option
            if pick(m.group(1)) is not None:
                return ParseResult(pick(m.group(1)), "standalone_letter")
        return ParseResult(None, "no_choice")
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        return ParseResult(None, f"error:{type(exc).__name__}")


from synth_hf.text.kg_records import KGParse, parse_kg_records
from synth_hf.text.qa_pairs import QAParse, parse_qa_pairs

__all__ = [
    "KGParse",
    "ParseResult",
    "QAParse",
    "extract_json",
    "parse_choice",
    "parse_kg_records",
    "parse_qa_pairs",
    "parse_score",
    "parse_yes_no",
]
