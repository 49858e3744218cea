"""SelfReflect: a grader scores each new row for relevance (against the seed) and diversity
(against its parent), 1-10, with structured output, in one call. As in the AIDE paper, the score that
decides depends on the branch: an attribute child must stay relevant to the seed (`min_relevance`),
a persona child must differ from its parent (`min_diversity`). Below its threshold the row is
re-synthesized with the grader's feedback (the same prompt as synthesis, residual seed included), at
most `max_attempts` times; a row still failing is dropped, with its scores, and counted."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.models.base import SynthLLM
from synth_hf.steps.aide.context import SynthesisMixin
from synth_hf.steps.aide.outputs import apply_synthesis, read_grade
from synth_hf.steps.aide.synthesis_prompts import GRADE_SCHEMA, grade_prompt, synthesis_prompt
from synth_hf.steps.common.base import LLMStep

GRADE_STOP = ["###", "\n\n", "\nOriginal example"]  # the JSON sits on one line


class SelfReflect(SynthesisMixin, LLMStep):
    """`llm` re-synthesizes; `grader` (default: `llm`) grades."""

    grader: SynthLLM | None = None
    min_relevance: float = 6
    min_diversity: float = 5
    max_attempts: int = Field(default=2, ge=0)

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
        if row["branch"] == "persona":
            return row["diversity"] is not None and row["diversity"] >= self.min_diversity
        return row["relevance"] is not None and row["relevance"] >= self.min_relevance

    def _grade(self, grader: SynthLLM, rows: list[dict]) -> None:
        prompts = [grade_prompt(self.seed_format, r) for r in rows]
        results = grader.generate_json(
            prompts, GRADE_SCHEMA, temperature=0.0, max_new_tokens=96, stop=GRADE_STOP
        )
        for row, result in zip(rows, results):
            row["relevance"], row["diversity"], row["reflection_feedback"] = read_grade(
                result.data, result.raw
            )
            row["grader_model"] = grader.model_name

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        grader = self.grader or self.llm
        before, grader_before = self.llm.usage, grader.usage
        rows = [dict(r) for r in inputs]
        pending = [r for r in rows if r["hop"] == self.hop]
        new = len(pending)
        resynth = unparsed = 0
        attempt, first_pass = 0, None
        while pending:
            self._grade(grader, pending)
            pending = [r for r in pending if not self._passes(r)]
            first_pass = new - len(pending) if first_pass is None else first_pass
            if not pending or attempt >= self.max_attempts:
                break
            attempt += 1
            prompts = [
                synthesis_prompt(r, **self.synthesis_kwargs(), previous=r["question"], feedback=_feedback(r))
                for r in pending
            ]
            for row, text in zip(pending, self.llm.generate_texts(prompts, **self.generation_kwargs())):
                row["reflection_attempts"] += 1
                resynth += 1
                unparsed += apply_synthesis(row, text, self.seed_format) is not None  # keeps the old text
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
                "reflection_failed": len(dropped),
            },
        )
        yield kept


def _feedback(row: dict) -> str:
    if row["branch"] == "persona":
        score, advice = f"diversity {row['diversity'] or '?'}/10", "Change more: ask what this person would ask."
    else:
        score, advice = f"relevance {row['relevance'] or '?'}/10", "Stay on the task of the original example."
    return f"{score}. {row['reflection_feedback'] or advice}"
