"""SelfReflect: a grader scores each new row for relevance (against the seed) and diversity
(against its parent), 1-10, with structured output, in one call. As in the AIDE paper, the score that
decides depends on the branch: an attribute child must stay relevant to the seed (`min_relevance`),
a persona child must differ from its parent (`min_diversity`). Below its threshold the row is
re-synthesized with the grader's feedback (the same prompt as synthesis, residual seed included), at
most `max_attempts` times; a row still failing is dropped, with its scores, and counted.

`scorer="embedding"` grades without a call, on the same scale (`embedding_grades`): Gemma-3-270M as a
grader copied one worked example's scores whatever the child said, so its grades decided nothing.

A child whose question copies its parent's or the seed's (word 3-gram Jaccard >= `copy_threshold`, the
dedup threshold: dedup would drop it after reflection) is not graded: it fails at once with fixed
feedback and is re-synthesized (or dropped), counted as `copies_skipped_grading`. A copy of the seed
scored full relevance and passed, so the grade call bought nothing but its later drop."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.models.base import SynthLLM
from synth_hf.steps.aide.answer_first import question_generation, settle_question
from synth_hf.steps.aide.context import SynthesisMixin
from synth_hf.steps.aide.grading import embedding_grades, passes
from synth_hf.steps.aide.outputs import apply_synthesis, read_grade
from synth_hf.steps.aide.synthesis_prompts import (
    GRADE_SCHEMA,
    answer_first_prompt,
    grade_prompt,
    synthesis_prompt,
)
from synth_hf.steps.common.base import LLMStep

GRADE_STOP = ["###", "\n\n", "\nOriginal example"]  # the JSON sits on one line


class ReflectionMixin(SynthesisMixin):
    """Reflection's fields and loop, shared by `SelfReflect` (a batch step) and `SelfReflectAnswerFirst`
    (a global step that can give a failing answer-first row another fact). `llm` re-synthesizes;
    `grader` (default: `llm`) grades."""

    grader: SynthLLM | None = None
    min_relevance: float = 6
    min_diversity: float = 5
    max_attempts: int = Field(default=2, ge=0)
    scorer: str = Field(default="llm", description="llm | embedding (no call; see embedding_grades)")
    embedder: str | None = Field(
        default=None, description="Embedding scorer's model; None = embedded MiniLM."
    )
    copy_threshold: float | None = Field(
        default=None, description="Word 3-gram Jaccard with the parent or seed at which a child is a copy."
    )

    @property
    def inputs(self) -> list[str]:
        return ["question", "parent_question", "seed_question", "hop", "branch"]

    @property
    def outputs(self) -> list[str]:
        return ["relevance", "diversity", "reflection_attempts", "reflection_feedback", "grader_model"]

    def load(self) -> None:
        super().load()
        if self.grader is not None:
            self.grader.load()

    def unload(self) -> None:
        if self.grader is not None:
            self.grader.unload()
        super().unload()

    def _passes(self, row: dict) -> bool:
        return passes(row["branch"], row["relevance"], row["diversity"], self.min_relevance, self.min_diversity)

    def _grade(self, grader: SynthLLM, rows: list[dict]) -> None:
        if not rows:
            return
        if self.scorer == "embedding":
            for row, (relevance, diversity, feedback) in zip(rows, embedding_grades(rows, self.embedder)):
                row.update(relevance=relevance, diversity=diversity, reflection_feedback=feedback)
                row["grader_model"] = f"embedding:{self.embedder or 'all-MiniLM-L6-v2'}"
            return
        prompts = [grade_prompt(self.seed_format, r) for r in rows]
        results = grader.generate_json(
            prompts, GRADE_SCHEMA, temperature=0.0, max_new_tokens=96, stop=GRADE_STOP
        )
        for row, result in zip(rows, results):
            row["relevance"], row["diversity"], row["reflection_feedback"] = read_grade(
                result.data, result.raw
            )
            row["grader_model"] = grader.model_name

    def _resynthesize(self, rows: list[dict]) -> int:
        """Re-synthesize `rows` with their feedback, each with the prompt that made it (answer-first rows:
        the fact `_new_facts` gives them, the question checked again or templated); returns how many
        replies were unusable (those rows keep their old question)."""
        unusable = 0
        plain = [r for r in rows if not r.get("answer_span")]
        grounded = [r for r in rows if r.get("answer_span")]
        self._new_facts(grounded)
        for row in [r for r in grounded if len(r["evidence"]) > 1]:  # kept its composed fact: nothing to re-ask
            row["reflection_attempts"] += 1
        grounded = [r for r in grounded if len(r["evidence"]) == 1]
        kwargs = self.generation_kwargs()
        if not self.llm_questions:  # template questions: the new fact is the whole re-synthesis
            for row in grounded:
                row["reflection_attempts"] += 1
                unusable += settle_question(row, None, [], template_only=True) is not None
            grounded = []
        for group, make, params in ((plain, synthesis_prompt, kwargs), (grounded, answer_first_prompt, question_generation(kwargs))):
            prompts = [make(r, **self.synthesis_kwargs(), previous=r["question"], feedback=_feedback(r)) for r in group]
            for row, text in zip(group, self.llm.generate_texts(prompts, **params) if prompts else []):
                row["reflection_attempts"] += 1
                if row.get("answer_span"):
                    row["synthesis_raw"] = text  # the reply for the fact the row now has
                    unusable += settle_question(row, text, row.get("fact_names") or []) is not None
                else:
                    unusable += apply_synthesis(row, text, self.seed_format) is not None
        return unusable  # fmt: skip

    def _prepare(self, rows: list[dict]) -> None:
        """Hook run first on the rows the step sees (none here: a batch step sees part of the run)."""

    def _new_facts(self, rows: list[dict]) -> None:
        """Hook: give answer-first `rows` about to be re-synthesized their fact; here they keep theirs
        (a batch step cannot know which sentences the rest of the run uses)."""

    def _counters(self) -> dict[str, int]:
        """Extra ledger counters of the hooks."""
        return {}

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        grader = self.grader or self.llm
        before, grader_before = self.llm.usage, grader.usage
        rows = [dict(r) for r in inputs]
        self._prepare(rows)
        pending = [r for r in rows if r["hop"] == self.hop]
        new = len(pending)
        resynth = unparsed = 0
        attempt, first_pass = 0, None
        copies = 0
        while pending:
            copied = {id(r) for r in pending if copies_parent_or_seed(r, self.copy_threshold)}
            for row in pending:
                if id(row) in copied:
                    row.update(relevance=None, diversity=None, reflection_feedback=COPY_FEEDBACK)
            copies += len(copied)
            self._grade(grader, [r for r in pending if id(r) not in copied])
            pending = [r for r in pending if not self._passes(r)]
            first_pass = new - len(pending) if first_pass is None else first_pass
            if not pending or attempt >= self.max_attempts:
                break
            attempt += 1
            resynth += len(pending)
            unparsed += self._resynthesize(pending)
        failing = {id(r) for r in pending}
        kept = [r for r in rows if id(r) not in failing]
        dropped = [(r, "reflection_failed") for r in pending]
        if self.grader is not None:
            # account() diffs self.llm only; fold the grader's calls into the same ledger line.
            used = grader.usage
            before = {k: before[k] - (used[k] - grader_before[k]) for k in before}
        self.account(
            inputs,
            len(kept),
            dropped=dropped,
            usage_before=before,
            extra={
                "graded": new,
                "resynthesized": resynth,
                "resynthesis_unparsed": unparsed,
                "passed_first_try": first_pass or 0,
                "copies_skipped_grading": copies,
                "reflection_failed": len(dropped),
                **self._counters(),
            },
        )
        yield kept


class SelfReflect(ReflectionMixin, LLMStep):
    """Self-reflection over batches of the stream (see the module docstring); answer-first rows are
    re-synthesized on their own fact."""


COPY_FEEDBACK = "It repeats the existing question; ask a different question about the focus."


def copies_parent_or_seed(row: dict, threshold: float | None) -> bool:
    """True when the row's question shares at least `threshold` of its word 3-grams (Jaccard, lowercased)
    with its parent's or seed's question; False when `threshold` is None."""
    from synth_hf.text.dedup import shingles

    if threshold is None:
        return False
    mine = shingles(str(row.get("question") or ""))
    for other in (row.get("parent_question"), row.get("seed_question")):
        theirs = shingles(str(other or ""))
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= threshold:
            return True
    return False


def _feedback(row: dict) -> str:
    if row["branch"] == "persona":
        score, advice = (
            f"diversity {row['diversity'] or '?'}/10",
            "Change more: ask what this person would ask.",
        )
    else:
        score, advice = f"relevance {row['relevance'] or '?'}/10", "Stay on the task of the original example."
    return f"{score}. {row['reflection_feedback'] or advice}"
