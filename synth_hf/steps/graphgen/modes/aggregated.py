"""aggregated: what the sources say about one entity; the answer is its evidence sentences (a few a row,
or all: `aggregate_size`; entities with >= `aggregate_min_sentences`, from one partition subgraph), two that
open with the entity joined into one statement (`join_facts`). The
question is a fixed phrasing per style; no LLM.
"""

from __future__ import annotations

from typing import Any

from synth_hf.steps.graphgen.modes import register
from synth_hf.steps.graphgen.modes.base import GenContext, QAMode, sentences, span_verdict
from synth_hf.text.compose import join_facts
from synth_hf.text.sentences import sentence_texts

QUESTIONS = {
    "concise": "What do the sources say about {name}?",
    "detailed": "Explain what is known about {name}.",
    "exam": "Summarize the key facts about {name}.",
    "curious_student": "What should I know about {name}?",
    "clinical_case": "What facts about {name} matter in practice?",
}


@register
class Aggregated(QAMode):
    name = "aggregated"
    planner = "entity"
    asks_llm = False

    def generate(self, row: dict[str, Any], raw: str, ctx: GenContext) -> tuple[dict | None, str]:
        question = QUESTIONS.get(row["style"], QUESTIONS["concise"]).format(name=row["answer_span"])
        answer = " ".join(join_facts(sentences(row), row["answer_span"], row.get("language") or "en"))
        return {"question": question, "answer": answer, "generator": "template"}, ""

    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        # statement by statement: one sentence's "not" must not be weighed against another's
        for statement in sentence_texts(row["answer"]) or [row["answer"]]:
            reason = span_verdict(row, evidence, statement, question_check=False)  # the question names it
            if reason:
                return reason
        return ""
