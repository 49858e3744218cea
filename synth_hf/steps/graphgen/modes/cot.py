"""cot: a multi-hop question answered step by step — each hop's sentence in order, then the answer.
Planned on the two-hop paths after multi_hop's (the same path would give the same question twice).
"""

from __future__ import annotations

from typing import Any

from synth_hf.items import cot_answer
from synth_hf.steps.graphgen.modes import register
from synth_hf.steps.graphgen.modes.base import GenContext, sentences
from synth_hf.steps.graphgen.modes.multi_hop import MultiHop


@register
class ChainOfThought(MultiHop):
    name = "cot"
    planner = "path"

    def render(self, row: dict[str, Any], question: str, ctx: GenContext) -> tuple[dict | None, str]:
        return {"question": question, "answer": cot_answer(sentences(row), row["answer_span"])}, ""
