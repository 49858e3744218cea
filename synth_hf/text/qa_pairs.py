"""Question/answer pairs from model output: marker blocks, JSON, markdown tables. Never raises."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from synth_hf.text.kg_layouts import is_table_rule, norm_title, pipe_cells


@dataclass
class QAParse:
    pairs: list[tuple[str, str]] = field(default_factory=list)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return bool(self.pairs)


_Q_LONG = r"(?:question|query|problem|q)"
_A_LONG = r"(?:answer|response|solution|a)"
_LEAD = r"(?:^|\n)[ \t>*#_\-]*(?:\(?\d{1,3}[.)]\s*|\d{1,3}\s+)?[ \t*_]*"
_MARK_RE = re.compile(
    rf"(?:{_LEAD}(?P<lq>{_Q_LONG})|{_LEAD}(?P<la>{_A_LONG})|\b(?P<iq>question)|\b(?P<ia>answer))"
    # "Question 2:", "**A:**", and "Q1." / "A1)" (a dot only with a number: "A." is an MCQ option)
    r"(?:[ \t]*\d{0,3}[ \t]*[*_]*[ \t]*[:：]|(?<=[qQaA])\d{1,3}[.)])[*_]*",
    re.IGNORECASE,
)
_MARKER_TAIL_RE = re.compile(r"<\|[A-Za-z_ ]{1,40}\|>|</?s>|<end_of_turn>|<eos>")


def _clean_field(s: str) -> str:
    s = _MARKER_TAIL_RE.sub(" ", s)
    s = s.strip().strip("*_").strip()
    s = re.sub(r"\n[ \t]*[-=]{3,}[ \t]*$", "", s).strip()  # markdown separators between blocks
    if len(s) >= 2 and s[0] == s[-1] and s[0] in "\"'`":
        s = s[1:-1].strip()
    return s


def _qa_from_json(text: str) -> list[tuple[str, str]]:
    from synth_hf.text.parsing import extract_json  # lazy: parsing re-exports this module

    res = extract_json(text, expect=list)
    if not res.ok:
        return []
    pairs = []
    for item in res.value:
        if not isinstance(item, dict):
            continue
        low = {str(k).lower(): v for k, v in item.items()}
        q = next((low[k] for k in ("question", "q", "query", "instruction", "prompt") if k in low), None)
        a = next((low[k] for k in ("answer", "a", "response", "output", "solution") if k in low), None)
        if isinstance(q, str) and a is not None:
            pairs.append((q, a if isinstance(a, str) else json.dumps(a, ensure_ascii=False)))
    return pairs


_Q_COLUMNS = {"question", "q", "query", "instruction", "prompt"}
_A_COLUMNS = {"answer", "a", "response", "output", "solution"}


def _qa_from_table(text: str) -> list[tuple[str, str]]:
    """Rows of a markdown table whose header names a question and an answer column."""
    pairs: list[tuple[str, str]] = []
    cols: tuple[int, int] | None = None
    for line in text.splitlines():
        line = line.strip()
        if "|" not in line or is_table_rule(line):
            if not line:
                cols = None
            continue
        cells = pipe_cells(line)
        keys = [norm_title(c) for c in cells]
        q = next((i for i, k in enumerate(keys) if k in _Q_COLUMNS), None)
        a = next((i for i, k in enumerate(keys) if k in _A_COLUMNS), None)
        if q is not None and a is not None:
            cols = (q, a)
        elif cols is not None and max(cols) < len(cells):
            pairs.append((_clean_field(cells[cols[0]]), _clean_field(cells[cols[1]])))
    return pairs


def parse_qa_pairs(text: Any) -> QAParse:
    """Question/answer pairs from 'Question: .. Answer: ..' blocks (Q:/A:, numbered, bold), JSON
    (fenced, a list, JSON lines) or a markdown table with question/answer columns."""
    from synth_hf.text.parsing import _as_text

    try:
        text = _as_text(text)
        if not text.strip():
            return QAParse([], "empty")
        pairs: list[tuple[str, str]] = []
        reason = "ok"
        marks = [
            ("q" if (m.group("lq") or m.group("iq")) else "a", m.start(), m.end())
            for m in _MARK_RE.finditer(text)
        ]
        unanswered = 0
        for k, (kind, _, end) in enumerate(marks):
            if kind != "q":
                continue
            nxt = marks[k + 1] if k + 1 < len(marks) else None
            if nxt is None or nxt[0] != "a":
                unanswered += 1
                continue
            stop = next((s for kd, s, _ in marks[k + 2 :] if kd == "q"), len(text))
            # a second "Answer:" before the next question belongs to the first answer's text
            pairs.append((_clean_field(text[end : nxt[1]]), _clean_field(text[nxt[2] : stop])))
        if not pairs and ("{" in text or "[" in text):
            pairs = _qa_from_json(text)
            reason = "ok:json"
        if not pairs and "|" in text:
            pairs = _qa_from_table(text)
            reason = "ok:table"
        clean: list[tuple[str, str]] = []
        for q, a in pairs:
            q, a = q.strip(), a.strip()
            if q and a and (q, a) not in clean:
                clean.append((q, a))
        if not clean:
            return QAParse([], "no_pairs")
        if unanswered:
            reason += f":unanswered={unanswered}"
        return QAParse(clean, reason)
    except Exception as exc:  # noqa: BLE001 - contract: never raise
        return QAParse([], f"error:{type(exc).__name__}")
