"""SynthesizeAnswerFirst: grounded AIDE children written for a fact of the documents (answer first).

Per child (attribute x operation, persona, or evol slot, as `make_children` plans them): retrieve the
best evidence sentence for its parent + attribute / persona that no row of the run uses yet (nor states
a seed's answer), take its answer span, then one call asks the synthesizer for the question in the
parent's / operation's / persona's way; a refused question becomes a template question
(`synth_hf.steps.aide.answer_first`). `llm_questions=False`: the template question, no call. A child whose query finds no unused sentence with a span is
dropped before any call, with why: `evidence_already_used`, `evidence_is_seed_fact`, `no_answer_span`
or `no_matching_sentence`. Document sentences that cannot stand as a fact (questions, pronoun subjects,
negations, table rows, headings) are never used: counted as `sentences_skipped_<reason>`. Residual
connection as in SynthesizeChildren.

Pre-grade (`pregrade`, on when reflection grades by embedding): the candidates are walked in BM25 order
and the first whose template question meets the child's reflection threshold is taken (relevance to the
seed on the attribute branch, diversity from the parent on the persona branch, `grading.FactJudge`), else
the best-graded one; counted as `pregrade_passed` / `pregrade_fallback`.

Add reasoning / add constraints (`reasoning_chains`): an attribute child of operation "add_reasoning"
whose fact has a name another unused sentence describes becomes a two-hop row, one of "add_constraints"
whose subject another unused sentence opens becomes a constrained row (`reasoning_chain`: both sentences,
a template question, no call), counted as `two_hop` / `constrained` / `one_hop_<why>`.

Global: every sentence serves at most one row of the run, so the step sees the whole stream (the rows
of earlier hops carry the sentences they used)."""

from typing import Any

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field, PrivateAttr

from synth_hf.steps.aide.answer_first import question_generation, settle_question
from synth_hf.steps.aide.context import SynthesisMixin
from synth_hf.steps.aide.fact_pick import FactPicker, bump
from synth_hf.steps.aide.grading import FactJudge
from synth_hf.steps.aide.planning import branch_counts, hop_children
from synth_hf.steps.aide.reasoning_chain import COMPOSED, wants_chain, wants_constraint
from synth_hf.steps.aide.synthesis_prompts import answer_first_prompt
from synth_hf.steps.common.base import LLMGlobalStep


class SynthesizeAnswerFirst(SynthesisMixin, LLMGlobalStep):
    operation_order: list[str] = Field(default_factory=list, description="Operations used, in order.")
    operations_per_node: int = 3
    residual: bool = Field(default=True, description="This hop is a residual hop (seed in the prompts).")
    evol: bool = Field(default=False, description="Evol-Instruct-style baseline: operations only.")
    passages_path: str = Field(description="JSON list of {chunk_id, sentence} written by the builder.")
    pregrade: bool = Field(default=False, description="Grade each candidate fact's template question with "
                           "reflection's embedding grade before the call (reflection on, grader: embedding).")
    min_relevance: float = Field(default=6, description="Pre-grade: attribute / evol children's threshold.")
    min_diversity: float = Field(default=5, description="Pre-grade: persona children's threshold.")
    embedder: str | None = Field(default=None, description="Pre-grade's embedder; None = embedded MiniLM.")
    reasoning_chains: bool = Field(default=True, description="Attribute children of 'add reasoning' chain "
                                   "their fact through a second one (a two-hop row), those of 'add constraints' "
                                   "ask it under a second fact of its subject (`reasoning_chain`).")

    constraint_rows: bool = Field(default=True, description="With reasoning_chains: compose 'add constraints' "
                                  "children too (false: only 'add reasoning' ones chain).")

    _picker: Any = PrivateAttr(None)

    @property
    def inputs(self) -> list[str]:
        return ["row_id", "question", "hop", "attributes", "personas", "attr_quota", "persona_quota"]

    @property
    def outputs(self) -> list[str]:
        return ["parent_id", "branch", "operation", "attribute_triplet", "persona", "draft_answer", "residual",
                "evidence", "answer_span", "generator", "question_rejected"]  # fmt: skip

    def picker(self) -> FactPicker:
        if self._picker is None:
            judge = FactJudge(self.embedder, self.min_relevance, self.min_diversity) if self.pregrade else None
            self._picker = FactPicker(self.passages_path, judge)
        return self._picker

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        before = self.llm.usage
        picker = self.picker()
        kept = [dict(r) for r in inputs if r["hop"] != 0]
        used, reserved = picker.run_state(list(inputs))
        children = hop_children(
            inputs, self.hop, self.operation_order, self.operations_per_node, self.residual, self.evol
        )
        ready, dropped = [], []
        counts: dict[str, int] = {}
        for child in children:
            reason, graded = picker.give(child, used, reserved)
            if reason:  # no fact for this child
                dropped.append((child, reason))
                continue
            bump(counts, graded)
            if self.reasoning_chains and (wants_chain(child) or (self.constraint_rows and wants_constraint(child))):
                bump(counts, picker.compose(child, used, reserved))
            ready.append(child)
        composed = [c for c in ready if c["generator"] in COMPOSED]  # question built from both facts, no call
        ready = [c for c in ready if c["generator"] not in COMPOSED]
        sentences = sum(len(c["evidence"]) for c in ready + composed)
        for child in composed:
            bump(counts, f"generator_{child['generator']}")
        good = list(composed)
        prompts = [answer_first_prompt(c, **self.synthesis_kwargs()) for c in ready] if self.llm_questions else []
        texts = self.llm.generate_texts(prompts, **question_generation(self.generation_kwargs())) if prompts else []
        for child, text in zip(ready, texts if self.llm_questions else [None] * len(ready)):
            child["synth_model"], child["synthesis_raw"] = (self.llm.model_name, text) if self.llm_questions else ("template", None)
            reason = settle_question(child, text, child["fact_names"], template_only=not self.llm_questions)
            if reason:
                dropped.append((child, reason))
                continue
            good.append(child)
            key = f"generator_{child['generator']}"
            counts[key] = counts.get(key, 0) + 1
            if child["question_rejected"]:
                why = f"question_rejected: {child['question_rejected'].split(':')[0]}"
                counts[why] = counts.get(why, 0) + 1
        skipped = {f"sentences_skipped_{k}": v for k, v in sorted(picker.index.skipped.items())}
        extra = {**branch_counts(children), "seeds_consumed": len(inputs) - len(kept),
                 "evidence_sentences_used": sentences, "seed_fact_sentences": len(reserved), **skipped,
                 **counts}  # fmt: skip
        self.account(inputs, len(kept) + len(good), dropped=dropped, usage_before=before, extra=extra)
        yield kept + good
