"""atomic: one fact, one question; the answer is a span of the evidence sentence (a name or a number).

Planned per fact (rotating with the other fact modes); the LLM phrases the question from the sentence
and the answer; a cloze (or wh-) question from the sentence covers the fact when the LLM's is refused.
"""

from __future__ import annotations

from typing import Any

from synth_hf.items import qa_answer
from synth_hf.steps.graphgen.modes import register
from synth_hf.steps.graphgen.modes.base import GenContext, QAMode, sentences, span_verdict
from synth_hf.text import answer_first as af


@register
class Atomic(QAMode):
    name = "atomic"
    planner = "fact"

    def prompt(self, row: dict[str, Any]) -> str:
        return af.question_prompt(sentences(row)[0], row["answer_span"])

    def template(self, row: dict[str, Any], ctx: GenContext) -> str | None:
        sentence, span = sentences(row)[0], row["answer_span"]
        if ctx.template_style == "wh":  # the sentence asked back with a wh-word; a cloze if that fails
            return af.wh_question(sentence, span) or af.cloze_question(sentence, span)
        return af.cloze_question(sentence, span)

    def checked_template(self, row: dict[str, Any], ctx: GenContext) -> tuple[str | None, str]:
        """The template unless its blank has other right answers in the corpus (`CorpusIndex.cloze_rivals`):
        a year is then asked for by name ("... in which year?"); any other such row is dropped."""
        question = self.template(row, ctx)
        sentence, span = sentences(row)[0], row["answer_span"]
        if not question or af.BLANK not in question or not ctx.index.cloze_rivals(sentence, span):
            return question, ""
        asked = af.wh_question(sentence, span)
        if asked and "which year" in asked:
            return asked, ""
        return None, "ambiguous_cloze"

    def answer(self, row: dict[str, Any], ctx: GenContext) -> str:
        """The span, then the evidence (when `answer_with_evidence`)."""
        return qa_answer(row["answer_span"], sentences(row) if ctx.answer_with_evidence else ())

    def render(self, row: dict[str, Any], question: str, ctx: GenContext) -> tuple[dict | None, str]:
        return {"question": question, "answer": self.answer(row, ctx)}, ""

    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        return span_verdict(row, evidence, row["answer"])
