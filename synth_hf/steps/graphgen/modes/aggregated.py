"""aggregated: what the sources say about one entity; the answer is its evidence sentences (a few a row,
or all: `aggregate_size`; entities with >= `aggregate_min_sentences`, from one partition subgraph), two that
open with the entity joined into one statement (`join_facts`). The
question is a fixed phrasing per style; no LLM.
"""

from __future__ import annotations

import re
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


# lowercase kinds that stand before a place's name: "the river Sell", "the town of Drosk"
_KINDS = r"(?:river|lake|town|city|village|island|port|region|province|mount)(?:\s+of)?"


def with_article(name: str, evidence: list[str]) -> str:
    """`name` as its evidence introduces it: "the Tessin Award" when most of the sentences that name it say
    "the Tessin Award" (the article the name takes), "the river Sell" when most say that (the kind the
    bare name needs), else the name alone ("Brevimast")."""
    named = [s for s in evidence if re.search(rf"\b{re.escape(name)}\b", s, re.IGNORECASE)]
    kinds = [m.group(1) for s in named if (m := re.search(rf"\bthe\s+({_KINDS})\s+{re.escape(name)}\b", s))]
    if named and 2 * len(kinds) >= len(named):
        return f"the {max(set(kinds), key=kinds.count)} {name}"
    with_the = [s for s in named if re.search(rf"\bthe\s+{re.escape(name)}\b", s, re.IGNORECASE)]
    return "the " + name if named and 2 * len(with_the) >= len(named) and not name.lower().startswith("the ") else name


@register
class Aggregated(QAMode):
    name = "aggregated"
    planner = "entity"
    asks_llm = False

    def generate(self, row: dict[str, Any], raw: str, ctx: GenContext) -> tuple[dict | None, str]:
        name = with_article(row["answer_span"], sentences(row))
        question = QUESTIONS.get(row["style"], QUESTIONS["concise"]).format(name=name)
        answer = " ".join(join_facts(sentences(row), row["answer_span"], row.get("language") or "en"))
        return {"question": question, "answer": answer, "generator": "template"}, ""

    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        # statement by statement: one sentence's "not" must not be weighed against another's
        for statement in sentence_texts(row["answer"]) or [row["answer"]]:
            reason = span_verdict(row, evidence, statement, question_check=False)  # the question names it
            if reason:
                return reason
        return ""
