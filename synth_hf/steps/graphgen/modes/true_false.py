"""true_false: a statement and its label. Planned per fact, alternating true (the evidence sentence
itself) and false (a substitution made from that sentence at generation: an entity swapped for one of
the same kind, or a number changed, that no corpus sentence states — false by construction). No LLM.

The support gate checks that the evidence supports the statement exactly when the label says true.
"""

from __future__ import annotations

from typing import Any

from synth_hf.items import true_false_answer, true_false_question
from synth_hf.steps.graphgen.modes import register
from synth_hf.steps.graphgen.modes.base import GenContext, QAMode, sentences
from synth_hf.text.substitute import substitutions
from synth_hf.text.support import check_support


@register
class TrueFalse(QAMode):
    name = "true_false"
    planner = "fact"
    asks_llm = False

    def plan_fields(self, sentence: str, n: int) -> dict[str, Any]:
        return {"tf_statement": sentence, "tf_label": n % 2 == 0}

    def generate(self, row: dict[str, Any], raw: str, ctx: GenContext) -> tuple[dict | None, str]:
        ev = sentences(row)
        statement, label = row["tf_statement"], bool(row["tf_label"])
        if not label:  # false by construction, made from this very sentence
            names = [n for n in [*row.get("anchor_names", []), row["answer_span"]] if n]
            index = ctx.index
            made = substitutions(ev[0], names, index.pool, index.types, index.sentences_mentioning, limit=1)
            statement, label = (made[0]["statement"], False) if made else (ev[0], True)
        return {"tf_statement": statement, "tf_label": label, "question": true_false_question(statement),
                "answer": true_false_answer(label, ev), "generator": "template"}, ""  # fmt: skip

    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        label = bool(row.get("tf_label"))
        supported = check_support(row.get("tf_statement", ""), evidence).supported
        return "" if supported == label else f"true_false_label_wrong: label={label} supported={supported}"
