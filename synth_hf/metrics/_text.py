"""Tokenisation shared by the text metrics (copied beside each metric by `evaluate`'s loader)."""

import re
import string
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


_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = str.maketrans("", "", string.punctuation)


def answer_tokens(text: str) -> list[str]:
    """SQuAD answer normalisation: lower-case, ASCII punctuation and the articles a/an/the removed."""
    text = (text or "").lower().translate(_PUNCT)
    return _ARTICLES.sub(" ", text).split()


def token_f1(prediction: str, reference: str) -> float:
    """F1 over the multiset of shared answer tokens, in [0, 1]; two texts without tokens score 1."""
    pred, ref = answer_tokens(prediction), answer_tokens(reference)
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(ref)
    return 2 * p * r / (p + r)
