"""Knowledge lift: closed-book MCQ accuracy per question type, and what a training set covers.

Used by `benchmarks/knowledge_lift.py` (base model vs LoRA on the raw documents vs LoRA on
synthetic data, same LoRA budget) on the invented-fact corpus in
`synth_hf/data/knowledge_lift/`. Scoring is `eval_mcq`'s option log-likelihood: the question is
the user turn of the same chat template training renders `messages` rows with, and each option
is scored as the assistant's answer, summed and per token.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from synth_hf.evaluation.report import eval_mcq
from synth_hf.evaluation.scoring import load_for_eval

RAW_UNITS = ("document", "sentence")


def accuracy_by_type(mcq_report: dict[str, Any], rows: Sequence[dict]) -> dict[str, dict[str, Any]]:
    """Per question `type` (and "overall"): n, accuracy per token / summed, mean gold log-prob/token.

    `mcq_report` is `eval_mcq`'s result for `rows`; rows are matched by `id`. Rows eval_mcq skipped
    are not counted (their number is in `mcq_report["n_skipped"]`).
    """
    kind = {str(r["id"]): r.get("type", "untyped") for r in rows}
    groups: dict[str, list[dict]] = {}
    for pred in mcq_report.get("predictions", []):
        groups.setdefault(kind[pred["id"]], []).append(pred)
        groups.setdefault("overall", []).append(pred)
    out = {}
    for name, preds in groups.items():
        n = len(preds)
        out[name] = {
            "n": n,
            "accuracy_mean": sum(p["pred_mean"] == p["gold"] for p in preds) / n,
            "accuracy_sum": sum(p["pred_sum"] == p["gold"] for p in preds) / n,
            "gold_logprob": sum(p["gold_logprob"] for p in preds) / n,
        }
    return out


def score_model(
    base_model: str | Path, adapter_dir: str | Path | None, rows: Sequence[dict], batch_size: int = 8
) -> dict[str, Any]:
    """Closed-book MCQ scores of base (+ adapter) per question type (`accuracy_by_type`), plus
    `correct`: question id -> right per token (for `synth_hf.evaluation.paired`)."""
    lm = load_for_eval(base_model, adapter_dir)
    report = eval_mcq(lm, list(rows), batch_size)
    if report.get("n_skipped"):
        raise ValueError(f"{report['n_skipped']} MCQ rows are malformed: {report['skipped'][:3]}")
    correct = {str(p["id"]): p["pred_mean"] == p["gold"] for p in report["predictions"]}
    return {"n_scored": report["n_scored"], "by_type": accuracy_by_type(report, rows), "correct": correct}


def raw_text_units(documents: Iterable[dict | str], unit: str = "document") -> list[str]:
    """Training texts from documents: one per document, or one per sentence.

    Raises ValueError for an unknown unit.
    """
    if unit not in RAW_UNITS:
        raise ValueError(f"unit must be one of {RAW_UNITS}, got {unit!r}")
    texts = [d["text"] if isinstance(d, dict) else str(d) for d in documents]
    if unit == "document":
        return [t for t in texts if t.strip()]
    from synth_hf.text.sentences import sentence_texts

    return [s for t in texts for s in sentence_texts(t) if s.strip()]


def _norm(text: str) -> str:
    text = re.sub(r"\bdr\.\s*", "", text.lower())
    return " ".join(re.sub(r"^(the|a|an)\s+", "", text.strip()).split())


def _row_text(row: dict) -> str:
    msgs = row.get("messages") or []
    return " ".join(str(m.get("content") or "") for m in msgs)


def data_figures(rows: Sequence[dict], facts: Sequence[dict], mcq: Sequence[dict]) -> dict[str, Any]:
    """What a `messages` training set holds, measured against the gold facts and the MCQs.

    fact_coverage: share of gold facts whose subject and object both occur (case-insensitive,
    articles and "Dr." ignored) in at least one row's text. support_rate: mean of a boolean
    `supported` column when the dataset has one (the pipeline's own support check), else None.
    mcq_leaks: rows that contain an MCQ question verbatim (the questions must stay unseen).
    covered_fact_ids: those facts' ids; questions_covered: MCQs all of whose `fact_ids` are covered.
    """
    texts = [_norm(_row_text(r)) for r in rows]
    covered = [
        f["fact_id"]
        for f in facts
        if any(_norm(f["subject"]) in t and _norm(f["object"]) in t for t in texts)
    ]
    questions = [_norm(q["question"]) for q in mcq]
    leaks = sum(any(q in t for q in questions) for t in texts)
    flags = [r["supported"] for r in rows if isinstance(r.get("supported"), bool)]
    return {
        "rows": len(rows),
        "fact_coverage": len(covered) / len(facts) if facts else None,
        "facts_covered": len(covered),
        "covered_fact_ids": covered,
        "questions_covered": sum(bool(q.get("fact_ids")) and set(q["fact_ids"]) <= set(covered) for q in mcq),
        "support_rate": sum(flags) / len(flags) if flags else None,
        "support_rate_source": "column 'supported'" if flags else "no 'supported' column in the data",
        "mcq_leaks": leaks,
    }


def accuracy_by_coverage(arm: dict[str, Any], mcq: Sequence[dict], covered: Iterable[str]) -> dict[str, Any]:
    """An arm's accuracy per token on the MCQs whose facts a training set covers (all their `fact_ids`
    in `covered`) and on the rest: {"covered": {"n", "accuracy"}, "uncovered": {...}}; accuracy None
    for an empty group. Reads `correct_share` (pooled over training seeds) else `correct`. Training
    moves the covered questions; a shift on the rest is interference."""
    right = arm.get("correct_share") or {q: float(v) for q, v in arm["correct"].items()}
    have = set(covered)
    groups: dict[str, list[float]] = {"covered": [], "uncovered": []}
    for q in mcq:
        if str(q["id"]) in right:
            key = "covered" if q.get("fact_ids") and set(q["fact_ids"]) <= have else "uncovered"
            groups[key].append(right[str(q["id"])])
    return {k: {"n": len(v), "accuracy": round(sum(v) / len(v), 4) if v else None} for k, v in groups.items()}


def lift_table(arms: dict[str, dict[str, Any]], baseline: str = "base") -> dict[str, dict[str, float]]:
    """Points (x100) gained over `baseline` per arm and question type, per-token and summed."""
    base = arms[baseline]["by_type"]
    table: dict[str, dict[str, float]] = {}
    for name, arm in arms.items():
        if name == baseline:
            continue
        for kind, s in arm["by_type"].items():
            for metric in ("accuracy_mean", "accuracy_sum"):
                table.setdefault(name, {})[f"{kind}_{metric}"] = round(
                    100 * (s[metric] - base[kind][metric]), 1
                )
    return table


def split_seeds(mcq: Sequence[dict], n: int) -> tuple[list[dict], list[dict]]:
    """Deterministic seed / held-out split of the benchmark's MCQs: (seeds, held_out).

    `n` seeds are taken per question `type` in proportion to its size (largest remainder, ties to
    the type seen first), evenly spaced through that type's questions in file order; no randomness,
    so every arm and every rerun holds out the same questions. The seeds are never in `held_out`.
    Raises ValueError unless 1 <= n < len(mcq).
    """
    if not 1 <= n < len(mcq):
        raise ValueError(f"held-out seeds must be between 1 and {len(mcq) - 1}, got {n}")
    groups: dict[str, list[int]] = {}
    for i, row in enumerate(mcq):
        groups.setdefault(row.get("type", "untyped"), []).append(i)
    exact = {t: n * len(ix) / len(mcq) for t, ix in groups.items()}
    take = {t: int(v) for t, v in exact.items()}
    by_remainder = sorted(groups, key=lambda t: -(exact[t] - take[t]))  # stable: file order on ties
    for t in by_remainder[: n - sum(take.values())]:
        take[t] += 1
    chosen = {ix[int((j + 0.5) * len(ix) / take[t])] for t, ix in groups.items() for j in range(take[t])}
    return [mcq[i] for i in sorted(chosen)], [r for i, r in enumerate(mcq) if i not in chosen]


def seed_qa_rows(seeds: Sequence[dict]) -> list[dict]:
    """AIDE `qa` seeds from MCQs: {id, question, answer = the gold option's text}."""
    return [{"id": s["id"], "question": s["question"], "answer": s["options"][s["answer"]]} for s in seeds]


def seed_messages(seeds: Sequence[dict]) -> list[dict]:
    """The seeds-only training set: one `messages` row per seed (question -> gold option text)."""
    return [
        {"messages": [{"role": "user", "content": r["question"]}, {"role": "assistant", "content": r["answer"]}]}
        for r in seed_qa_rows(seeds)
    ]


def fact_overlap(seeds: Sequence[dict], held_out: Sequence[dict]) -> list[str]:
    """Ids of held-out questions resting on a gold fact that a seed question also rests on."""
    seen = {f for s in seeds for f in s.get("fact_ids", [])}
    return [q["id"] for q in held_out if seen & set(q.get("fact_ids", []))]


def evol_budget(aide_summary: dict[str, Any], children_per_node: int, max_rows: int | None) -> dict[str, Any]:
    """Expansion overrides that give the Evol-style baseline the AIDE run's LLM call budget.

    Evol makes no extraction call, so the calls AIDE spent extracting attributes (read from
    `aide_summary["stages"]`, `extract_attributes_h*`) buy the baseline more children: one more child
    per node than AIDE's `children_per_node`, and `max_rows` (when AIDE had a row cap) raised by the
    extraction calls. When AIDE made no extraction call (`attributes_from: question`) the baseline gets
    AIDE's own `children_per_node` and cap: nothing to reinvest. Everything after synthesis is
    configured alike, so the remaining calls (reflection's grades and re-syntheses, annotation) scale
    with the children in both arms; compare the arms' `llm_calls` to check.
    """
    extraction = sum(
        int(s.get("llm_calls", 0))
        for name, s in aide_summary.get("stages", {}).items()
        if name.startswith("extract_attributes_h")
    )
    overrides: dict[str, Any] = {"method": "evol", "evol_children_per_node": children_per_node + bool(extraction)}
    if max_rows is not None:
        overrides["max_rows"] = max_rows + extraction
    return {"expansion": overrides, "extraction_calls_reinvested": extraction}
