"""False statements by construction: a true sentence with one entity, number or year swapped.

GraphGen's probe needs statements that are certainly false. Asking a small model to negate a fact gives
text that is often still true (or nonsense); swapping an entity for another of the same type from the
same graph, or changing a number, makes the statement false by construction — provided no sentence of
the corpus states the swapped version, which `substitutions` checks with the support check.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

from synth_hf.text.spans import family_of
from synth_hf.text.support import check_support, contains_span, normalize_span, span_pattern

_NUMBER = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)(?![\w.]\d)")


def _pick(options: Sequence[str], key: str) -> str | None:
    if not options:
        return None
    digest = int(hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:12], 16)
    return options[digest % len(options)]


def _replace_span(sentence: str, old: str, new: str) -> str | None:
    pattern = span_pattern(old)
    out, n = pattern.subn(new, sentence, count=1)
    return out if n else None


def name_shape(name: str) -> tuple[bool, bool, int]:
    """A coarse stand-in for an entity type when the graph has none: (title like 'Dr.', capitalised,
    words up to 3). 'Dr. Edda Norquist' never stands in for 'Kelmar fever', nor 'town' for 'Oskvar'."""
    words = name.split()
    title = bool(words) and words[0].rstrip(".").casefold() in {"dr", "prof", "mr", "mrs", "ms", "st"}
    return title, name[:1].isupper(), min(len(words), 3)


def same_kind(a: str, type_a: str, b: str, type_b: str, strict: bool = True) -> bool:
    """Same `name_shape`, and (strict) the same entity type when both have one. Types come from the
    synthesizer and can be wrong, so the shape always applies; callers retry with strict=False when
    too few names share the type (MCQ distractors; a false statement uses `swap_entity`'s stricter rule)."""
    if name_shape(a) != name_shape(b):
        return False
    return not (strict and type_a and type_b) or type_a == type_b


def same_head(a: str, b: str) -> bool:
    """Two names of >= 2 words whose head nouns (last words) are the same or of one `FAMILIES` family
    ("Kelmar fever" / "Brindle ague" no, "Kelmar fever" / "Sallow fever" yes, "grey marten" / "water
    vole" no): all an untyped name says of its kind. Single words never match ("metformin" could be a
    drug or a disease)."""
    wa, wb = a.split(), b.split()
    if len(wa) < 2 or len(wb) < 2:
        return False
    ha, hb = wa[-1].casefold().rstrip(".,;"), wb[-1].casefold().rstrip(".,;")
    return family_of(ha) == family_of(hb)


def swap_entity(sentence: str, mentioned: Sequence[str], pool: Sequence[tuple[str, str]],
                types: dict[str, str], key: str = "") -> tuple[str, str, str] | None:
    """Swap one mentioned name for another pool name of its kind that the sentence does not mention:
    a typed name only for a name of the same type (case-insensitive; word counts may differ, titles and
    capitals may not), an untyped one only for an untyped name of the same `name_shape` and head noun (`same_head`; any
    title name for a title name). A typed name with
    no peer is not swapped: "Celsius was developed by ..." for a drug, or "Drosk is a town in the country
    of Hair", is false but teaches nothing. Returns (statement, old, new) or None."""
    for old in sorted(mentioned, key=lambda n: (not types.get(normalize_span(n)), n)):
        kind = types.get(normalize_span(old), "").casefold()
        title, capital, _ = name_shape(old)
        same = [n for n, t in pool if not contains_span(sentence, n) and normalize_span(n) != normalize_span(old)
                and (t.casefold() == kind and name_shape(n)[:2] == (title, capital) if kind
                     else not t and name_shape(n) == name_shape(old) and (title or same_head(n, old)))]  # fmt: skip
        new = _pick(sorted(same), f"{key}|{sentence}|{old}")
        if new is None:
            continue
        out = _replace_span(sentence, old, new)
        if out and out != sentence:
            return out, old, new
    return None


def change_number(sentence: str, key: str = "") -> tuple[str, str, str] | None:
    """Change the first number: a year moves by 3-9 years, other numbers are doubled or halved."""
    m = _NUMBER.search(sentence)
    if not m:
        return None
    text = m.group(1)
    value = float(text)
    step = 3 + int(hashlib.sha256(f"{key}|{sentence}".encode()).hexdigest()[:4], 16) % 7
    if "." not in text and 1500 <= value <= 2100:
        new = str(int(value) + step if step % 2 else int(value) - step)
    elif "." in text:
        new = f"{value * 2:g}"
    else:
        new = str(int(value) * 2 if value < 1000 or step % 2 else int(value) // 2)
    if new == text:
        return None
    return sentence[: m.start(1)] + new + sentence[m.end(1) :], text, new


def substitutions(
    sentence: str,
    mentioned: Sequence[str],
    pool: Sequence[tuple[str, str]],
    types: dict[str, str],
    corpus_sentences: Callable[[str], list[str]],
    limit: int = 2,
) -> list[dict]:
    """Up to `limit` false statements made from `sentence`: [{statement, kind ('entity_swap' |
    'number_change'), old, new}]. `corpus_sentences(name)` returns the corpus sentences that mention a
    name: a swap that some of them support is not false, and is skipped."""
    out: list[dict] = []
    swapped = swap_entity(sentence, mentioned, pool, types, key="swap")
    if swapped:
        statement, old, new = swapped
        if not any(check_support(statement, [s]).supported for s in corpus_sentences(new)):
            out.append({"statement": statement, "kind": "entity_swap", "old": old, "new": new})
    changed = change_number(sentence)
    if changed:
        out.append({"statement": changed[0], "kind": "number_change", "old": changed[1], "new": changed[2]})
    return out[:limit]
