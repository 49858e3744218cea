"""Grounding judge: is the answer supported by the sample's facts and source chunks?"""

import math

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.judge_prompts import SCORE_SCHEMA, judge_prompt


class JudgeGrounding(GraphGenMixin, LLMStep):
    """Reads QA rows; writes `judge_score` in [0, 1] and `judge_raw`. `yes_no` scores p(yes) of
    'supported?' (no parsing, works on base models); `score` asks for a 1-10 JSON score.
    Rows below `threshold` (or unscorable) are dropped with their reason."""

    method: str = "yes_no"
    threshold: float = 0.5
    max_sources: int = 2
    # False: the judge only scores (the support gate decides and counts agreement with the judge).
    drop_below: bool = True

    @property
    def inputs(self) -> list[str]:
        return ["question", "answer", "facts"]

    @property
    def outputs(self) -> list[str]:
        return ["judge_score", "judge_raw"]

    def _scores(self, prompts: list[str]) -> list[tuple[float | None, str]]:
        if not prompts:
            return []
        if self.method == "yes_no":
            return [
                (s.p_yes, f"p_yes={s.p_yes:.4f} covered={s.covered_mass:.4f}") for s in self.score(prompts)
            ]
        results = self.gen_json(prompts, SCORE_SCHEMA, max_new_tokens=32)
        return [
            ((r.data["score"] - 1) / 9 if r.ok else None, r.raw if r.ok else f"{r.reason}: {r.raw}"[:500])
            for r in results
        ]

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        prompts = [
            judge_prompt(
                self.method,
                r["facts"],
                list(r.get("source_texts") or [])[: self.max_sources],
                r["question"],
                r["answer"],
            )
            for r in inputs
        ]
        scores = self._scores(prompts)
        failed = self.failed_since(before)
        out, dropped = [], []
        for row, (score, raw) in zip(inputs, scores):
            result = {**row, "judge_score": score, "judge_raw": raw}
            if score is None or math.isnan(score):
                if not self.drop_below:
                    out.append({**result, "judge_score": None})
                    continue
                dropped.append((result, "judge_failed" if failed else "judge_unparseable"))
            elif score < self.threshold and self.drop_below:
                dropped.append((result, "judge_below_threshold"))
            else:
                out.append(result)
        self.account(inputs, len(out), dropped, usage_before=before)
        self._logger.info(
            f"[graphgen] judge: {len(inputs)} QA -> {len(out)} kept (threshold {self.threshold})"
        )
        return out
