"""RetrieveEvidence: each new row's question retrieves its top-k evidence passages (BM25 over the
sentences of the user's documents, `synth_hf.text.retrieval`). A row whose question shares no content
word with any passage is dropped (`no_evidence`): it cannot be grounded."""

from typing import Any

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field, PrivateAttr

from synth_hf.steps.common.base import SynthStep


class RetrieveEvidence(SynthStep):
    hop: int = Field(default=1, ge=1)
    passages_path: str = Field(description="JSON list of {chunk_id, sentence} written by the builder.")
    top_k: int = Field(default=3, ge=1)

    _index: Any = PrivateAttr(None)

    @property
    def inputs(self) -> list[str]:
        return ["question", "hop"]

    @property
    def outputs(self) -> list[str]:
        return ["evidence"]

    def _get(self) -> Any:
        if self._index is None:
            import json
            from pathlib import Path

            from synth_hf.text.retrieval import BM25Index

            self._index = BM25Index(json.loads(Path(self.passages_path).read_text(encoding="utf-8")))
        return self._index

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        rows = [dict(r) for r in inputs]
        kept, dropped = [], []
        for row in rows:
            if row["hop"] == self.hop:
                hits = self._get().search(row["question"], self.top_k)
                row["evidence"] = [{"chunk_id": p["chunk_id"], "sentence": p["sentence"]} for p, _ in hits]
                if not hits:
                    dropped.append((row, "no_evidence"))
                    continue
            kept.append(row)
        self.account(inputs, len(kept), dropped=dropped)
        yield kept
