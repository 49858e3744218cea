"""Self-BLEU (Zhu et al. 2018, Texygen): BLEU of each text against all the other texts as references,
averaged. Higher means the texts repeat each other (less diverse).

BLEU here is sentence BLEU with clipped n-gram precisions up to `max_n`, uniform weights, the
brevity penalty against the closest reference length, and "epsilon" smoothing (a zero match count
becomes `epsilon`, as NLTK's SmoothingFunction.method1) so short texts do not collapse to 0.
A text shorter than n tokens uses only the orders it has. `max_samples` scores a seeded random
subset of hypotheses (every text still serves as a reference) to bound the O(n^2) cost.
"""

import math
import random
from collections import Counter

import datasets
import evaluate

from ._text import ngram_counts, words

_DESCRIPTION = __doc__
_KWARGS = (
    "predictions: list of texts; max_n: int = 4; epsilon: float = 0.1; max_samples: int | None; seed: int"
)


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


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class SelfBleu(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Zhu et al. 2018, Texygen: A Benchmarking Platform for Text Generation Models",
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("string")}),
        )

    def _compute(
        self, predictions, max_n: int = 4, epsilon: float = 0.1, max_samples: int | None = None, seed: int = 0
    ) -> dict:
        tokenized = [toks for toks in (words(t) for t in predictions) if toks]
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
