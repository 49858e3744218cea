"""Empty-stream guard. distilabel never runs a global step whose input stream is empty (it waits
forever), so a step whose batch ends up empty sends one placeholder row instead. Every GraphGen step
skips placeholders on input and never counts them; the format step (the leaf) drops them.

Global steps receive their rows through `pyarrow.Table.from_pylist`, which takes the columns from the
*first* row: so real rows and placeholders carry the same keys (the flag is False on real rows)."""

from __future__ import annotations

from collections.abc import Iterable

PLACEHOLDER = "graphgen_placeholder"


def real_rows(rows: Iterable[dict]) -> list[dict]:
    return [r for r in rows if not r.get(PLACEHOLDER)]


def flagged(rows: list[dict]) -> list[dict]:
    return [{**r, PLACEHOLDER: False} for r in rows]


def placeholder(columns: Iterable[str]) -> dict:
    row: dict = {c: None for c in columns}
    row[PLACEHOLDER] = True
    return row
