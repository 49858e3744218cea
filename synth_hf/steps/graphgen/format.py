"""Final rows: TRL `messages` plus provenance columns (and nothing internal)."""

from typing import ClassVar

from synth_hf.steps.common.base import SynthGlobalStep
from synth_hf.steps.common.format import qa_messages
from synth_hf.steps.graphgen.base import GraphGenMixin

PROVENANCE_COLUMNS = (
    "method", "mode", "style", "subgraph_id", "node_ids", "edge_ids", "source_chunk_ids", "unit_losses",
    "mean_loss", "judge_score", "synthesizer", "trainee", "language", "sample_id", "evidence", "generator",
    "answer_span", "options", "supported",
)  # fmt: skip
OUTPUT_COLUMNS = ("messages", "question", "answer", *PROVENANCE_COLUMNS)


def format_row(row: dict, synthesizer: str, trainee: str, system_prompt: str | None) -> dict:
    return {
        "messages": qa_messages(row["question"], row["answer"], system_prompt),
        "question": row["question"],
        "answer": row["answer"],
        "method": "graphgen",
        "mode": row["mode"],
        "style": row["style"],
        "subgraph_id": row["subgraph_id"],
        "node_ids": list(row.get("node_ids") or []),
        "edge_ids": list(row.get("edge_ids") or []),
        "source_chunk_ids": list(row.get("source_chunk_ids") or []),
        "unit_losses": [None if x is None else float(x) for x in row.get("unit_losses") or []],
        "mean_loss": row.get("mean_loss"),
        "judge_score": row.get("judge_score"),
        "synthesizer": synthesizer,
        "trainee": trainee,
        "language": row.get("language", "und"),
        "sample_id": row["sample_id"],
        "evidence": [{"chunk_id": str(e["chunk_id"]), "sentence": str(e["sentence"])} for e in row.get("evidence") or []],
        "generator": row.get("generator", "llm"),
        "answer_span": row.get("answer_span", ""),
        "options": [str(o) for o in row.get("options") or []],
        "supported": bool(row.get("supported", False)),
    }


class FormatGraphGen(GraphGenMixin, SynthGlobalStep):
    """Global so the leaf output is written as one table with one schema. Rows are ordered by
    sample id, so reruns and resumed runs give the same order."""

    is_leaf: ClassVar[bool] = True
    use_memo: ClassVar[bool] = False

    synthesizer: str
    trainee: str
    system_prompt: str | None = None

    @property
    def inputs(self) -> list[str]:
        return ["question", "answer", "mode", "sample_id"]

    @property
    def outputs(self) -> list[str]:
        return list(OUTPUT_COLUMNS)

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        rows = sorted(inputs, key=lambda r: r["sample_id"])
        out = [format_row(r, self.synthesizer, self.trainee, self.system_prompt) for r in rows]
        self.account(inputs, len(out))
        self._logger.info(f"[graphgen] format: {len(out)} rows")
        return out
