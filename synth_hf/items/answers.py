"""Reading answers back: a model's reply or a dataset's answer field in the canonical form of its item
format (an MCQ letter, 'true' / 'false', or free text), and the one token F1 used to compare texts.

Lenient by contract: a reply that names no answer gives None, never an exception.
"""

from __future__ import annotations

import re
from typing import Any

from synth_hf.items.render import FORMATS, LETTERS
from synth_hf.metrics._text import token_f1
from synth_hf.text.parsing import parse_choice, parse_yes_no

__all__ = ["read_answer", "split_mcq_answer", "token_f1", "true_false_value"]

_MCQ_ANSWER = re.compile(r"^\s*\(?([A-Z])\)\s+(.*)$", re.DOTALL)


def read_answer(fmt: str, text: Any, n_options: int = 0) -> str | None:
    """One reply in canonical form: the MCQ letter among `n_options`, 'true' / 'false', or the reply's
    text before any '###' (free text). None when the reply names no answer; ValueError for an unknown
    format."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown item format {fmt!r}; known: {', '.join(FORMATS)}")
    first = str(text or "").split("###")[0].strip()
    if fmt == "mcq":
        idx = parse_choice(first, n_options).value
        return LETTERS[idx] if idx is not None else None
    if fmt == "true_false":
        value = parse_yes_no(first).value
        return None if value is None else ("true" if value else "false")
    return first or None


def split_mcq_answer(answer: str) -> tuple[str | None, str]:
    """('B', 'rest of the answer') from a rendered MCQ answer 'B) ...'; (None, answer) if unlabelled."""
    match = _MCQ_ANSWER.match(str(answer or ""))
    return (match.group(1), match.group(2)) if match else (None, str(answer or ""))


def true_false_value(answer: Any) -> bool | None:
    """A dataset's true/false answer: a bool, 1 / 0, or text such as 'true', 'No', 'False.'; None otherwise."""
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, (int, float)) and answer in (0, 1):
        return bool(answer)
    return parse_yes_no("" if answer is None else str(answer).strip()).value
