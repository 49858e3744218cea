"""`evaluate_model` (MCQ, open QA, yes/no calibration) and the before/after markdown tables."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

from synth_hf.compute_threads import use_all_cores
from synth_hf.evaluation.data import RowsLike, load_rows, normalize_mcq, normalize_open, normalize_statements
from synth_hf.evaluation.scoring import (
    STOP_STRINGS,
    LoadedModel,
    generate_answers,
    load_for_eval,
    score_options,
    yes_no_scores,
)
from synth_hf.metrics import load_metric
from synth_hf.runtime.spinner import track

N_SAMPLES = 5  # open-QA generations kept in the report for eyeballing


def _argmax(xs: list[float]) -> int:
    return max(range(len(xs)), key=lambda i: xs[i])


def eval_mcq(lm: LoadedModel, rows: list[dict], batch_size: int = 8) -> dict[str, Any]:
    """Pick the option with the highest log-likelihood given the question; accuracy both with the
    summed log-likelihood and with the per-token mean (length-normalised, the headline number)."""
    items, skipped = normalize_mcq(rows)
    out: dict[str, Any] = {
        "n": len(rows),
        "n_scored": len(items),
        "n_skipped": len(skipped),
        "skipped": skipped,
    }
    if not items:
        return out
    scores = score_options(lm, [it.question for it in items], [it.options for it in items], batch_size)
    gold = [it.answer for it in items]
    pred_sum = [_argmax([s for s, _ in per]) for per in scores]
    pred_mean = [_argmax([s / max(n, 1) for s, n in per]) for per in scores]
    metric = load_metric("mc_accuracy")
    out["accuracy_sum"] = metric.compute(predictions=pred_sum, references=gold)["accuracy"]
    out["accuracy_mean"] = metric.compute(predictions=pred_mean, references=gold)["accuracy"]
    out["accuracy"] = out["accuracy_mean"]
    # how much the model believes the right answer: moves even when the argmax does not
    gold_lp = [per[g][0] / max(per[g][1], 1) for per, g in zip(scores, gold)]
    out["gold_logprob"] = sum(gold_lp) / len(gold)
    out["predictions"] = [
        {"id": it.id, "gold": it.answer, "pred_mean": pm, "pred_sum": ps, "gold_logprob": lp}
        for it, pm, ps, lp in zip(items, pred_mean, pred_sum, gold_lp)
    ]
    # rows with a `type` (atomic / aggregated / multi_hop ...): per-type accuracy per token
    kinds = {str(r.get("id", i)): r.get("type") for i, r in enumerate(rows)}
    by_type: dict[str, list[bool]] = {}
    for pred in out["predictions"]:
        if kinds.get(str(pred["id"])):
            by_type.setdefault(str(kinds[str(pred["id"])]), []).append(pred["pred_mean"] == pred["gold"])
    if by_type:
        out["by_type"] = {k: sum(v) / len(v) for k, v in sorted(by_type.items())}
        out["by_type_n"] = {k: len(v) for k, v in sorted(by_type.items())}
    return out


def eval_open(
    lm: LoadedModel,
    rows: list[dict],
    max_new_tokens: int = 48,
    batch_size: int = 8,
    stop: tuple[str, ...] = STOP_STRINGS,
) -> dict[str, Any]:
    items, skipped = normalize_open(rows)
    out: dict[str, Any] = {
        "n": len(rows),
        "n_scored": len(items),
        "n_skipped": len(skipped),
        "skipped": skipped,
    }
    if not items:
        return out
    preds = generate_answers(lm, [it.question for it in items], max_new_tokens, batch_size, stop)
    refs = [it.references for it in items]
    out.update(load_metric("rouge_l").compute(predictions=preds, references=refs))
    out.update(load_metric("token_f1").compute(predictions=preds, references=refs))
    out["samples"] = [
        {"id": it.id, "question": it.question, "prediction": p, "reference": it.references[0]}
        for it, p in list(zip(items, preds))[:N_SAMPLES]
    ]
    return out


def eval_calibration(
    lm: LoadedModel, rows: list[dict], n_bins: int = 10, batch_size: int = 16
) -> dict[str, Any]:
    items, skipped = normalize_statements(rows)
    out: dict[str, Any] = {
        "n": len(rows),
        "n_scored": len(items),
        "n_skipped": len(skipped),
        "skipped": skipped,
    }
    if not items:
        return out
    scores = yes_no_scores(lm, [it.statement for it in items], batch_size)
    p = [s.p_yes for s in scores]
    y = [it.label for it in items]
    ece = load_metric("ece").compute(predictions=p, references=y, n_bins=n_bins)
    out["ece"] = ece["ece"]
    out["brier"] = load_metric("brier").compute(predictions=p, references=y)["brier"]
    eps = 1e-12
    out["nll"] = -sum(math.log(max(pi if yi else 1 - pi, eps)) for pi, yi in zip(p, y)) / len(y)
    out["accuracy"] = sum(int((pi >= 0.5) == bool(yi)) for pi, yi in zip(p, y)) / len(y)
    out["mean_p_yes"] = sum(p) / len(p)
    out["mean_covered_mass"] = sum(s.covered_mass for s in scores) / len(scores)
    out["reliability"] = {k: ece[k] for k in ("bin_counts", "bin_confidence", "bin_accuracy")}
    out["scores"] = [{"id": it.id, "label": it.label, **s.to_dict()} for it, s in zip(items, scores)]
    return out


def evaluate_model(
    base_model: str | Path,
    adapter_dir: str | Path | None = None,
    *,
    mcq: RowsLike | None = None,
    open_qa: RowsLike | None = None,
    statements: RowsLike | None = None,
    batch_size: int = 8,
    max_new_tokens: int = 48,
    n_bins: int = 10,
    stop: tuple[str, ...] = STOP_STRINGS,
    out_path: str | Path | None = None,
) -> dict[str, Any]:
    """Evaluate a base model, or base + LoRA adapter, on whichever of the three tasks are given.

    mcq: MedQA-style rows (question, options list or {"A":..}, answer_idx letter/index, answer text).
    open_qa: rows with question + answer (or `messages`); greedy generation stopped at `stop`
        (default: the first line break), scored with ROUGE-L and token F1.
    statements: rows with statement + label (yes/no, bool, 0/1); p(yes) -> ECE, Brier, NLL.
    Each may be a list of dicts, a Dataset or a .jsonl path. With `out_path` the report is also
    written as JSON there and as a markdown table beside it (same name, .md). Model loading and
    each scoring loop show their progress (`synth_hf.runtime.spinner`).
    """
    t0 = time.perf_counter()
    threads = use_all_cores()  # an engine that ran earlier in this process may have shrunk the pool
    with track(f"loading {Path(str(base_model)).name}" + (" + adapter" if adapter_dir else "")):
        lm = load_for_eval(base_model, adapter_dir)
    report: dict[str, Any] = {
        "model": str(base_model),
        "adapter": str(adapter_dir) if adapter_dir else None,
        "torch_threads": threads,
        "timing_s": {"load": round(time.perf_counter() - t0, 3)},
    }
    tasks = (
        ("mcq", mcq, lambda rows: eval_mcq(lm, rows, batch_size)),
        ("open_qa", open_qa, lambda rows: eval_open(lm, rows, max_new_tokens, batch_size, tuple(stop))),
        ("calibration", statements, lambda rows: eval_calibration(lm, rows, n_bins, max(batch_size, 16))),
    )
    for name, source, run in tasks:
        if source is None:
            continue
        start = time.perf_counter()
        report[name] = run(load_rows(source))
        report["timing_s"][name] = round(time.perf_counter() - start, 3)
    report["timing_s"]["total"] = round(time.perf_counter() - t0, 3)
    if out_path:
        write_report(report, out_path)
    return report


def write_report(report: dict[str, Any], out_path: str | Path) -> Path:
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    path.with_suffix(".md").write_text(report_markdown(report) + "\n", encoding="utf-8")
    return path


# (section, key, label, higher_is_better)
ROWS: tuple[tuple[str, str, str, bool], ...] = (
    ("mcq", "accuracy", "MCQ accuracy (mean log-lik)", True),
    ("mcq", "accuracy_sum", "MCQ accuracy (summed log-lik)", True),
    ("mcq", "gold_logprob", "MCQ gold option log-prob / token", True),
    ("open_qa", "rougeL", "Open QA ROUGE-L F1", True),
    ("open_qa", "token_f1", "Open QA token F1", True),
    ("open_qa", "exact_match", "Open QA exact match", True),
    ("calibration", "accuracy", "Yes/no accuracy", True),
    ("calibration", "ece", "Calibration ECE", False),
    ("calibration", "brier", "Calibration Brier", False),
    ("calibration", "nll", "Calibration NLL", False),
    ("calibration", "mean_covered_mass", "Yes/no mass covered", True),
)


def _get(report: dict[str, Any], section: str, key: str) -> float | None:
    value = (report.get(section) or {}).get(key)
    return float(value) if isinstance(value, (int, float)) else None


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def report_markdown(report: dict[str, Any]) -> str:
    """One model's results as a markdown table (n = items scored, skipped rows noted)."""
    lines = [
        f"**{report.get('model')}**" + (f" + `{report['adapter']}`" if report.get("adapter") else ""),
        "",
    ]
    lines += ["| metric | value | n |", "|---|---:|---:|"]
    for section, key, label, _ in ROWS:
        value = _get(report, section, key)
        if value is not None:
            lines.append(f"| {label} | {_fmt(value)} | {report[section].get('n_scored', '')} |")
    skipped = {
        s: report[s]["n_skipped"]
        for s in ("mcq", "open_qa", "calibration")
        if report.get(s, {}).get("n_skipped")
    }
    if skipped:
        lines += ["", "Skipped malformed rows: " + ", ".join(f"{k}: {v}" for k, v in skipped.items())]
    return "\n".join(lines)


def compare(base_report: dict[str, Any], adapter_report: dict[str, Any]) -> str:
    """Before/after markdown table: metric | base | adapter | delta | better?"""
    lines = [
        "| metric | base | adapter | Δ | better |",
        "|---|---:|---:|---:|:---:|",
    ]
    for section, key, label, higher in ROWS:
        a, b = _get(base_report, section, key), _get(adapter_report, section, key)
        if a is None and b is None:
            continue
        delta = None if a is None or b is None else b - a
        if delta is None or abs(delta) < 1e-9:
            verdict = "="
        else:
            verdict = "yes" if (delta > 0) == higher else "no"
        arrow = "↑" if higher else "↓"
        sign = "" if delta is None else ("+" if delta > 0 else "")
        lines.append(f"| {label} {arrow} | {_fmt(a)} | {_fmt(b)} | {sign}{_fmt(delta)} | {verdict} |")
    kinds = sorted(set(base_report.get("mcq", {}).get("by_type", {})) | set(adapter_report.get("mcq", {}).get("by_type", {})))
    for kind in kinds:
        a = base_report.get("mcq", {}).get("by_type", {}).get(kind)
        b = adapter_report.get("mcq", {}).get("by_type", {}).get(kind)
        delta = None if a is None or b is None else b - a
        verdict = "=" if delta is None or abs(delta) < 1e-9 else ("yes" if delta > 0 else "no")
        sign = "" if delta is None else ("+" if delta > 0 else "")
        # one question of a small type moves it by several points: say how many there are, and how many moved
        n = (adapter_report.get("mcq", {}).get("by_type_n") or base_report.get("mcq", {}).get("by_type_n") or {}).get(kind)
        label = f"MCQ accuracy, {kind}" + (f" (n={n}, per token)" if n else " (per token)")
        moved = "" if delta is None or not n else f" ({sign}{round(delta * n)} of {n})"
        if moved and abs(round(delta * n)) == 1:
            verdict = "≈ (one question)"
        lines.append(f"| {label} ↑ | {_fmt(a)} | {_fmt(b)} | {sign}{_fmt(delta)}{moved} | {verdict} |")
    return "\n".join(lines)
