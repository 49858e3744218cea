"""BudgetedPlanHop: PlanHop under a total row budget. Global, because the budget left depends on
every generated row alive and is spread over the whole frontier (round-robin across seeds)."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput

from synth_hf.steps.aide.plan import PlanFields
from synth_hf.steps.aide.planning import plan_rows
from synth_hf.steps.common.base import SynthGlobalStep


class BudgetedPlanHop(PlanFields, SynthGlobalStep):
    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        rows, extra = plan_rows(inputs, self.hop, self.branching(), self.max_rows)
        self.account(inputs, len(rows), extra=extra)
        yield rows
