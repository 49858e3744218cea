"""Our `evaluate` metric modules, loaded from their local files (the Hub is never contacted).

Each module is a plain `evaluate.Metric` script: `evaluate.load(str(metric_path("ece")))` works
as well as `load_metric("ece")`. evaluate's import scanner needs one `import` per line at the top
of each script; shared tokenisation lives in `_text.py`, which evaluate copies beside each script.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

# the same computations as the self_bleu / distinct_n metrics, without importing evaluate (which
# imports transformers' pipelines: ~9 s at the end of every run whose report needs them)
from synth_hf.metrics._text import distinct_n_scores, self_bleu_score

__all__ = ["METRIC_NAMES", "distinct_n_scores", "load_metric", "metric_path", "self_bleu_score"]

METRICS_DIR = Path(__file__).resolve().parent
METRIC_NAMES: tuple[str, ...] = (
    "ece",
    "brier",
    "self_bleu",
    "distinct_n",
    "mtld",
    "rouge_l",
    "token_f1",
    "mc_accuracy",
)


def metric_path(name: str) -> Path:
    if name not in METRIC_NAMES:
        raise KeyError(f"unknown metric {name!r}; available: {', '.join(METRIC_NAMES)}")
    return METRICS_DIR / f"{name}.py"


@cache
def load_metric(name: str):
    """Return the loaded `evaluate.EvaluationModule` for one of METRIC_NAMES.

    Cached: evaluate copies the script into its modules cache on every load (~0.1 s); our
    metrics keep no state between `compute(...)` calls, so one instance per name is safe.
    """
    import evaluate

    return evaluate.load(str(metric_path(name)))
