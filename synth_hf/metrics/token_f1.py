"""Token-level F1 and exact match, SQuAD style: lower-case, strip punctuation and the articles
a/an/the, split on whitespace, then F1 over the multiset of shared tokens. With several references
per prediction the best one counts. Scores are in [0, 1].
"""

import re
import string
from collections import Counter

import datasets
import evaluate

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of texts; references: list of texts or list of lists of texts"
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> list[str]:
    text = (text or "").lower().translate(_PUNCT)
    return _ARTICLES.sub(" ", text).split()


def _f1(pred: list[str], ref: list[str]) -> float:
    if not pred or not ref:
        return float(pred == ref)
    common = sum((Counter(pred) & Counter(ref)).values())
    if common == 0:
        return 0.0
    p, r = common / len(pred), common / len(ref)
    return 2 * p * r / (p + r)


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class TokenF1(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Rajpurkar et al. 2016, SQuAD",
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
        f1s, ems = [], []
        for pred, refs in zip(predictions, references):
            refs = [refs] if isinstance(refs, str) else list(refs)
            p = normalize(pred)
            f1s.append(max(_f1(p, normalize(r)) for r in refs))
            ems.append(max(float(p == normalize(r)) for r in refs))
        n = len(f1s)
        return {"token_f1": sum(f1s) / n if n else 0.0, "exact_match": sum(ems) / n if n else 0.0}
