"""AnnotateAndVerify: the final answer of each new row in the seed's format (free text, MCQ letter
with exactly one correct option, true / false), checked by a call that never sees the draft:

- second_solve: one independent greedy solve must agree with the draft answer that synthesis
  wrote with the question (rows without a draft fall back to self-consistency);
- self_consistency: n sampled solves in one call; the majority answer wins if its share
  reaches `min_agreement`;
- none: the draft (or one solve when there is none) is taken as is.

Disagreement drops the row or keeps it flagged (`agreed=False`), per config. One call per row.
A model that agrees with itself is not evidence of a right answer: without documents every row is
`verified=False` (training skips such rows unless told otherwise).

With documents (`grounded`), the evidence decides instead (`synth_hf.steps.aide.grounding`): the
annotator answers a free-text question from the row's evidence passages (one call) and the answer must
pass the support check. Deterministic checks come first and cost no call: a question no evidence
sentence is about (`groundable`) is dropped (`evidence_not_about_question`; its fallback could not
answer it either), and a draft answer from synthesis that already passes the support check is kept as
the answer (`answered_by_draft`). Both still count as checked for the support rate. The annotator
sees only the evidence sentences about the question (`question_sentences`). With
`answer_source="evidence"` no annotator is asked: a groundable question whose draft is unsupported (or
missing) is answered by its evidence sentence (`evidence_sentence_answer`, counted as
`answered_by_evidence_sentence`, verification `evidence_sentence`) and counts as checked, not supported.
A row written answer first
(`answer_span` set, `synthesize_answer_first.py`) is answered by its span and sentence: no call, but the
same checks (`answer_first_verdict`), verification `answer_first`, counted as `answered_first`. An MCQ's answer is its
only option found in the evidence and a true/false label is what the evidence supports or contradicts
(no call). Kept rows are `verified=True`; the others are
dropped with the reason. Counters `checked:<branch>` / `supported:<branch>` give the support rate."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.items import LETTERS, read_answer, token_f1
from synth_hf.models.base import GenParams
from synth_hf.steps.aide.answer_first import answer_first_verdict
from synth_hf.steps.aide.context import HopMixin
from synth_hf.steps.aide.grounding import (
    evidence_sentence_answer,
    ground_free_text,
    ground_mcq,
    ground_true_false,
    groundable,
    question_sentences,
)
from synth_hf.steps.aide.outputs import agree, majority
from synth_hf.steps.aide.reasoning_chain import COMPOSED, composed_verdict
from synth_hf.steps.aide.synthesis_prompts import grounded_solve_prompt, solve_prompt
from synth_hf.steps.common.base import LLMStep

SOLVE_STOP = ["###", "\nQuestion:", "\nStatement:"]
GROUNDED_STOP = ["\n", "###"]


class AnnotateAndVerify(HopMixin, LLMStep):
    verification: str = Field(default="second_solve", description="second_solve | self_consistency | none")
    samples: int = Field(default=3, ge=2)
    temperature: float = 0.7
    min_agreement: float = 0.6
    free_text_threshold: float = 0.35
    on_disagreement: str = Field(default="drop", description="drop | flag")
    max_new_tokens: int = 256
    generation_seed: int | None = None
    grounded: bool = Field(default=False, description="Rows carry `evidence`; answers must rest on it.")
    evidence_fallback: bool = Field(
        default=False, description="Grounded qa: an unsupported answer is replaced by the evidence sentence."
    )
    answer_source: str = Field(
        default="annotator",
        description="Grounded qa: 'annotator' asks the annotator when the draft is unsupported; 'evidence' "
        "answers with the evidence sentence instead (no call).",
    )

    def may_call(self) -> bool:
        """Grounded with `answer_source="evidence"`, every answer comes from the evidence: no call."""
        return not (self.grounded and self.answer_source == "evidence")

    @property
    def inputs(self) -> list[str]:
        return ["question", "options", "draft_answer", "hop"] + (["evidence"] if self.grounded else [])

    @property
    def outputs(self) -> list[str]:
        return ["answer", "answer_index", "verified", "agreed", "agreement", "verification", "annotator_model"]

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
        if self.grounded:
            yield self._grounded(inputs)
            return
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
                    agreed=ok,
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
                agreed=best is not None and share >= self.min_agreement,
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
            elif row["agreed"] is False and self.on_disagreement == "drop":
                verdicts[id(row)] = "verification_disagreement"
            row["verified"] = False  # nothing to check the answer against
        kept = [r for r in rows if id(r) not in verdicts]
        dropped = [(r, verdicts[id(r)]) for r in rows if id(r) in verdicts]
        self.account(
            inputs,
            len(kept),
            dropped=dropped,
            usage_before=before,
            extra={
                "annotated": len(new),
                "agreed": sum(r["agreed"] is True for r in new),
                "flagged": sum(r["agreed"] is False for r in kept),
            },
        )
        yield kept

    def _grounded(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        rows = [dict(r) for r in inputs]
        new = [r for r in rows if r["hop"] == self.hop]
        # free text: deterministic checks first, so a call is spent only where it can give a row
        settled: dict[int, tuple[str | None, str, str]] = {}  # id(row) -> (answer, why, how)
        for r in new:
            if r.get("answer_span") and _sentences(r):  # answer-first: answered by construction, checked here
                why = (composed_verdict(r, _sentences(r)) if r.get("generator") in COMPOSED else
                       answer_first_verdict(r["question"], r["answer_span"], r["draft_answer"], _sentences(r)))  # fmt: skip
                settled[id(r)] = (None if why else r["draft_answer"], why, "answer_first")
                continue
            if self.seed_format != "qa" or not _sentences(r):
                continue
            if not groundable(r["question"], _sentences(r)):
                settled[id(r)] = (None, "evidence_not_about_question", "precheck")
            else:
                answer, why = ground_free_text(r["question"], r["draft_answer"], _sentences(r))
                if r["draft_answer"] and not why:  # synthesis wrote a supported answer: the same check, no call
                    settled[id(r)] = (answer, "", "draft")
                elif self.answer_source == "evidence":  # the evidence sentence answers below, no call
                    settled[id(r)] = (None, why, "evidence")
        free = [r for r in new if self.seed_format == "qa" and _sentences(r) and id(r) not in settled]
        # only the sentences about the question: Gemma-3-270M copied spans from the others
        prompts = [
            grounded_solve_prompt(r["question"], question_sentences(r["question"], _sentences(r))) for r in free
        ]
        replies = self.llm.generate_texts(
            prompts, temperature=0.0, max_new_tokens=self.max_new_tokens, stop=GROUNDED_STOP,
            seed=self.generation_seed,
        ) if prompts else []  # fmt: skip
        reply = {id(r): text for r, text in zip(free, replies)}
        verdicts: dict[int, str] = {}
        counts: dict[str, int] = {}

        def bump(key: str) -> None:
            counts[key] = counts.get(key, 0) + 1

        for row in new:
            evidence = _sentences(row)
            how = "annotator"
            if not evidence:
                answer, why = None, "no_evidence"
            elif id(row) in settled:
                answer, why, how = settled[id(row)]
            elif self.seed_format == "qa":
                answer, why = ground_free_text(row["question"], reply.get(id(row)), evidence)
            elif self.seed_format == "mcq":
                answer, why = ground_mcq(row["question"], row["options"], evidence)
            else:
                answer, why = ground_true_false(row["question"], evidence)
            branch = row.get("branch") or "attribute"
            bump(f"checked:{branch}")
            counts[f"supported:{branch}"] = counts.get(f"supported:{branch}", 0) + (not why)
            if how in ("draft", "precheck", "answer_first"):
                bump({"draft": "answered_by_draft", "precheck": "dropped_before_call",
                      "answer_first": "answered_first"}[how])  # fmt: skip
            verification = "answer_first" if how == "answer_first" else "evidence"
            fallback_on = self.evidence_fallback or how == "evidence"
            if why and evidence and self.seed_format == "qa" and fallback_on and how not in ("precheck", "answer_first"):
                fallback = evidence_sentence_answer(row["question"], evidence)
                if fallback is not None:  # counted apart: the support rate stays the annotator's own
                    answer, why, verification = fallback, "", "evidence_sentence"
                    bump("answered_by_evidence_sentence")
                elif how == "evidence":  # no sentence states the relation the question asks about
                    why = "evidence_does_not_answer_question"
            draft = row["draft_answer"]
            annotator = {"draft": row.get("synth_model") or "draft"}.get(how, self.llm.model_name)
            row.update(
                answer=answer,
                verified=not why,
                verification=verification,
                agreed=None if not draft or answer is None else agree(self.seed_format, draft, answer, self.free_text_threshold),
                annotator_model=annotator if id(row) in reply or how == "draft" else "evidence",
            )  # fmt: skip
            if self.seed_format == "mcq" and answer and answer in LETTERS[: len(row["options"])]:
                row["answer_index"] = LETTERS.index(answer)
            if why:
                verdicts[id(row)] = why
        kept = [r for r in rows if id(r) not in verdicts]
        dropped = [(r, verdicts[id(r)]) for r in rows if id(r) in verdicts]
        counts |= {"annotated": len(new), "agreed_with_draft": sum(r["agreed"] is True for r in new),
                   "annotator_calls": len(prompts)}  # fmt: skip
        self.account(inputs, len(kept), dropped=dropped, usage_before=before, extra=counts)
        return kept


def _sentences(row: dict) -> list[str]:
    return [e["sentence"] for e in row.get("evidence") or [] if e.get("sentence")]

