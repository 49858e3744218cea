"""Near-duplicate removal after each hop, before any annotation call is spent on a copy.

The shared NearDuplicateFilter keeps the first occurrence; rows are fed oldest hop first, so a
new row that repeats an older one is dropped and an already-expanded parent never is (the tree
stays whole). Seeds are reference texts: a row copying a seed is dropped too."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput

from synth_hf.steps.common.dedup import NearDuplicateFilter


class HopOrderedDedup(NearDuplicateFilter):
    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        ordered = sorted(inputs, key=lambda r: r["hop"])  # stable: stream order within a hop
        yield from super().process(ordered)
