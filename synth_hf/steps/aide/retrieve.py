"""RetrievePersonas: per node, the top-k personas of the pool by cosine similarity with the node's
topic as the query (k = the node's persona quota). The pool file may be written by an earlier
stage (personas generated from the seeds), so it is read on first use, not in load()."""

from typing import Any

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field, PrivateAttr

from synth_hf.steps.aide.outputs import fallback_topic
from synth_hf.steps.common.base import SynthStep


class RetrievePersonas(SynthStep):
    hop: int = Field(default=1, ge=1)
    pool_path: str = Field(description="JSON file written by synth_hf.steps.aide.personas.save_pool.")
    embedder: str | None = None
    cache_dir: str | None = None

    _retriever: Any = PrivateAttr(None)

    @property
    def inputs(self) -> list[str]:
        return ["question", "topic", "hop", "persona_quota"]

    @property
    def outputs(self) -> list[str]:
        return ["personas", "persona_scores"]

    def _get(self) -> Any:
        if self._retriever is None:
            from synth_hf.steps.aide.personas import PersonaRetriever, read_pool

            pool = read_pool(self.pool_path)
            self._retriever = PersonaRetriever(pool.texts, self.embedder, self.cache_dir)
        return self._retriever

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        rows = [dict(r) for r in inputs]
        todo = [i for i, r in enumerate(rows) if r["hop"] == self.hop - 1 and r["persona_quota"] > 0]
        short = 0
        if todo:
            retriever = self._get()
            # One query per node, batched by quota so each node gets exactly its own top-k.
            for quota in sorted({rows[i]["persona_quota"] for i in todo}):
                group = [i for i in todo if rows[i]["persona_quota"] == quota]
                queries = [rows[i]["topic"] or fallback_topic(rows[i]["question"]) for i in group]
                for i, hits in zip(group, retriever.retrieve(queries, quota)):
                    rows[i]["personas"] = [text for text, _ in hits]
                    rows[i]["persona_scores"] = [round(score, 4) for _, score in hits]
                    short += len(hits) < quota
        self.account(inputs, len(rows), extra={"retrieved_for": len(todo), "pool_too_small": short})
        yield rows
