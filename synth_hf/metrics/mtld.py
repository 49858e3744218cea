"""MTLD, Measure of Textual Lexical Diversity (McCarthy & Jarvis 2010).

Walk the tokens keeping a running type/token ratio (TTR); each time it falls to `threshold`
(0.72) one "factor" is complete and the count restarts. The leftover segment adds a partial factor
(1 - TTR) / (1 - threshold). MTLD = tokens / factors, averaged over a forward and a backward pass.
Unlike plain TTR it does not shrink with text length. If no factor forms at all (every token
distinct), MTLD is reported as the token count (the text never ran out of new words).

aggregate="corpus" (default) scores the concatenation of all texts - short synthetic answers are
too short for a stable per-text score; aggregate="mean" averages the per-text scores.
"""

import datasets
import evaluate

from ._text import words

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of texts; threshold: float = 0.72; aggregate: 'corpus' | 'mean'"


def _factors(tokens: list[str], threshold: float) -> float:
    factors = 0.0
    types: set[str] = set()
    count = 0
    for tok in tokens:
        types.add(tok)
        count += 1
        if len(types) / count <= threshold:
            factors += 1.0
            types, count = set(), 0
    if count:
        factors += (1.0 - len(types) / count) / (1.0 - threshold)
    return factors


def _mtld(tokens: list[str], threshold: float) -> float:
    if not tokens:
        return 0.0
    scores = []
    for seq in (tokens, tokens[::-1]):
        f = _factors(seq, threshold)
        scores.append(len(seq) / f if f > 0 else float(len(seq)))
    return sum(scores) / 2.0


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class Mtld(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="McCarthy & Jarvis 2010, MTLD, vocd-D, and HD-D",
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("string")}),
        )

    def _compute(self, predictions, threshold: float = 0.72, aggregate: str = "corpus") -> dict:
        if not 0.0 < threshold < 1.0:
            raise ValueError("threshold must be in (0, 1)")
        tokenized = [words(t) for t in predictions]
        if aggregate == "corpus":
            return {"mtld": _mtld([t for toks in tokenized for t in toks], threshold)}
        if aggregate == "mean":
            scores = [_mtld(toks, threshold) for toks in tokenized if toks]
            return {"mtld": sum(scores) / len(scores) if scores else 0.0}
        raise ValueError(f"aggregate must be 'corpus' or 'mean', got {aggregate!r}")
