"""AIDE row model (pure logic): seed mapping and validation, row defaults (items render in `synth_hf.items`).

Every row in the AIDE stream has the same columns (ROW_DEFAULTS), so each step only updates
values; internal columns are dropped by the format step.
"""

from __future__ import annotations

import copy
from typing import Any

from synth_hf.items import LETTERS, true_false_value
from synth_hf.text.mcq import ANSWER_SHAPE, INDEX_FIELDS, OPTIONS_SHAPE, resolve_answer, split_options

TRUE_FALSE_SHAPE = "expected a bool, 1 / 0, or true / false / yes / no"

ROW_DEFAULTS: dict[str, Any] = {
    "row_id": "",
    "seed_id": "",
    "parent_id": None,
    "hop": 0,
    "branch": "seed",  # seed | attribute | persona | evol (baseline)
    "operation": None,
    "question": "",
    "options": [],
    "answer": None,  # qa: text; mcq: letter; true_false: "true" / "false"
    "answer_index": None,
    "draft_answer": None,  # the answer proposed together with the question by synthesis
    "seed_question": "",
    "seed_options": [],
    "seed_answer": "",
    "parent_question": None,
    "parent_options": [],
    "topic": None,
    "attributes": [],  # [{"attribute", "relation"}] of this node (non-leaves only)
    "extraction_raw": None,
    "attr_quota": 0,
    "persona_quota": 0,
    "personas": [],
    "persona_scores": [],
    "attribute_triplet": None,  # {"head": topic, "relation", "tail": attribute} that made this row
    "persona": None,
    "persona_score": None,
    "residual": False,  # the original seed was in this row's synthesis prompt
    "relevance": None,
    "diversity": None,
    "reflection_attempts": 0,
    "reflection_feedback": None,
    "evidence": [],  # [{"chunk_id", "sentence"}]: passages of the user's documents (grounded runs)
    "answer_span": None,  # answer-first rows: the span of the evidence sentence that answers the question
    "generator": None,  # answer-first rows: "llm" (the synthesizer's question passed) | "template"
    "question_rejected": None,  # answer-first rows: why the synthesizer's question was refused
    "fact_names": [],  # answer-first rows: corpus names in the evidence sentence (the question's anchors)
    "fact_english": None,  # answer-first rows: the evidence's document is English (else cloze templates)
    "reasoning_link": None,  # two-hop rows ("add reasoning" chained): the name the question hides
    "verified": None,  # True only when the answer passed the support check against `evidence`
    "agreed": None,  # an independent solve agreed with the answer (not proof: same model twice)
    "agreement": None,
    "verification": None,
    "synthesis_raw": None,
    "synth_model": None,
    "grader_model": None,
    "annotator_model": None,
}


def new_row(**values: Any) -> dict:
    unknown = set(values) - set(ROW_DEFAULTS)
    if unknown:
        raise KeyError(f"not AIDE row columns: {sorted(unknown)}")
    row = copy.deepcopy(ROW_DEFAULTS)
    row.update(values)
    return row


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def check_columns(columns: list[str], fmt: str, cfg: Any) -> None:
    """Missing columns are a configuration error: fail before anything runs."""
    # column -> the seeds field that names it, so the error says which setting to change
    needed = {cfg.question_column: "question_column"}
    if fmt != "mcq" or not set(INDEX_FIELDS) & set(columns):  # MCQ: an answer_idx column will do
        needed.setdefault(cfg.answer_column, "answer_column")
    if fmt == "mcq":
        needed.setdefault(cfg.options_column, "options_column")
    for field in ("context_column", "id_column"):
        if getattr(cfg, field, None):
            needed.setdefault(getattr(cfg, field), field)
    missing = {c: field for c, field in needed.items() if c not in columns}
    if missing:
        named = ", ".join(f"{c!r} (seeds.{field})" for c, field in missing.items())
        id_hint = " (or leave seeds.id_column out: the seeds are then numbered)" if "id_column" in missing.values() else ""
        raise ValueError(
            f"seed data has no column {named} for format '{fmt}'; available columns: {columns}. "
            f"Set {' / '.join('seeds.' + f for f in missing.values())} to one of them{id_hint}."
        )


def map_seed(raw: dict, index: int, cfg: Any) -> tuple[dict | None, str | None]:
    """One source row -> an AIDE seed row, or (None, reason) for a row that cannot be a seed."""
    fmt = cfg.format
    question = _text(raw.get(cfg.question_column))
    if cfg.context_column and _text(raw.get(cfg.context_column)):
        question = f"{question}\n\n{_text(raw.get(cfg.context_column))}"
    if not question:
        return None, "empty_question"
    answer_raw = raw.get(cfg.answer_column)
    options: list[str] = []
    answer_index: int | None = None
    if fmt == "mcq":
        split = split_options(raw.get(cfg.options_column))
        if split is None or len(split[1]) < 2 or any(not _text(o) for o in split[1]):
            return None, f"invalid_options ({OPTIONS_SHAPE})"
        labels, options = split[0], [_text(o) for o in split[1]]
        if len({o.lower() for o in options}) != len(options):
            return None, f"duplicate_options ({OPTIONS_SHAPE})"
        answer_index, problem = resolve_answer(raw, labels, options, cfg.answer_column, cfg.answer_one_based)
        if answer_index is None:
            code = problem[0] if problem else "invalid_answer_index"
            return None, f"{code} ({ANSWER_SHAPE})"
        answer = LETTERS[answer_index]
    elif fmt == "true_false":
        value = true_false_value(answer_raw)
        if value is None:
            return None, f"invalid_true_false_answer ({TRUE_FALSE_SHAPE})"
        answer = "true" if value else "false"
    else:
        answer = _text(answer_raw)
        if not answer:
            return None, "empty_answer"
    seed_id = _text(raw.get(cfg.id_column)) if cfg.id_column else f"seed-{index}"
    if not seed_id:
        return None, "empty_id"
    row = new_row(
        row_id=seed_id,
        seed_id=seed_id,
        question=question,
        options=options,
        answer=answer,
        answer_index=answer_index,
        seed_question=question,
        seed_options=options,
        seed_answer=answer,
    )
    return row, None
