"""Global step: one knowledge graph from every chunk's records (entity resolution, summaries, save)."""

from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from synth_hf.graph.merge import (
    find_near_duplicate_names,
    merge_records,
    normalize_name,
    set_summary,
    units_over_budget,
)
from synth_hf.graph.records import EntityRecord, RelationRecord
from synth_hf.graph.store import KnowledgeGraph
from synth_hf.graph.whole_names import whole_name_aliases
from synth_hf.steps.common.base import LLMGlobalStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.merge_prompts import STOP, summary_prompt
from synth_hf.steps.graphgen.rows import UNIT_COLUMNS, kg_to_unit_rows
from synth_hf.steps.graphgen.tokens import WHITESPACE, load_token_counter
from synth_hf.text.examples import copied_from_examples
from synth_hf.text.support import check_support

CHUNKS_FILE = "chunks.parquet"


def records_from_rows(rows: list[dict[str, Any]]) -> tuple[list[EntityRecord], list[RelationRecord]]:
    entities, relations = [], []
    for row in rows:
        for e in row.get("entities") or []:
            entities.append(
                EntityRecord(
                    e.get("name", ""),
                    e.get("entity_type", ""),
                    e.get("description", ""),
                    row["chunk_id"],
                    evidence=list(e.get("evidence") or []) or None,
                )
            )
        for r in row.get("relations") or []:
            relations.append(
                RelationRecord(
                    r.get("source", ""),
                    r.get("target", ""),
                    list(r.get("keywords") or []),
                    r.get("description", ""),
                    row["chunk_id"],
                    evidence=list(r.get("evidence") or []) or None,
                )
            )
    return entities, relations


def embed_texts(texts: list[str], model: str | None) -> Any:
    from synth_hf.models.embeddings import Embedder

    return Embedder(model=model).encode(texts)


def near_duplicate_aliases(
    entities: list[EntityRecord], relations: list[RelationRecord], threshold: float, model: str | None
) -> dict[str, str]:
    counts = Counter(
        normalize_name(n)
        for n in [e.name for e in entities] + [x for r in relations for x in (r.source, r.target)]
    )
    counts.pop("", None)
    names = sorted(counts)
    if len(names) < 2:
        return {}
    return find_near_duplicate_names(
        names, embed_texts(names, model), threshold, counts=[counts[n] for n in names]
    )


def save_chunks(rows: list[dict[str, Any]], directory: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = ("chunk_id", "doc_id", "text", "language")
    table = pa.table({c: [str(r.get(c, "")) for r in rows] for c in cols})
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / (CHUNKS_FILE + ".tmp")
    pq.write_table(table, tmp)
    tmp.replace(directory / CHUNKS_FILE)


class MergeGraph(GraphGenMixin, LLMGlobalStep):
    """Reads extraction rows; writes one row per graph unit (node or edge) and saves the graph
    (GraphML + parquet) plus the chunk table to `graph_dir`."""

    replaces_columns: ClassVar[bool] = True

    graph_dir: str
    tokenizer: str = WHITESPACE
    description_token_budget: int = 256
    summary_max_new_tokens: int = 160
    embedding_merge: bool = False
    similarity_threshold: float = 0.92
    embedder: str | None = Field(default=None)
    whole_names: bool = Field(default=True, description="Alias cut names to the whole name their evidence spells.")

    def may_call(self) -> bool:
        """Most graphs have no unit over the description budget: the engine loads at the first summary."""
        return False

    @property
    def inputs(self) -> list[str]:
        return ["chunk_id", "entities", "relations"]

    @property
    def outputs(self) -> list[str]:
        return list(UNIT_COLUMNS)

    def memo_valid(self) -> bool:
        graph_dir = Path(self.graph_dir)
        return (graph_dir / CHUNKS_FILE).exists() and (graph_dir / "nodes.parquet").exists()

    def summarise(self, kg: KnowledgeGraph) -> tuple[int, int, int]:
        """LLM summaries for over-budget units, accepted only when the support check passes against the
        unit's evidence; otherwise every description is kept (no cut). Returns (accepted, failed,
        unsupported)."""
        over = units_over_budget(kg, load_token_counter(self.tokenizer), self.description_token_budget)
        if not over:
            return 0, 0, 0
        prompts = []
        for unit in over:
            data = kg.get_unit(unit)
            if kg.is_edge_unit(unit):
                src, tgt = kg.edge_endpoints(unit)
                subject = f"{kg.graph.nodes[src].get('name', src)} and {kg.graph.nodes[tgt].get('name', tgt)}"
            else:
                subject = data.get("name", unit)
            prompts.append(summary_prompt(subject, list(data.get("descriptions", []))))
        texts = self.gen(prompts, max_new_tokens=self.summary_max_new_tokens, stop=STOP)
        failed = unsupported = 0
        for unit, text in zip(over, texts):
            data = kg.get_unit(unit)
            notes = " ".join(data.get("descriptions", []))
            evidence = [e["sentence"] for e in data.get("evidence") or []] or list(data.get("descriptions", []))
            if not text.strip() or copied_from_examples(text, notes):
                failed += 1  # empty or a copy of the few-shot example: keep every description instead
            elif not check_support(text, evidence).supported:
                unsupported += 1  # the summary says something its evidence does not: keep the evidence
            else:
                set_summary(kg, unit, " ".join(text.split()))
        return len(over) - failed - unsupported, failed, unsupported

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        entities, relations = records_from_rows(inputs)
        # names the extraction cut short ("Kelmar" of "Kelmar fever") join their whole name first
        whole = whole_name_aliases(entities, relations) if self.whole_names else {}
        aliases = dict(whole)
        if self.embedding_merge:
            near = near_duplicate_aliases(entities, relations, self.similarity_threshold, self.embedder)
            aliases |= {k: v for k, v in near.items() if k not in whole}
        kg, stats = merge_records(entities, relations, aliases=aliases)
        summarised, failed, unsupported = self.summarise(kg)
        graph_dir = Path(self.graph_dir)
        kg.save(graph_dir)
        save_chunks(inputs, graph_dir)
        rows = kg_to_unit_rows(kg, {r["chunk_id"]: r.get("language", "und") for r in inputs})
        dropped = [
            ({**asdict(rec), "record": type(rec).__name__}, f"merge_{reason}")
            for rec, reason in stats.dropped
        ]
        self.account(
            inputs,
            len(rows),
            dropped,
            usage_before=before,
            extra={
                "nodes": kg.num_nodes,
                "edges": kg.num_edges,
                "aliases": len(aliases),
                "whole_name_aliases": len(whole),
                "summarised": summarised,
                "summary_failed": failed,
                "summary_unsupported": unsupported,
                "duplicate_entities": stats.duplicate_entities,
                "implicit_nodes": stats.implicit_nodes,
            },
        )
        self._logger.info(
            f"[graphgen] merge: {len(inputs)} chunks -> {kg.num_nodes} nodes, {kg.num_edges} edges "
            f"({len(aliases)} aliases, {summarised} summaries); graph saved to {graph_dir}"
        )
        return rows
