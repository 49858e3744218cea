"""multiple_choice: an atomic question with four options; the distractors are names of the same kind
(entity type, else name shape) that the evidence never mentions, so exactly one option is supported.

Planned and phrased like `atomic`; the support gate also requires exactly one option in the evidence.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from synth_hf.items import mcq_answer, mcq_question, split_mcq_answer
from synth_hf.steps.graphgen.modes import register
from synth_hf.steps.graphgen.modes.atomic import Atomic
from synth_hf.steps.graphgen.modes.base import GenContext, sentences, span_verdict
from synth_hf.text import answer_first as af
from synth_hf.text.support import contains_span, normalize_span


@register
class MultipleChoice(Atomic):
    name = "multiple_choice"
    planner = "fact"

    def render(self, row: dict[str, Any], question: str, ctx: GenContext) -> tuple[dict | None, str]:
        span, ev = row["answer_span"], sentences(row)
        # the kind the corpus gives the answer (index), else the plan's extraction type
        kind = ctx.index.types.get(normalize_span(span)) or row.get("answer_type", "")
        distractors = af.options_for(span, ctx.index.pool, kind, ev, row["sample_id"])
        if not distractors:
            return None, "mcq_too_few_distractors"
        options = [span, *distractors]
        random.Random(int(hashlib.sha256(row["sample_id"].encode()).hexdigest()[:8], 16)).shuffle(options)
        answer = mcq_answer(options.index(span), options, ev if ctx.answer_with_evidence else ())
        return {"question": mcq_question(question, options), "answer": answer, "options": options}, ""

    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        why = span_verdict(row, evidence, split_mcq_answer(row["answer"])[1])
        if why:
            return why
        options = list(row.get("options") or [])
        if sum(contains_span(" ".join(evidence), o) for o in options) != 1:
            return "mcq_options_not_exactly_one_supported"
        return ""
