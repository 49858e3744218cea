"""Near-duplicate removal as a global step: MinHash on text, optionally embeddings.

Reference texts (e.g. AIDE seeds) take part in the comparison but are never output, so a
row that copies a reference is dropped too.
"""

# No `from __future__ import annotations`: distilabel inspects the `StepInput` hint at runtime.
from distilabel.steps import StepInput
from pydantic import Field

from synth_hf.steps.common.base import SynthGlobalStep


class NearDuplicateFilter(SynthGlobalStep):
    text_columns: list[str] = Field(default_factory=lambda: ["question"])
    minhash_threshold: float | None = 0.8
    embedding_threshold: float | None = None
    reference_texts: list[str] = Field(default_factory=list)
    embedder_model: str | None = None

    @property
    def inputs(self) -> list[str]:
        return list(self.text_columns)

    @property
    def outputs(self) -> list[str]:
        return []

    def _texts(self, rows: list[dict]) -> list[str]:
        return ["\n".join(str(r.get(c) or "") for c in self.text_columns) for r in rows]

    def process(self, inputs: StepInput):  # type: ignore[override]
        from synth_hf.text.dedup import embedding_duplicates, minhash_duplicates

        refs = list(self.reference_texts)
        texts = refs + self._texts(inputs)
        verdicts: list[tuple[int | None, str]] = [(None, "")] * len(texts)
        if self.minhash_threshold is not None and texts:
            for i, dup in enumerate(minhash_duplicates(texts, threshold=self.minhash_threshold)):
                if dup is not None:
                    verdicts[i] = (dup, "minhash")
        if self.embedding_threshold is not None and texts:
            from synth_hf.models.embeddings import Embedder

            vectors = Embedder(model=self.embedder_model).encode(texts)
            for i, dup in enumerate(embedding_duplicates(vectors, threshold=self.embedding_threshold)):
                if dup is not None and verdicts[i][0] is None:
                    verdicts[i] = (dup, "embedding")
        kept, dropped = [], []
        for row, (dup, how) in zip(inputs, verdicts[len(refs) :]):
            if dup is None:
                kept.append(row)
            elif dup < len(refs):
                dropped.append((row, f"copies_reference_{how}"))
            else:
                dropped.append((row, f"near_duplicate_{how}"))
        self.account(inputs, len(kept), dropped)
        yield kept
