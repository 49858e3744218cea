"""AnnotateAndVerify: the final answer of each new row in the seed's format (free text, MCQ letter
with exactly one correct option, true / false), checked by a call that never sees the draft:

- second_solve: one independent greedy solve must agree with the draft answer that synthesis
  wrote with the question (rows without a draft fall back to self-consistency);
- self_consistency: n sampled solves in one call; the majority answer wins if its share
  reaches `min_agreement`;
- none: the draft (or one solve when there is none) is taken as is.

Disagreement drops the row or keeps it flagged (`verified=False`), per config. One call per row."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.models.base import GenParams
from synth_hf.steps.aide.context import HopMixin
from synth_hf.steps.aide.outputs import agree, majority, read_answer, token_f1
from synth_hf.steps.aide.rows import LETTERS
from synth_hf.steps.aide.synthesis_prompts import solve_prompt
from synth_hf.steps.common.base import LLMStep

SOLVE_STOP = ["###", "\nQuestion:", "\nStatement:"]


class AnnotateAndVerify(HopMixin, LLMStep):
    verification: str = Field(default="second_solve", description="second_solve | self_consistency | none")
    samples: int = Field(default=3, ge=2)
    temperature: float = 0.7
    min_agreement: float = 0.6
    free_text_threshold: float = 0.35
    on_disagreement: str = Field(default="drop", description="drop | flag")
    max_new_tokens: int = 256
    generation_seed: int | None = None

    @property
    def inputs(self) -> list[str]:
        return ["question", "options", "draft_answer", "hop"]

    @property
    def outputs(self) -> list[str]:
        return ["answer", "answer_index", "verified", "agreement", "verification", "annotator_model"]

    def _solve(self, rows: list[dict], n: int) -> list[list[str]]:
        if not rows:
            return []
        prompts = [
            solve_prompt(self.seed_format, r, self.task_description, self.demonstrations) for r in rows
        ]
        params = GenParams(
            max_new_tokens=self.max_new_tokens,
            temperature=0.0 if n == 1 else self.temperature,
            top_p=self.llm.top_p,
            n=n,
            stop=list(SOLVE_STOP),
            seed=self.generation_seed,
        )
        return [c.texts for c in self.llm.complete(prompts, params)]

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        before = self.llm.usage
        fmt, thr = self.seed_format, self.free_text_threshold
        rows = [dict(r) for r in inputs]
        new = [r for r in rows if r["hop"] == self.hop]
        as_drafted = [r for r in new if self.verification == "none" and r["draft_answer"]]
        single = [r for r in new if r["draft_answer"] and self.verification == "second_solve"]
        single += [r for r in new if not r["draft_answer"] and self.verification == "none"]
        planned = {id(r) for r in as_drafted + single}
        sampled = [r for r in new if id(r) not in planned]
        verdicts: dict[int, str] = {}  # id(row) -> drop reason
        for row in as_drafted:
            row.update(answer=row["draft_answer"], verification="none")
        for row, texts in zip(single, self._solve(single, 1)):
            solved = read_answer(fmt, texts[0], len(row["options"]))
            if row["draft_answer"]:
                ok = agree(fmt, row["draft_answer"], solved, thr)
                score = token_f1(row["draft_answer"], solved or "") if fmt == "qa" else float(ok)
                row.update(
                    answer=row["draft_answer"],
                    verification="second_solve",
                    verified=ok,
                    agreement=round(score, 3),
                )
            else:
                row.update(answer=solved, verification="none")
        for row, texts in zip(sampled, self._solve(sampled, self.samples)):
            answers = [read_answer(fmt, t, len(row["options"])) for t in texts]
            best, share = majority(fmt, answers, thr)
            row.update(
                answer=best,
                verification="self_consistency",
                agreement=round(share, 3),
                verified=best is not None and share >= self.min_agreement,
            )
        for row in new:
            row["annotator_model"] = (
                self.llm.model_name
                if row["verification"] != "none" or not row["draft_answer"]
                else row["synth_model"]
            )
            if fmt == "mcq" and row["answer"] in LETTERS[: len(row["options"])]:
                row["answer_index"] = LETTERS.index(row["answer"])
            if not row["answer"]:
                verdicts[id(row)] = "no_answer"
            elif row["verified"] is False and self.on_disagreement == "drop":
                verdicts[id(row)] = "verification_disagreement"
        kept = [r for r in rows if id(r) not in verdicts]
        dropped = [(r, verdicts[id(r)]) for r in rows if id(r) in verdicts]
        self.account(
            inputs,
            len(kept),
            dropped=dropped,
            usage_before=before,
            extra={
                "annotated": len(new),
                "verified": sum(r["verified"] is True for r in new),
                "flagged": sum(r["verified"] is False for r in kept),
            },
        )
        yield kept
