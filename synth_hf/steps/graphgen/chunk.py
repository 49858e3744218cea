"""Token-aware chunking with stable content-hash ids and a language per chunk."""

from typing import ClassVar

from pydantic import Field, PrivateAttr

from synth_hf.steps.common.base import SynthStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.tokens import WHITESPACE, load_token_counter
from synth_hf.text.chunking import DEFAULT_SEPARATORS, chunk_document


class ChunkDocuments(GraphGenMixin, SynthStep):
    replaces_columns: ClassVar[bool] = True
    chunk_size: int = 512
    overlap: int = 64
    tokenizer: str = Field(default=WHITESPACE, description="Model reference whose tokenizer counts tokens.")
    language_per_chunk: bool = True
    separators: list[str] | None = Field(default=None, description="None = chunking.DEFAULT_SEPARATORS.")
    _count = PrivateAttr(None)

    @property
    def inputs(self) -> list[str]:
        return ["doc_id", "text"]

    @property
    def outputs(self) -> list[str]:
        return ["chunk_id", "doc_id", "chunk_index", "text", "n_tokens", "language"]

    def load(self) -> None:
        super().load()
        self._count = load_token_counter(self.tokenizer)

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        out, dropped, seen = [], [], set()
        for doc in inputs:
            chunks = chunk_document(
                doc.get("text") or "",
                str(doc["doc_id"]),
                self._count,
                self.chunk_size,
                self.overlap,
                DEFAULT_SEPARATORS if self.separators is None else self.separators,
                detect_per_chunk=self.language_per_chunk,
            )
            if not chunks:
                dropped.append(({"doc_id": doc["doc_id"]}, "empty_document"))
            for chunk in chunks:
                if chunk.chunk_id in seen:  # identical text twice: extract it once
                    dropped.append(({"doc_id": doc["doc_id"], "chunk_id": chunk.chunk_id}, "duplicate_chunk"))
                    continue
                seen.add(chunk.chunk_id)
                out.append({
                    "chunk_id": chunk.chunk_id, "doc_id": chunk.doc_id, "chunk_index": chunk.index,
                    "text": chunk.text, "n_tokens": chunk.n_tokens, "language": chunk.language,
                })  # fmt: skip
        self.account(inputs, len(out), dropped)
        self._logger.info(f"[graphgen] chunk: {len(inputs)} documents -> {len(out)} chunks")
        return out
