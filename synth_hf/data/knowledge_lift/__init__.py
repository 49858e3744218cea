"""Knowledge-lift benchmark data: invented medical facts the base model cannot know.

Files (see README.md here): `docs/*.md` (one document each, doc_id = file stem),
`gold_facts.jsonl` (one annotated fact per corpus sentence), `mcq.jsonl` (four-option
closed-book questions, typed atomic / aggregated / multi_hop, with the facts they rest on) and
`mcq_extra.jsonl` (a second, larger set of questions in the same format about the same documents).
"""

from __future__ import annotations

import json
from pathlib import Path

KNOWLEDGE_LIFT_DIR = Path(__file__).parent
DOCS_DIR = KNOWLEDGE_LIFT_DIR / "docs"
QUESTION_TYPES = ("atomic", "aggregated", "multi_hop")
QUESTION_SETS = ("core", "extra", "all")


def _jsonl(path: Path) -> list[dict]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{n}: not valid JSON ({err.msg})") from err
    return rows


def load_documents(docs_dir: str | Path = DOCS_DIR) -> list[dict]:
    """[{"doc_id", "text"}] for every `*.md` file in `docs_dir`, sorted by doc_id.

    Raises FileNotFoundError when the folder holds no `.md` file.
    """
    paths = sorted(Path(docs_dir).glob("*.md"))
    if not paths:
        raise FileNotFoundError(f"no .md documents in {docs_dir}")
    return [{"doc_id": p.stem, "text": p.read_text(encoding="utf-8").strip()} for p in paths]


def load_gold_facts(path: str | Path = KNOWLEDGE_LIFT_DIR / "gold_facts.jsonl") -> list[dict]:
    """Gold facts: {fact_id, doc_id, sentence, subject, relation, object} per row."""
    return _jsonl(Path(path))


def load_mcq(path: str | Path = KNOWLEDGE_LIFT_DIR / "mcq.jsonl") -> list[dict]:
    """MCQs: {id, type, question, options {A..D}, answer (letter), fact_ids} per row."""
    return _jsonl(Path(path))


def load_mcq_extra(path: str | Path = KNOWLEDGE_LIFT_DIR / "mcq_extra.jsonl") -> list[dict]:
    """The extra MCQs (ids `kx-NNN`), rows shaped as `load_mcq`'s, about the same documents and facts."""
    return _jsonl(Path(path))


def load_questions(which: str = "core") -> list[dict]:
    """Question rows of one set: "core" (mcq.jsonl), "extra" (mcq_extra.jsonl) or "all" (core, then extra).

    Rows are {id, type, question, options {A..D}, answer (letter), fact_ids}, in file order.
    Raises ValueError for any other name.
    """
    if which == "core":
        return load_mcq()
    if which == "extra":
        return load_mcq_extra()
    if which == "all":
        return load_mcq() + load_mcq_extra()
    raise ValueError(f"unknown question set {which!r}; expected one of {QUESTION_SETS}")
