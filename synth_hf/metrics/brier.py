"""Brier score for binary probabilities: mean((p - y)^2); 0 is perfect, 0.25 is a constant 0.5 guess."""

import datasets
import evaluate

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of floats in [0,1] (probability of label 1); references: list of 0/1"


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class Brier(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Brier 1950",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("float64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references) -> dict:
        total = 0.0
        for p, y in zip(predictions, references):
            if not 0.0 <= float(p) <= 1.0:
                raise ValueError(f"probability out of [0, 1]: {p}")
            if y not in (0, 1):
                raise ValueError(f"labels must be 0 or 1, got {y}")
            total += (float(p) - y) ** 2
        n = len(predictions)
        return {"brier": total / n if n else 0.0, "n": n}
