"""PlanHop: decides which rows of hop h-1 get children at hop h and how many (branching limits,
attribute / persona depths). Rows with no quota are leaves: they are never extracted.
Batched: without a row budget each row's quota depends on that row only."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.steps.aide.planning import Branching, branching_for_hop, plan_rows
from synth_hf.steps.common.base import SynthStep


class PlanFields:
    hop: int = Field(default=1, ge=1)
    attribute_depth: int = 0
    persona_depth: int = 0
    attributes_per_node: int = 0
    operations_per_node: int = 0
    n_operations: int = 0
    personas_per_node: int = 0
    max_rows: int | None = None

    @property
    def inputs(self) -> list[str]:
        return ["row_id", "seed_id", "hop"]

    @property
    def outputs(self) -> list[str]:
        return ["attr_quota", "persona_quota"]

    def branching(self) -> Branching:
        return branching_for_hop(
            self.hop,
            attribute_depth=self.attribute_depth,
            persona_depth=self.persona_depth,
            attributes_per_node=self.attributes_per_node,
            operations_per_node=self.operations_per_node,
            n_operations=self.n_operations,
            personas_per_node=self.personas_per_node,
        )


class PlanHop(PlanFields, SynthStep):
    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        if self.max_rows is not None:
            raise ValueError("PlanHop is batched; use BudgetedPlanHop when max_rows is set")
        rows, extra = plan_rows(inputs, self.hop, self.branching(), None)
        self.account(inputs, len(rows), extra=extra)
        yield rows
