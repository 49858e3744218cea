"""Paired comparison of two arms scored on the same MCQs: which questions each gets right that the
other does not, and whether that split could be chance (exact two-sided sign test, McNemar's exact
form). With 17-26 questions per type (the core set) one question moves accuracy by 4-6 points, with
50-110 (core and extra) 1-2 points, so a difference in accuracy alone says little; the discordant questions and their p-value say how much."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from math import comb
from typing import Any


def sign_test_p(wins: int, losses: int) -> float:
    """Exact two-sided p-value that `wins` vs `losses` discordant pairs split this unevenly under
    p = 1/2 (ties left out); 1.0 when there is no discordant pair. Raises ValueError for negatives."""
    if wins < 0 or losses < 0:
        raise ValueError(f"counts must be >= 0, got {wins}, {losses}")
    n = wins + losses
    if n == 0:
        return 1.0
    tail = sum(comb(n, k) for k in range(min(wins, losses) + 1)) / 2**n
    return min(1.0, 2 * tail)


def paired_by_type(
    a: Mapping[str, bool], b: Mapping[str, bool], kinds: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Per question type (and "overall"), for two arms' per-question correctness (`a`, `b`: question
    id -> right?) on the ids both scored: {"a_only", "b_only", "both", "neither", "p"} where p is
    `sign_test_p(a_only, b_only)`. `kinds`: question id -> type (missing ids count as "untyped")."""
    groups: dict[str, list[tuple[bool, bool]]] = {}
    for qid in sorted(set(a) & set(b)):
        pair = (bool(a[qid]), bool(b[qid]))
        groups.setdefault(kinds.get(qid, "untyped"), []).append(pair)
        groups.setdefault("overall", []).append(pair)
    out = {}
    for kind, pairs in groups.items():
        a_only = sum(x and not y for x, y in pairs)
        b_only = sum(y and not x for x, y in pairs)
        out[kind] = {
            "a_only": a_only,
            "b_only": b_only,
            "both": sum(x and y for x, y in pairs),
            "neither": sum(not x and not y for x, y in pairs),
            "p": round(sign_test_p(a_only, b_only), 4),
        }
    return out


def share_test(
    a: Mapping[str, float], b: Mapping[str, float], kinds: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Per question type (and "overall"), for two arms pooled over the same training seeds (`a`, `b`:
    question id -> share of seeds that got it right, `pool_training_seeds`' `correct_share`): the mean
    shares, how many questions differ, and the two-sided Wilcoxon signed-rank p of the per-question
    differences (scipy.stats.wilcoxon; equal shares left out, as the sign test leaves out ties).
    The majority vote of `paired_by_type` turns 1/3 vs 2/3 into a win and 0 vs 1/3 into a tie; this
    test keeps every seed's answer. p is 1.0 when no question differs."""
    from scipy.stats import wilcoxon

    shares: dict[str, list[tuple[float, float]]] = {}
    for qid in sorted(set(a) & set(b)):
        for kind in (kinds.get(qid, "untyped"), "overall"):
            shares.setdefault(kind, []).append((a[qid], b[qid]))
    out = {}
    for kind, pairs in shares.items():
        nonzero = [d for x, y in pairs if abs(d := x - y) > 1e-9]
        p = float(wilcoxon(nonzero).pvalue) if nonzero else 1.0
        out[kind] = {
            "a_mean_share": round(sum(x for x, _ in pairs) / len(pairs), 4),
            "b_mean_share": round(sum(y for _, y in pairs) / len(pairs), 4),
            "a_higher": sum(d > 0 for d in nonzero),
            "b_higher": sum(d < 0 for d in nonzero),
            "p": round(p, 4),
        }
    return out


def paired_table(
    arms: Mapping[str, Mapping[str, Any]], rows: Sequence[dict], references: Sequence[str] = ("raw", "base")
) -> dict[str, dict[str, dict[str, Any]]]:
    """`"<arm> vs <reference>"` -> `paired_by_type` on per-token correctness, for every scored arm but
    "base" against each reference arm present (`arms[name]["correct"]`: question id -> right per token,
    as `score_model` returns; arms without it, e.g. untrained ones, are left out). `a_only` counts
    the arm's questions, `b_only` the reference's. When both arms were pooled over training seeds
    (`correct_share`), each type also holds `shares`: `share_test` on the per-question shares."""
    kinds = {str(r["id"]): str(r.get("type", "untyped")) for r in rows}
    table = {}
    for name, arm in arms.items():
        if name == "base" or "correct" not in arm:  # base is only ever the reference
            continue
        for ref in references:
            if ref != name and "correct" in arms.get(ref, {}) and f"{ref} vs {name}" not in table:
                table[f"{name} vs {ref}"] = paired_by_type(arm["correct"], arms[ref]["correct"], kinds)
                if "correct_share" in arm and "correct_share" in arms[ref]:  # both pooled over seeds
                    shares = share_test(arm["correct_share"], arms[ref]["correct_share"], kinds)
                    for kind, figures in shares.items():
                        table[f"{name} vs {ref}"][kind]["shares"] = figures
    return table


def pool_training_seeds(runs: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """One arm trained once per training seed and scored on the same MCQs, pooled into one score.

    `runs`: training seed -> `score_model` result ({"n_scored", "by_type", "correct"}). Returns the
    same shape, where `by_type` holds each figure's mean over seeds and `correct` says whether the
    question was right (per token) in more than half the seeds, so `lift_table` and `paired_table`
    read it unchanged; plus `by_seed` (seed -> overall accuracy per token and summed), `spread`
    (overall accuracy per token: mean, population std, min, max over seeds, as fractions) and
    `correct_share` (question id -> share of seeds that got it right). One LoRA run on this
    benchmark moves accuracy by up to ~10 points, so a difference between arms smaller than their
    spread is not a difference. Raises ValueError for no runs or runs scored on different questions.
    """
    if not runs:
        raise ValueError("no runs to pool")
    first = next(iter(runs.values()))
    if any(set(r["correct"]) != set(first["correct"]) for r in runs.values()):
        raise ValueError("runs were scored on different questions")
    n = len(runs)
    by_type: dict[str, dict[str, float]] = {}
    for kind, stats in first["by_type"].items():
        by_type[kind] = {
            key: (sum(r["by_type"][kind][key] for r in runs.values()) / n if key != "n" else stats[key])
            for key in stats
        }
    share = {q: sum(bool(r["correct"][q]) for r in runs.values()) / n for q in first["correct"]}
    overall = [r["by_type"]["overall"]["accuracy_mean"] for r in runs.values()]
    mean = sum(overall) / n
    return {
        "n_scored": first["n_scored"],
        "by_type": by_type,
        "correct": {q: s > 0.5 for q, s in share.items()},
        "correct_share": share,
        "by_seed": {
            str(seed): {k: round(r["by_type"]["overall"][k], 4) for k in ("accuracy_mean", "accuracy_sum")}
            for seed, r in runs.items()
        },
        "spread": {
            "mean": round(mean, 4),
            "std": round((sum((x - mean) ** 2 for x in overall) / n) ** 0.5, 4),
            "min": round(min(overall), 4),
            "max": round(max(overall), 4),
        },
    }
