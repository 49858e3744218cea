"""Expected Calibration Error for binary probabilities (e.g. p(yes) of a true/false probe).

`predictions` are probabilities of the positive class, `references` are 0/1 labels.
Equal-width bins over [0, 1]; a probability of exactly 1.0 falls in the last bin.

mode="binary" (default) compares, per bin, the mean predicted p(positive) with the observed
frequency of positives - the reliability diagram of p(yes).
mode="top_label" compares the mean confidence max(p, 1-p) with the accuracy of the thresholded
prediction (p >= 0.5) - the classic classifier ECE.
ECE = sum_b |B_b|/n * |acc_b - conf_b|; MCE is the largest per-bin gap.
"""

import datasets
import evaluate

_DESCRIPTION = __doc__
_KWARGS = "predictions: list of floats in [0,1]; references: list of 0/1; n_bins: int=10; mode: str"


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class Ece(evaluate.Metric):
    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Naeini et al. 2015; Guo et al. 2017",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {"predictions": datasets.Value("float64"), "references": datasets.Value("int64")}
            ),
        )

    def _compute(self, predictions, references, n_bins: int = 10, mode: str = "binary") -> dict:
        if n_bins < 1:
            raise ValueError("n_bins must be >= 1")
        if mode not in ("binary", "top_label"):
            raise ValueError(f"mode must be 'binary' or 'top_label', got {mode!r}")
        counts = [0] * n_bins
        conf_sum = [0.0] * n_bins
        acc_sum = [0.0] * n_bins
        for p, y in zip(predictions, references):
            p = float(p)
            if not 0.0 <= p <= 1.0:
                raise ValueError(f"probability out of [0, 1]: {p}")
            if y not in (0, 1):
                raise ValueError(f"labels must be 0 or 1, got {y}")
            if mode == "binary":
                conf, hit = p, float(y)
            else:
                conf, hit = max(p, 1.0 - p), float((p >= 0.5) == bool(y))
            b = min(int(conf * n_bins), n_bins - 1)
            counts[b] += 1
            conf_sum[b] += conf
            acc_sum[b] += hit
        n = sum(counts)
        if n == 0:
            return {"ece": 0.0, "mce": 0.0, "n": 0, "bin_counts": counts}
        gaps = [
            abs(acc_sum[b] / counts[b] - conf_sum[b] / counts[b]) if counts[b] else 0.0 for b in range(n_bins)
        ]
        ece = sum(counts[b] / n * gaps[b] for b in range(n_bins))
        return {
            "ece": ece,
            "mce": max(gaps[b] for b in range(n_bins) if counts[b]),
            "n": n,
            "bin_counts": counts,
            "bin_confidence": [conf_sum[b] / counts[b] if counts[b] else None for b in range(n_bins)],
            "bin_accuracy": [acc_sum[b] / counts[b] if counts[b] else None for b in range(n_bins)],
        }
