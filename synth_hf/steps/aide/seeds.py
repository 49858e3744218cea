"""Seed loading for AIDE (pure logic): column mapping, validation, counted rejections, clear errors."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from synth_hf.steps.aide.rows import check_columns, map_seed


def _raw_seed_table(cfg: Any) -> tuple[list[dict], list[str], str]:
    if cfg.rows is not None:
        columns: list[str] = []
        for row in cfg.rows:
            columns += [k for k in row if k not in columns]
        return list(cfg.rows), columns, "inline rows"
    from synth_hf.io.readers import load_table
    from synth_hf.io.source_errors import blamed_on

    with blamed_on("seeds.source"):
        table = load_table(str(cfg.source), cfg.split)
    return table.to_list(), list(table.column_names), f"{cfg.source!r} (split {cfg.split})"


def load_seeds(cfg: Any) -> tuple[list[dict], list[tuple[dict, str]]]:
    """Valid seed rows and the (raw row, reason) of those that cannot be seeds."""
    raws, columns, where = _raw_seed_table(cfg)
    if cfg.rows is not None and not cfg.rows:  # `rows: []`: a config whose recipe or benchmark fills it
        raise ValueError(
            "the config's seeds.rows is empty: it is filled by the recipe or benchmark that ships this config; "
            "to run it here give seeds (--seeds FILE, or rows under seeds.rows)"
        )
    check_columns(columns, cfg.format, cfg)
    seeds: list[dict] = []
    invalid: list[tuple[dict, str]] = []
    seen_ids: set[str] = set()
    seen_text: set[str] = set()
    for i, raw in enumerate(raws):
        if cfg.num_seeds is not None and len(seeds) >= cfg.num_seeds:
            break
        row, reason = map_seed(raw, i, cfg)
        if row is not None and row["seed_id"] in seen_ids:
            row, reason = None, "duplicate_id"
        if row is not None and row["question"].lower() in seen_text:
            row, reason = None, "duplicate_seed"
        if row is None:
            invalid.append((raw, str(reason)))
            continue
        seen_ids.add(row["seed_id"])
        seen_text.add(row["question"].lower())
        seeds.append(row)
    reasons = count(reason for _, reason in invalid)
    if cfg.num_seeds is not None and len(seeds) < cfg.num_seeds:
        raise ValueError(
            f"seeds: asked for {cfg.num_seeds} seeds but {where} has only {len(seeds)} valid rows "
            f"(of {len(raws)}; skipped: {reasons or 'none'})"
        )
    if not seeds:
        raise ValueError(f"seeds: no valid seed row in {where} (skipped: {reasons or 'no rows'})")
    return seeds, invalid


def load_demonstrations(cfg: Any) -> list[dict]:
    demos = []
    for i, raw in enumerate(cfg.demonstrations):
        row, reason = map_seed(raw, i, cfg.model_copy(update={"id_column": None, "context_column": None}))
        if row is None:
            raise ValueError(f"seeds.demonstrations[{i}] is not a valid {cfg.format} example: {reason}")
        demos.append({"question": row["question"], "options": row["options"], "answer": row["answer"]})
    return demos


def count(items: Iterable[Any]) -> dict[str, int]:
    return dict(Counter(items))
