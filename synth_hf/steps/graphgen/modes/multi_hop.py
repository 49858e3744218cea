"""multi_hop: two edges A-B, B-C through a bridge entity B; the question names A, hides B, and its
answer C rests on the second (last-hop) sentence. The LLM phrases the question from both facts; a
template that hides the link covers the path when the LLM's question is refused: a two-hop cloze, or
with `template_style: wh` the second fact asked back with the link described by the first.
"""

from __future__ import annotations

from typing import Any

from synth_hf.items import qa_answer
from synth_hf.steps.graphgen.modes import register
from synth_hf.steps.graphgen.modes.base import GenContext, QAMode, sentences, span_verdict
from synth_hf.text import answer_first as af


def _first(names: list[str] | None) -> str:
    return (names or [""])[0]


@register
class MultiHop(QAMode):
    name = "multi_hop"
    planner = "path"

    def prompt(self, row: dict[str, Any]) -> str:
        ev = sentences(row)
        return af.multi_hop_prompt(ev[0], ev[-1], _first(row["anchor_names"]), _first(row["hidden_names"]),
                                   row["answer_span"])  # fmt: skip

    def template(self, row: dict[str, Any], ctx: GenContext) -> str | None:
        ev, link = sentences(row), _first(row["hidden_names"])
        if ctx.template_style == "wh":  # 'The drug that Brindle ague is treated with was developed by whom?'
            # only what the corpus says the link is (the extraction's label typed Lumera Pharma a drug)
            kind = ctx.index.category(link)
            asked = af.two_hop_wh(ev[0], ev[-1], link, row["answer_span"], kind)
            if asked:
                return asked
        return af.multi_hop_template(ev[0], ev[-1], link, row["answer_span"])

    def checked_template(self, row: dict[str, Any], ctx: GenContext) -> tuple[str | None, str]:
        """The template unless the last fact's answer has rivals in the corpus ("____ is manufactured by
        Lumera Pharma." holds Zorvatide and Brevimast: two right answers); such a row is dropped."""
        if ctx.index.cloze_rivals(sentences(row)[-1], row["answer_span"]):
            return None, "ambiguous_answer"
        return self.template(row, ctx), ""

    def render(self, row: dict[str, Any], question: str, ctx: GenContext) -> tuple[dict | None, str]:
        evidence = sentences(row) if ctx.answer_with_evidence else ()
        return {"question": question, "answer": qa_answer(row["answer_span"], evidence)}, ""

    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        return span_verdict(row, evidence, row["answer"], last_hop=True)
