"""Tokenisation and the diversity scores shared by the text metrics (copied beside each metric by
`evaluate`'s loader) and by the run reports, which call them without importing `evaluate`."""

import math
import random
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


def _max_other_counts(counters: list[Counter]) -> dict:
    """For every n-gram: (best count, index holding it, second best count) over all texts."""
    best: dict = {}
    for idx, counter in enumerate(counters):
        for gram, c in counter.items():
            top, owner, second = best.get(gram, (0, -1, 0))
            if c > top:
                best[gram] = (c, idx, top)
            elif c > second:
                best[gram] = (top, owner, c)
    return best


def _sentence_bleu(
    i: int, tokens: list[str], per_order: list, lengths: list[int], max_n: int, eps: float
) -> float:
    log_precisions = []
    for n in range(1, max_n + 1):
        counter, best = per_order[n - 1]
        hyp = counter[i]
        total = sum(hyp.values())
        if total == 0:
            break  # the text is shorter than n tokens
        clipped = 0
        for gram, c in hyp.items():
            top, owner, second = best[gram]
            clipped += min(c, second if owner == i else top)
        log_precisions.append(math.log((clipped or eps) / total))
    if not log_precisions:
        return 0.0
    c = len(tokens)
    # closest reference length among the others (ties -> the shorter one, as NLTK)
    r = min((abs(length - c), length) for j, length in enumerate(lengths) if j != i)[1]
    bp = 1.0 if c > r else math.exp(1.0 - r / c)
    return bp * math.exp(sum(log_precisions) / len(log_precisions))


def self_bleu_score(
    texts: list[str], max_n: int = 4, epsilon: float = 0.1, max_samples: int | None = None, seed: int = 0
) -> dict:
    """Self-BLEU of `texts` (see the self_bleu metric): {"self_bleu": mean, "n": texts scored}."""
    tokenized = [toks for toks in (words(t) for t in texts) if toks]
    if len(tokenized) < 2:
        return {"self_bleu": 0.0, "n": len(tokenized)}
    per_order = []
    for n in range(1, max_n + 1):
        counters = [ngram_counts(toks, n) for toks in tokenized]
        per_order.append((counters, _max_other_counts(counters)))
    lengths = [len(t) for t in tokenized]
    indices = list(range(len(tokenized)))
    if max_samples is not None and max_samples < len(indices):
        indices = random.Random(seed).sample(indices, max_samples)
    scores = [_sentence_bleu(i, tokenized[i], per_order, lengths, max_n, epsilon) for i in indices]
    return {"self_bleu": sum(scores) / len(scores), "n": len(scores)}


def distinct_n_scores(texts: list[str], max_n: int = 2) -> dict:
    """Distinct-n of `texts` for n = 1..max_n (see the distinct_n metric)."""
    tokenized = [words(t) for t in texts]
    out = {}
    for n in range(1, max_n + 1):
        grams = [g for toks in tokenized for g in ngrams(toks, n)]
        out[f"distinct_{n}"] = len(set(grams)) / len(grams) if grams else 0.0
    return out
