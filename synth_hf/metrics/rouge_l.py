"""ROUGE-L (Lin 2004): longest-common-subsequence precision, recall and F1 between a prediction and
its reference, averaged over pairs. With several references per prediction the best-F1 one counts.
Tokens are lower-cased Unicode words (punctuation dropped). Scores are in [0, 1].
"""

import datasets
import evaluate

from ._text import words

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of texts; references: list of texts or list of lists of texts"


def _lcs(a: list[str], b: list[str]) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            cur[j] = prev[j - 1] + 1 if x == y else max(prev[j], cur[j - 1])
        prev = cur
    return prev[-1]


def _score(pred: list[str], ref: list[str]) -> tuple[float, float, float]:
    if not pred or not ref:
        same = float(not pred and not ref)  # two empty texts agree perfectly
        return same, same, same
    lcs = _lcs(pred, ref)
    p, r = lcs / len(pred), lcs / len(ref)
    return p, r, (2 * p * r / (p + r) if lcs else 0.0)


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class RougeL(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Lin 2004, ROUGE: A Package for Automatic Evaluation of Summaries",
            inputs_description=_KWARGS,
            features=[
                datasets.Features(
                    {
                        "predictions": datasets.Value("string"),
                        "references": datasets.Sequence(datasets.Value("string")),
                    }
                ),
                datasets.Features(
                    {"predictions": datasets.Value("string"), "references": datasets.Value("string")}
                ),
            ],
        )

    def _compute(self, predictions, references) -> dict:
        ps, rs, fs = [], [], []
        for pred, refs in zip(predictions, references):
            refs = [refs] if isinstance(refs, str) else list(refs)
            p_toks = words(pred)
            p, r, f = max((_score(p_toks, words(ref)) for ref in refs), key=lambda s: s[2])
            ps.append(p)
            rs.append(r)
            fs.append(f)
        n = len(fs)
        mean = (lambda xs: sum(xs) / n) if n else (lambda xs: 0.0)
        return {"rougeL": mean(fs), "rougeL_precision": mean(ps), "rougeL_recall": mean(rs)}
