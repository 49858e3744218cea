"""Final rows: TRL `messages` plus provenance columns (and nothing internal)."""

from typing import ClassVar

import datasets

from synth_hf.steps.common.base import SynthGlobalStep
from synth_hf.steps.common.format import qa_messages
from synth_hf.steps.graphgen.base import GraphGenMixin

_STR, _FLOAT = datasets.Value("string"), datasets.Value("float64")
# The leaf's schema, written once: the step's outputs and the saved dataset's features both come from it
# (explicit types, so an all-empty list column is not null-typed).
OUTPUT_FEATURES = datasets.Features({
    "messages": [{"role": _STR, "content": _STR}], "question": _STR, "answer": _STR,
    "method": _STR, "mode": _STR, "style": _STR, "subgraph_id": _STR, "node_ids": [_STR], "edge_ids": [_STR],
    "source_chunk_ids": [_STR], "unit_losses": [_FLOAT], "mean_loss": _FLOAT, "judge_score": _FLOAT,
    "synthesizer": _STR, "trainee": _STR, "language": _STR, "sample_id": _STR,
    "evidence": [{"chunk_id": _STR, "sentence": _STR}], "generator": _STR, "answer_span": _STR,
    "options": [_STR], "supported": datasets.Value("bool"),
})  # fmt: skip
OUTPUT_COLUMNS = tuple(OUTPUT_FEATURES)
PROVENANCE_COLUMNS = OUTPUT_COLUMNS[3:]


def format_row(row: dict, synthesizer: str, trainee: str, system_prompt: str | None) -> dict:
    """One output row (OUTPUT_COLUMNS) from a verified QA row."""
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
