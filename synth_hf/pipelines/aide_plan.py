"""What an AIDE config plans before anything runs: rows per hop and LLM requests per stage.

Pure arithmetic on the config and the number of valid seeds (no model, no pipeline), used by
`synth-hf aide --dry-run`. The figures are upper bounds of a run in which no row is dropped:
drops (unparseable synthesis, reflection, dedup, annotation) only lower them. Engine-level re-asks
(`structured_retries`) and batch retries are not counted.
"""

from __future__ import annotations

from typing import Any

from synth_hf.pipelines.aide_config import AIDEConfig


def _solve_requests_per_row(config: AIDEConfig) -> int:
    """Annotation requests per row at most: answer-first rows, grounded MCQ / true-false answers, and
    grounded free text with `answer_source: evidence`, come from the evidence (no request); every other annotation asks
    the annotator once (self-consistency samples ride on that one request)."""
    fmt = config.seeds.format
    if config.answer_first_on:  # the answer is the fact the question was written for
        return 0
    if config.documents is not None:
        return 1 if fmt == "qa" and config.annotation.answer_source == "annotator" else 0
    return 1


def _expanding_parents(frontier: int, n_seeds: int, per_node: int, rows: int, budget: int | None) -> int:
    """Parents that get children: all of them without a budget; under one, the rows are spread evenly
    over the seeds and each seed fills whole parents first (`spread_budget`); a seed's share of the
    frontier is equal when nothing was dropped."""
    if not rows or budget is None or not n_seeds:
        return frontier if rows else 0
    share, extra = divmod(rows, n_seeds)
    per_seed = frontier // n_seeds
    return sum(min(per_seed, -(-(share + (i < extra)) // per_node)) for i in range(n_seeds))


def plan_aide(config: AIDEConfig, n_seeds: int) -> dict[str, Any]:
    """The plan of `config` started from `n_seeds` valid seeds.

    Returns {"rows_per_hop": {hop: rows at most}, "rows": total at most, "llm_calls": {stage: requests
    at most, in stage order}, "llm_calls_total": their sum, "reflection_retries_max": re-synthesis +
    re-grade requests reflection may add on top (0 when it is off)}. Raises ValueError for a negative
    `n_seeds`.
    """
    if n_seeds < 0:
        raise ValueError(f"n_seeds must be >= 0, got {n_seeds}")
    exp, reflection = config.expansion, config.reflection
    hops = max(exp.attribute_branch_depth, exp.persona_branch_depth)
    calls: dict[str, int] = {}
    if exp.persona_branch_depth and not config.personas.source:
        calls["persona_pool"] = n_seeds  # one request per seed (its personas are samples of it)
    rows_per_hop: dict[int, int] = {}
    frontier, left = n_seeds, exp.max_rows
    retries = 0
    per_row_solve = _solve_requests_per_row(config)
    for hop in range(1, hops + 1):
        want = frontier * exp.children_per_node(hop)
        rows = want if left is None else min(want, left)
        parents = _expanding_parents(frontier, n_seeds, exp.children_per_node(hop), rows, left)
        if not exp.evol:  # attributes read from the question cost no call
            calls[f"extract_attributes_h{hop}"] = parents if exp.attributes_from == "llm" else 0
        asks = exp.llm_questions or not config.answer_first_on  # template questions: no synthesis call
        calls[f"synthesize_h{hop}"] = rows if asks else 0
        if reflection.enabled:
            graded = reflection.grader == "llm"  # the embedding grader makes no call
            calls[f"reflect_h{hop}"] = rows if graded else 0  # one grade per child when all pass at once
            retries += (asks + graded) * rows * reflection.max_attempts
        calls[f"annotate_h{hop}"] = rows * per_row_solve
        rows_per_hop[hop] = rows
        frontier = rows
        left = None if left is None else left - rows
    return {
        "rows_per_hop": rows_per_hop,
        "rows": sum(rows_per_hop.values()),
        "llm_calls": calls,
        "llm_calls_total": sum(calls.values()),
        "reflection_retries_max": retries,
    }
