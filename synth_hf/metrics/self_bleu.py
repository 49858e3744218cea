"""Self-BLEU (Zhu et al. 2018, Texygen): BLEU of each text against all the other texts as references,
averaged. Higher means the texts repeat each other (less diverse).

BLEU here is sentence BLEU with clipped n-gram precisions up to `max_n`, uniform weights, the
brevity penalty against the closest reference length, and "epsilon" smoothing (a zero match count
becomes `epsilon`, as NLTK's SmoothingFunction.method1) so short texts do not collapse to 0.
A text shorter than n tokens uses only the orders it has. `max_samples` scores a seeded random
subset of hypotheses (every text still serves as a reference) to bound the O(n^2) cost.
"""

import datasets
import evaluate

from ._text import self_bleu_score

_DESCRIPTION = __doc__
_KWARGS = (
    "predictions: list of texts; max_n: int = 4; epsilon: float = 0.1; max_samples: int | None; seed: int"
)


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
        return self_bleu_score(predictions, max_n, epsilon, max_samples, seed)
