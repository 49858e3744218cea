"""Multiple-choice accuracy over option indices.

A reference < 0 marks a malformed item (e.g. an answer letter outside the options): it is
skipped and counted in `skipped`, never silently scored as wrong or right.
"""

import datasets
import evaluate

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of chosen option indices; references: list of gold indices (-1 = malformed)"


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class McAccuracy(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references) -> dict:
        correct = total = skipped = 0
        for pred, gold in zip(predictions, references):
            if gold is None or gold < 0:
                skipped += 1
                continue
            total += 1
            correct += int(pred == gold)
        return {
            "accuracy": correct / total if total else 0.0,
            "correct": correct,
            "total": total,
            "skipped": skipped,
        }
