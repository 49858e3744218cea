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


def paired_table(
    arms: Mapping[str, Mapping[str, Any]], rows: Sequence[dict], references: Sequence[str] = ("raw", "base")
) -> dict[str, dict[str, dict[str, Any]]]:
    """`"<arm> vs <reference>"` -> `paired_by_type` on per-token correctness, for every scored arm but
    "base" against each reference arm present (`arms[name]["correct"]`: question id -> right per token,
    as `score_model` returns; arms without it, e.g. untrained ones, are left out). `a_only` counts
    the arm's questions, `b_only` the reference's."""
    kinds = {str(r["id"]): str(r.get("type", "untyped")) for r in rows}
    table = {}
    for name, arm in arms.items():
        if name == "base" or "correct" not in arm:  # base is only ever the reference
            continue
        for ref in references:
            if ref != name and "correct" in arms.get(ref, {}) and f"{ref} vs {name}" not in table:
                table[f"{name} vs {ref}"] = paired_by_type(arm["correct"], arms[ref]["correct"], kinds)
    return table
