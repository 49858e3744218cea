"""MinHash near-duplicate removal: the shared `NearDuplicateFilter` inside the GraphGen step frame."""

from synth_hf.steps.common.dedup import NearDuplicateFilter
from synth_hf.steps.graphgen.base import GraphGenMixin


class GraphGenDedup(GraphGenMixin, NearDuplicateFilter):
    def run_batch(self, inputs: list[dict]) -> list[dict]:
        kept = next(NearDuplicateFilter.process(self, inputs))
        self._logger.info(f"[graphgen] dedup: {len(inputs)} QA -> {len(kept)} kept")
        return kept
