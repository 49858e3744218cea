"""Trainee-probe math: per-unit loss/accuracy/confidence and global calibration (ECE, Brier, NLL).

Input is one record per quiz *statement*: (unit_id, label, p_yes, covered_mass), where `label` says
whether the statement is true, `p_yes` is the trainee's yes-probability renormalised over the yes/no
token sets, and `covered_mass` is the raw probability mass those token sets covered.

Binary calibration convention used throughout: the prediction is "yes" iff p_yes >= 0.5, its confidence
is max(p_yes, 1 - p_yes) in [0.5, 1], and it is correct iff the prediction equals the label. ECE bins
confidences into `n_bins` equal-width bins over [0.5, 1] (bins are [lo, hi), the last one [lo, 1]),
and weights each bin's |accuracy - mean confidence| by its share of statements.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

EPS = 1e-6
BINNING = "confidence=max(p,1-p); equal-width bins over [0.5, 1]; [lo, hi) except last bin closed"


class StatementScore(NamedTuple):
    unit_id: str
    label: bool
    p_yes: float
    covered_mass: float


@dataclass(frozen=True)
class UnitScore:
    loss: float  # mean NLL of the correct label
    accuracy: float
    confidence: float
    n: int


class ReliabilityBin(NamedTuple):
    lo: float
    hi: float
    count: int
    mean_conf: float | None  # None for an empty bin
    acc: float | None


def _coerce(records: Iterable[Any]) -> list[StatementScore]:
    """Accept StatementScore, plain 4-tuples or mappings (e.g. rows of a datasets.Dataset)."""
    out = []
    for rec in records:
        if isinstance(rec, Mapping):
            rec = (rec["unit_id"], rec["label"], rec["p_yes"], rec.get("covered_mass", float("nan")))
        unit_id, label, p_yes, covered = rec
        out.append(StatementScore(str(unit_id), bool(label), float(p_yes), float(covered)))
    return out


def _arrays(p_yes: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p_yes, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError("p_yes and labels must be 1-D and of equal length")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p_yes must be probabilities in [0, 1]")
    return p, y


def _nll(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return -np.log(np.where(y, p, 1 - p))


def unit_scores(records: Iterable[Any]) -> dict[str, UnitScore]:
    """Per-unit mean NLL (loss), accuracy and mean confidence over that unit's statements."""
    by_unit: dict[str, tuple[list[float], list[bool]]] = {}
    for rec in _coerce(records):
        ps, ys = by_unit.setdefault(rec.unit_id, ([], []))
        ps.append(rec.p_yes)
        ys.append(rec.label)
    out = {}
    for unit_id, (ps, ys) in by_unit.items():
        p, y = _arrays(ps, ys)
        out[unit_id] = UnitScore(
            loss=float(_nll(p, y).mean()),
            accuracy=float(np.mean((p >= 0.5) == y)),
            confidence=float(np.maximum(p, 1 - p).mean()),
            n=len(ps),
        )
    return out


def apply_unit_scores(kg: Any, scores: Mapping[str, UnitScore]) -> int:
    """Write loss/accuracy/confidence/n_statements onto the KnowledgeGraph units; returns how many."""
    for unit_id, s in scores.items():
        kg.set_unit_attrs(unit_id, loss=s.loss, accuracy=s.accuracy, confidence=s.confidence, n_statements=s.n)
    return len(scores)


def _bin_index(conf: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    edges = np.linspace(0.5, 1.0, n_bins + 1)
    return np.searchsorted(edges[1:-1], conf, side="right"), edges


def reliability_bins(p_yes: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray,
                     n_bins: int = 10) -> list[ReliabilityBin]:
    if n_bins < 1:
        raise ValueError("n_bins must be >= 1")
    p, y = _arrays(p_yes, labels)
    conf = np.maximum(p, 1 - p)
    correct = (p >= 0.5) == y
    idx, edges = _bin_index(conf, n_bins)
    out = []
    for b in range(n_bins):
        mask = idx == b
        count = int(mask.sum())
        out.append(ReliabilityBin(
            lo=float(edges[b]),
            hi=float(edges[b + 1]),
            count=count,
            mean_conf=float(conf[mask].mean()) if count else None,
            acc=float(correct[mask].mean()) if count else None,
        ))
    return out


def expected_calibration_error(p_yes: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray,
                               n_bins: int = 10) -> float:
    bins = reliability_bins(p_yes, labels, n_bins)
    total = sum(b.count for b in bins)
    if total == 0:
        return float("nan")
    return float(sum(b.count / total * abs(b.acc - b.mean_conf) for b in bins if b.count))


def brier_score(p_yes: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray) -> float:
    p, y = _arrays(p_yes, labels)
    return float(np.mean((p - y) ** 2)) if p.size else float("nan")


def mean_nll(p_yes: Sequence[float] | np.ndarray, labels: Sequence[bool] | np.ndarray) -> float:
    p, y = _arrays(p_yes, labels)
    return float(_nll(p, y).mean()) if p.size else float("nan")


def covered_mass_summary(covered_mass: Sequence[float] | np.ndarray,
                         quantiles: Sequence[float] = (0.05, 0.25, 0.75, 0.95),
                         low_threshold: float = 0.5) -> dict[str, Any]:
    """How much probability the yes/no token sets covered: low values mean the probe's renormalised
    p_yes rests on little mass (the trainee wanted to say something else)."""
    m = np.asarray(covered_mass, dtype=np.float64)
    m = m[np.isfinite(m)]
    if m.size == 0:
        return {"count": 0, "min": None, "mean": None, "median": None, "max": None,
                "quantiles": {f"q{round(q * 100):02d}": None for q in quantiles}, "frac_below": None,
                "low_threshold": low_threshold}
    return {
        "count": int(m.size),
        "min": float(m.min()),
        "mean": float(m.mean()),
        "median": float(np.median(m)),
        "max": float(m.max()),
        "quantiles": {f"q{round(q * 100):02d}": float(np.quantile(m, q)) for q in quantiles},
        "frac_below": float(np.mean(m < low_threshold)),
        "low_threshold": low_threshold,
    }


def _none_if_nan(x: float) -> float | None:
    return None if math.isnan(x) else x  # JSON has no NaN


def calibration_report(records: Iterable[Any], n_bins: int = 10) -> dict[str, Any]:
    """Everything about the probe in one JSON-serialisable dict."""
    recs = _coerce(records)
    p = np.array([r.p_yes for r in recs], dtype=np.float64)
    y = np.array([r.label for r in recs], dtype=bool)
    _arrays(p, y)
    units = unit_scores(recs)
    return {
        "n_statements": len(recs),
        "n_units": len(units),
        "n_bins": n_bins,
        "binning": BINNING,
        "ece": _none_if_nan(expected_calibration_error(p, y, n_bins)),
        "brier": _none_if_nan(brier_score(p, y)),
        "nll": _none_if_nan(mean_nll(p, y)),
        "accuracy": float(np.mean((p >= 0.5) == y)) if p.size else None,
        "mean_confidence": float(np.maximum(p, 1 - p).mean()) if p.size else None,
        "positive_rate": float(y.mean()) if p.size else None,
        "bins": [b._asdict() for b in reliability_bins(p, y, n_bins)],
        "covered_mass": covered_mass_summary([r.covered_mass for r in recs]),
        "unit_loss": _loss_summary([u.loss for u in units.values()]),
    }


def _loss_summary(losses: list[float]) -> dict[str, float | None]:
    if not losses:
        return {"mean": None, "median": None, "max": None}
    arr = np.asarray(losses)
    return {"mean": float(arr.mean()), "median": float(np.median(arr)), "max": float(arr.max())}


def unit_scores_as_dicts(scores: Mapping[str, UnitScore]) -> list[dict[str, Any]]:
    """Rows for a datasets.Dataset / parquet file."""
    return [{"unit_id": k, **asdict(v)} for k, v in scores.items()]


def plot_reliability_diagram(report: Mapping[str, Any], path: str | Path, title: str | None = None) -> Path:
    """Reliability diagram (accuracy vs confidence per bin, with counts) as a PNG."""
    # Figure + Agg canvas directly: no global pyplot backend switch, safe in worker processes.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    bins = report["bins"]
    fig = Figure(figsize=(6, 6.5))
    FigureCanvasAgg(fig)
    ax, ax_count = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1]})
    lo = [b["lo"] for b in bins]
    width = [b["hi"] - b["lo"] for b in bins]
    acc = [b["acc"] if b["acc"] is not None else 0.0 for b in bins]
    conf = [b["mean_conf"] if b["mean_conf"] is not None else (b["lo"] + b["hi"]) / 2 for b in bins]
    ax.bar(lo, acc, width=width, align="edge", edgecolor="black", alpha=0.8, label="accuracy")
    ax.bar(lo, [c - a for c, a in zip(conf, acc)], bottom=acc, width=width, align="edge",
           color="red", alpha=0.25, label="gap to confidence")
    ax.plot([0.5, 1.0], [0.5, 1.0], "k--", linewidth=1, label="perfect calibration")
    ax.set_xlim(0.5, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.set_ylabel("accuracy")
    ece = report.get("ece")
    ax.set_title(title or f"Reliability (ECE={ece:.3f}, n={report.get('n_statements', 0)})"
                 if ece is not None else title or "Reliability (no statements)")
    ax.legend(loc="upper left")
    ax_count.bar(lo, [b["count"] for b in bins], width=width, align="edge", edgecolor="black")
    ax_count.set_xlabel("confidence = max(p_yes, 1 - p_yes)")
    ax_count.set_ylabel("statements")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    return out
