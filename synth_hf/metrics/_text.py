"""Tokenisation shared by the text metrics (copied beside each metric by `evaluate`'s loader)."""

import re
from collections import Counter

# \w is Unicode-aware, so non-English text keeps its words (rouge_score's default drops non-ASCII).
_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> list[str]:
    """Lower-cased word tokens; punctuation is dropped."""
    return _WORD.findall((text or "").lower())


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]


def ngram_counts(tokens: list[str], n: int) -> Counter:
    return Counter(ngrams(tokens, n))
