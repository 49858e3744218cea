"""Token-level F1 and exact match, SQuAD style: lower-case, strip punctuation and the articles
a/an/the, split on whitespace, then F1 over the multiset of shared tokens. With several references
per prediction the best one counts. Scores are in [0, 1].
"""

import datasets
import evaluate

from ._text import answer_tokens, token_f1

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of texts; references: list of texts or list of lists of texts"


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
            f1s.append(max(token_f1(pred, r) for r in refs))
            ems.append(max(float(answer_tokens(pred) == answer_tokens(r)) for r in refs))
        n = len(f1s)
        return {"token_f1": sum(f1s) / n if n else 0.0, "exact_match": sum(ems) / n if n else 0.0}
