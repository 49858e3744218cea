"""Distinct-n (Li et al. 2016): unique n-grams / total n-grams over all texts, for n = 1..max_n.

Higher is more diverse. Tokens are lower-cased words (punctuation dropped).
"""

import datasets
import evaluate

from ._text import distinct_n_scores

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of texts; max_n: int = 2 (reports distinct_1 .. distinct_{max_n})"


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class DistinctN(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Li et al. 2016, A Diversity-Promoting Objective Function for Neural Conversation Models",
            inputs_description=_KWARGS,
            features=datasets.Features({"predictions": datasets.Value("string")}),
        )

    def _compute(self, predictions, max_n: int = 2) -> dict:
        return distinct_n_scores(predictions, max_n)
