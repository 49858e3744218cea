"""Join facts about one subject into one statement, without adding a word the evidence lacks.

"Zorvatide is manufactured by Lumera Pharma." + "Zorvatide was approved for use in 2009." ->
"Zorvatide is manufactured by Lumera Pharma and was approved for use in 2009." An aggregated answer
phrased this way states two facts of one entity in a single claim (the shape of "which of these is
true of X" options), and every content word still comes from the two sentences, so the support check
applies unchanged. Pure string logic (tests/text/test_text_compose.py).
"""

from __future__ import annotations

import re

from synth_hf.text.support import has_negation, span_pattern

_END = ".!?;:。！？"


def _predicate(sentence: str, subject: str) -> str | None:
    """What `sentence` says of `subject` when it opens with it ('<subject> was approved in 2009.' ->
    'was approved in 2009'); None when the subject does not open the sentence, or the rest is empty or
    starts as a possessive or apposition (no predicate to join)."""
    body = sentence.strip().rstrip(_END).strip()
    m = span_pattern(subject).match(body) if subject.strip() else None
    if not m:
        return None
    rest = body[m.end() :].strip()
    if not rest or rest[0] in ",'’(" or rest.split()[0].casefold() in {"and", "or", "s"}:
        return None
    return rest


def join_same_subject(first: str, second: str, subject: str) -> str | None:
    """One sentence stating both facts when both open with `subject`: the first sentence, 'and', the
    second's predicate. None when either sentence does not open with the subject or carries a negation
    ('X should not be taken in pregnancy and was developed by Y' would blur what 'not' covers): the
    caller keeps the two sentences as they are."""
    if has_negation(first) or has_negation(second):
        return None
    one, two = _predicate(first, subject), _predicate(second, subject)
    if one is None or two is None:
        return None
    head = first.strip().rstrip(_END).strip()
    return f"{head} and {two}."


def join_facts(sentences: list[str], subject: str) -> list[str]:
    """`sentences` with consecutive pairs that both open with `subject` joined into one statement
    (`join_same_subject`); the others as they are, in order. Shape: n sentences -> between ceil(n/2)
    and n statements."""
    out: list[str] = []
    i = 0
    while i < len(sentences):
        joined = join_same_subject(sentences[i], sentences[i + 1], subject) if i + 1 < len(sentences) else None
        if joined:
            out.append(joined)
            i += 2
        else:
            out.append(re.sub(r"\s+", " ", sentences[i].strip()))
            i += 1
    return out
