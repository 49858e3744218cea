"""Words that occur only in our few-shot examples. Small base models copy examples; an output that uses
such a word while its source does not is a copy, not knowledge from the corpus."""

from __future__ import annotations

import re

EXAMPLE_TERMS = (
    "danube", "vienna", "black sea", "north sea", "baltic sea", "caspian sea", "rhine", "madrid", "austria",
    "marie curie", "pierre curie", "polonium", "paris", "heart pumps blood", "boils at 20",
)  # fmt: skip
_WORD_RE = re.compile(r"\w{3,}", re.UNICODE)


def copied_from_examples(text: str, source: str) -> bool:
    """True when `text` mentions an example-only term that `source` does not contain."""
    low, src = " ".join(text.casefold().split()), " ".join(source.casefold().split())
    return any(term in low and term not in src for term in EXAMPLE_TERMS)


def grounded(name: str, source: str) -> bool:
    """A name is grounded in `source` when one of its words (3+ letters) occurs there (or it is short)."""
    words = _WORD_RE.findall(name.casefold())
    src = source.casefold()
    return not words or any(w in src for w in words)
