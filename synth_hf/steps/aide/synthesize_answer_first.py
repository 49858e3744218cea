"""SynthesizeAnswerFirst: grounded AIDE children written for a fact of the documents (answer first).

Per child (attribute x operation, persona, or evol slot, as `make_children` plans them): retrieve the
best evidence sentence for its parent + attribute / persona that no row of the run uses yet (nor states
a seed's answer), take its answer span, then one call asks the synthesizer for the question in the
parent's / operation's / persona's way; a refused question becomes a template question
(`synth_hf.steps.aide.answer_first`). A child whose query finds no unused sentence with a span is
dropped before any call, with why: `evidence_already_used`, `evidence_is_seed_fact`, `no_answer_span`
or `no_matching_sentence`. Document sentences that cannot stand as a fact (questions, pronoun subjects,
negations, table rows, headings) are never used: counted as `sentences_skipped_<reason>`. Residual
connection as in SynthesizeChildren.

Global: every sentence serves at most one row of the run, so the step sees the whole stream (the rows
of earlier hops carry the sentences they used)."""

from typing import Any

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field, PrivateAttr

from synth_hf.steps.aide.answer_first import (
    FactIndex,
    attach_fact,
    question_generation,
    retrieval_query,
    settle_question,
)
from synth_hf.steps.aide.context import SynthesisMixin
from synth_hf.steps.aide.planning import branch_counts, hop_children
from synth_hf.steps.aide.synthesis_prompts import answer_first_prompt
from synth_hf.steps.common.base import LLMGlobalStep


class SynthesizeAnswerFirst(SynthesisMixin, LLMGlobalStep):
    operation_order: list[str] = Field(default_factory=list, description="Operations used, in order.")
    operations_per_node: int = 3
    residual: bool = Field(default=True, description="This hop is a residual hop (seed in the prompts).")
    evol: bool = Field(default=False, description="Evol-Instruct-style baseline: operations only.")
    passages_path: str = Field(description="JSON list of {chunk_id, sentence} written by the builder.")

    _index: Any = PrivateAttr(None)

    @property
    def inputs(self) -> list[str]:
        return ["row_id", "question", "hop", "attributes", "personas", "attr_quota", "persona_quota"]

    @property
    def outputs(self) -> list[str]:
        return ["parent_id", "branch", "operation", "attribute_triplet", "persona", "draft_answer", "residual",
                "evidence", "answer_span", "generator", "question_rejected"]  # fmt: skip

    def index(self) -> FactIndex:
        if self._index is None:
            import json
            from pathlib import Path

            self._index = FactIndex(json.loads(Path(self.passages_path).read_text(encoding="utf-8")))
        return self._index

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        before = self.llm.usage
        index = self.index()
        kept = [dict(r) for r in inputs if r["hop"] != 0]
        seeds = {(r["seed_question"], r["seed_answer"]) for r in inputs}
        reserved = index.seed_facts(sorted(seeds))
        used = {e["chunk_id"] for r in kept for e in r.get("evidence") or []}
        children = hop_children(
            inputs, self.hop, self.operation_order, self.operations_per_node, self.residual, self.evol
        )
        ready, dropped = [], []
        for child in children:
            found = index.pick(retrieval_query(child), used, reserved)
            if isinstance(found, str):  # no fact for this child: the reason
                dropped.append((child, found))
                continue
            attach_fact(child, *found, english=index.english(found[0]["chunk_id"]))
            child["fact_names"] = index.names_in(found[0]["sentence"])
            used.add(found[0]["chunk_id"])
            ready.append(child)
        prompts = [answer_first_prompt(c, **self.synthesis_kwargs()) for c in ready]
        texts = self.llm.generate_texts(prompts, **question_generation(self.generation_kwargs())) if prompts else []
        good = []
        counts: dict[str, int] = {}
        for child, text in zip(ready, texts):
            child["synth_model"], child["synthesis_raw"] = self.llm.model_name, text
            reason = settle_question(child, text, child["fact_names"])
            if reason:
                dropped.append((child, reason))
                continue
            good.append(child)
            key = f"generator_{child['generator']}"
            counts[key] = counts.get(key, 0) + 1
            if child["question_rejected"]:
                why = f"question_rejected: {child['question_rejected'].split(':')[0]}"
                counts[why] = counts.get(why, 0) + 1
        skipped = {f"sentences_skipped_{k}": v for k, v in sorted(index.skipped.items())}
        extra = {**branch_counts(children), "seeds_consumed": len(inputs) - len(kept),
                 "evidence_sentences_used": len(ready), "seed_fact_sentences": len(reserved), **skipped,
                 **counts}  # fmt: skip
        self.account(inputs, len(kept) + len(good), dropped=dropped, usage_before=before, extra=extra)
        yield kept + good
