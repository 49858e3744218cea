"""Multiple-choice rows in the layouts users bring (pure logic, shared by AIDE seeds and evaluation).

Options: a list of option texts (labelled A, B, C... in order) or a mapping of labels to texts
(MedQA: ``{"A": "...", "B": "..."}``, taken in label order). The answer: an index field
(``answer_idx`` / ``answer_index`` / ``label``: 0-based int, digit string or one of the labels),
or the answer column as an index, a label, or the text of an option. Both present must agree.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

LETTERS = string.ascii_uppercase
INDEX_FIELDS = ("answer_idx", "answer_index", "label")

OPTIONS_SHAPE = (
    'expected options as a list of >= 2 distinct non-empty texts or a {"A": text, "B": text, ...} mapping'
)
ANSWER_SHAPE = "expected the answer as an option index, an option label (A, B, ...) or an option's text"


def split_options(raw: Any) -> tuple[list[str], list[str]] | None:
    """(labels, texts) of a list or a label->text mapping; None for any other value.

    A mapping keeps its own labels (upper-cased), sorted; a list gets A, B, C... Texts are str()."""
    if isinstance(raw, Mapping):
        keys = sorted(raw, key=str)
        return [str(k).strip().upper() for k in keys], [str(raw[k]) for k in keys]
    if isinstance(raw, (list, tuple)):
        return list(LETTERS[: len(raw)]), ["" if o is None else str(o) for o in raw]
    return None


def _norm(text: Any) -> str:
    return " ".join(str(text).lower().split())


def index_of(
    value: Any, labels: list[str], texts: list[str] | None = None, one_based: bool = False
) -> int | None:
    """Option index named by `value`: with `texts`, an option's text first; then an int (0-based,
    or 1-based with `one_based`), a digit string or a label ("B", "(b)", "B."). None if none fits."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        idx = value - (1 if one_based else 0)
        return idx if 0 <= idx < len(labels) else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    matched = text_index(text, texts) if texts is not None else None
    if matched is not None:  # first: an option may itself be "2" or "B"
        return matched
    if text.isdigit():
        return index_of(int(text), labels, None, one_based)
    label = text.strip("() .").upper()
    return labels.index(label) if label in labels else None


def text_index(value: Any, texts: list[str]) -> int | None:
    """Index of the option whose text equals `value` (case and spacing ignored), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    normed = [_norm(t) for t in texts]
    return normed.index(_norm(value)) if _norm(value) in normed else None


def resolve_answer(
    row: Mapping[str, Any],
    labels: list[str],
    texts: list[str],
    answer_column: str = "answer",
    one_based: bool = False,
) -> tuple[int | None, tuple[str, str] | None]:
    """(index, None), or (None, (code, message)) where `code` is a stable reason for counting and
    `message` names the value and the expected shape. An index field (`INDEX_FIELDS`) is 0-based;
    the answer column may be an index (`one_based` applies), a label or an option text. When the
    answer column names an option's text it must agree with the index field."""
    field = next((k for k in INDEX_FIELDS if k != answer_column and row.get(k) is not None), None)
    answer = row.get(answer_column)
    if field is None:
        idx = index_of(answer, labels, texts, one_based)
        if idx is None:
            why = f"{answer_column}={answer!r} names no option; {ANSWER_SHAPE} (labels {labels})"
            return None, ("invalid_answer_index", why)
        return idx, None
    idx = index_of(row[field], labels)
    if idx is None:
        return None, ("invalid_answer_index", f"{field}={row[field]!r} is not one of the labels {labels}")
    from_answer = text_index(answer, texts)
    if from_answer is not None and from_answer != idx:
        why = (
            f"{field} {labels[idx]} disagrees with {answer_column} {answer!r} (option {labels[from_answer]})"
        )
        return None, ("answer_disagrees_with_index", why)
    return idx, None
