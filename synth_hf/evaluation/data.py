"""Evaluation rows: load them and normalise MCQ / open-QA / yes-no statement rows.

Malformed rows are never dropped silently: each normaliser returns the usable items and a list
of {"id", "reason"} for the rest, which the report counts and shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synth_hf.text.mcq import OPTIONS_SHAPE, resolve_answer, split_options

RowsLike = Iterable[Mapping[str, Any]] | str | Path


@dataclass
class McqItem:
    id: str
    question: str
    options: list[str]
    answer: int  # index into options


@dataclass
class OpenItem:
    id: str
    question: str
    references: list[str]


@dataclass
class StatementItem:
    id: str
    statement: str
    label: int  # 1 = true / yes


def load_rows(rows: RowsLike | None) -> list[dict]:
    """Rows from a list of dicts, a datasets.Dataset, or a .jsonl / .json file."""
    if rows is None:
        return []
    if isinstance(rows, (str, Path)):
        path = Path(rows)
        if not path.is_file():
            raise FileNotFoundError(f"evaluation file not found: {path}")
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix == ".jsonl":
            return [json_line(path, n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if not text.strip():  # not "invalid JSON at line 1, column 1"
            raise ValueError(f"{path}: the file is empty (expected a JSON list of rows, or JSON lines in a .jsonl file)")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as err:
            raise ValueError(f"{path}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}") from err
        data = data if isinstance(data, list) else [data]
        bad = next((i for i, r in enumerate(data) if not isinstance(r, dict)), None)
        if bad is not None:  # [1, 2, 3]: no row to score
            raise ValueError(f"{path}: row {bad + 1} is a JSON {type(data[bad]).__name__}, not an object "
                             "(expected a JSON list of rows)")  # fmt: skip
        return data
    return [dict(r) for r in rows]


def json_line(path: Path, number: int, line: str) -> dict:
    """One JSON-lines record; ValueError names the file and the line for bad JSON or a non-object."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}:{number}: invalid JSON ({err.msg}, column {err.colno})") from err
    if not isinstance(row, dict):
        raise ValueError(f"{path}:{number}: expected a JSON object, got {type(row).__name__}")  # noqa: TRY004
    return row


def _row_id(row: Mapping[str, Any], index: int) -> str:
    return str(row.get("id", index))


def normalize_mcq(rows: list[dict]) -> tuple[list[McqItem], list[dict]]:
    """MedQA-style rows: question, options (list or {"A": ...}), answer_idx / answer (index or letter).

    The layouts are those of `synth_hf.text.mcq` (shared with AIDE seeds): a text `answer` that
    names an option is used when there is no index; when both exist they must agree, otherwise
    the row is reported as malformed.
    """
    items, skipped = [], []
    for i, row in enumerate(rows):
        rid = _row_id(row, i)
        question = row.get("question")
        opts = split_options(row.get("options"))
        if not question or opts is None or len(opts[1]) < 2:
            skipped.append({"id": rid, "reason": f"missing question or unusable options: {OPTIONS_SHAPE}"})
            continue
        labels, texts = opts
        idx, problem = resolve_answer(row, labels, texts)
        if idx is None:
            skipped.append({"id": rid, "reason": problem[1] if problem else "no answer"})
            continue
        items.append(McqItem(rid, str(question), texts, idx))
    return items, skipped


def _from_messages(row: Mapping[str, Any]) -> tuple[str | None, str | None]:
    msgs = row.get("messages") or []
    user = next((m["content"] for m in msgs if m.get("role") == "user"), None)
    assistant = next((m["content"] for m in msgs if m.get("role") == "assistant"), None)
    return user, assistant


def normalize_open(rows: list[dict]) -> tuple[list[OpenItem], list[dict]]:
    """Rows with question/prompt + answer(s)/reference/completion, or a `messages` conversation."""
    items, skipped = [], []
    for i, row in enumerate(rows):
        rid = _row_id(row, i)
        question = row.get("question") or row.get("prompt")
        ref = next((row[k] for k in ("answers", "answer", "reference", "completion") if row.get(k)), None)
        if "messages" in row and (question is None or ref is None):
            question, ref = _from_messages(row)
        refs = [ref] if isinstance(ref, str) else [str(r) for r in (ref or []) if str(r).strip()]
        if not isinstance(question, str) or not question.strip() or not refs:
            skipped.append({"id": rid, "reason": "missing question or reference answer"})
            continue
        items.append(OpenItem(rid, question, refs))
    return items, skipped


_TRUE = {"1", "true", "yes", "y", "t"}
_FALSE = {"0", "false", "no", "n", "f"}


def _label(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int) and value in (0, 1):
        return value
    if isinstance(value, str):
        v = value.strip().lower()
        return 1 if v in _TRUE else 0 if v in _FALSE else None
    return None


def normalize_statements(rows: list[dict]) -> tuple[list[StatementItem], list[dict]]:
    """Rows with statement/text and label/answer/is_true (bool, 0/1, yes/no, true/false)."""
    items, skipped = [], []
    for i, row in enumerate(rows):
        rid = _row_id(row, i)
        text = row.get("statement") or row.get("text")
        raw = next((row[k] for k in ("label", "answer", "is_true") if k in row), None)
        label = _label(raw)
        if not isinstance(text, str) or not text.strip() or label is None:
            skipped.append({"id": rid, "reason": f"missing statement or unusable label {raw!r}"})
            continue
        items.append(StatementItem(rid, text, label))
    return items, skipped
