"""JoinBranches: where a side branch of the DAG meets the main chain again.

A side branch (AIDE's generated persona pool) runs beside the main chain and hands its product on
through a file, not rows. The join is a global step, so it starts only after every predecessor has
finished: the step after it may read that file. Rows pass through unchanged (all predecessors'
real rows, in predecessor order); a side branch that emits no rows adds none."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput

from synth_hf.steps.common.base import SynthGlobalStep


class JoinBranches(SynthGlobalStep):
    """Waits for all its predecessors, then forwards their rows: N row lists in -> one list out
    (the concatenation). Records one ledger line (rows in = rows out, no drops)."""

    @property
    def inputs(self) -> list[str]:
        return []

    @property
    def outputs(self) -> list[str]:
        return []

    def process(self, *inputs: StepInput) -> StepOutput:  # type: ignore[override]
        rows = [row for batch in inputs for row in batch]
        self.account(rows, len(rows))
        yield rows
