"""The trainee scores every quiz statement (closed book, batched yes/no scoring)."""

import math

from synth_hf.graph.calibration import unit_scores
from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.probe_prompts import probe_prompt


class ProbeTrainee(GraphGenMixin, LLMStep):
    """Reads `quiz_statements`/`quiz_labels`; writes per statement `quiz_p_yes` and `quiz_covered_mass`,
    and per unit `loss` (mean NLL of the correct label), `accuracy` and `confidence`. `llm` is the
    *trainee* engine."""

    @property
    def inputs(self) -> list[str]:
        return ["unit_id", "quiz_statements", "quiz_labels"]

    @property
    def outputs(self) -> list[str]:
        return ["quiz_p_yes", "quiz_covered_mass", "loss", "accuracy", "confidence"]

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        prompts = [probe_prompt(s) for row in inputs for s in row["quiz_statements"]]
        scores = iter(self.score(prompts) if prompts else [])
        out = []
        unscored = 0
        for row in inputs:
            got = [next(scores) for _ in row["quiz_statements"]]
            # NaN = the engine failed on that batch: recorded as None, never averaged in
            p_yes = [s.p_yes if math.isfinite(s.p_yes) else None for s in got]
            unscored += p_yes.count(None)
            records = [
                (row["unit_id"], label, p, s.covered_mass)
                for label, p, s in zip(row["quiz_labels"], p_yes, got)
                if p is not None
            ]
            unit = unit_scores(records).get(row["unit_id"]) if records else None
            out.append(
                {
                    **row,
                    "quiz_p_yes": p_yes,
                    "quiz_covered_mass": [s.covered_mass for s in got],
                    "loss": unit.loss if unit else None,
                    "accuracy": unit.accuracy if unit else None,
                    "confidence": unit.confidence if unit else None,
                }
            )
        self.account(
            inputs,
            len(out),
            usage_before=before,
            extra={"statements_scored": len(prompts) - unscored, "unscored_statements": unscored},
        )
        self._logger.info(
            f"[graphgen] probe: {len(inputs)} units, {len(prompts)} statements scored by the trainee"
        )
        return out
