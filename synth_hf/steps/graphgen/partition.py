"""Global step: partition the probed graph and plan the QA samples (high-loss material first)."""

import json
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field

from synth_hf.graph.partition import partition
from synth_hf.steps.common.base import SynthGlobalStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.grounded_plan import AGGREGATE_SENTENCES, plan_grounded
from synth_hf.steps.graphgen.merge import CHUNKS_FILE
from synth_hf.steps.graphgen.rows import unit_rows_to_kg
from synth_hf.steps.graphgen.tokens import WHITESPACE, load_token_counter

PLAN_FILE = "plan.json"
SAMPLE_COLUMNS = (
    "sample_id", "mode", "style", "subgraph_id", "node_ids", "edge_ids", "path_edge_ids", "facts",
    "source_chunk_ids", "source_texts", "unit_losses", "mean_loss", "language", "tf_label", "evidence",
    "answer_span", "answer_type", "anchor_names", "hidden_names", "tf_statement",
)  # fmt: skip


def load_chunks(graph_dir: str | Path) -> dict[str, dict[str, Any]]:
    import pyarrow.parquet as pq

    path = Path(graph_dir) / CHUNKS_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing (written by the merge step); rerun with run.use_cache=false to rebuild it"
        )
    table = pq.read_table(path).to_pylist()
    return {r["chunk_id"]: {"text": r["text"], "language": r["language"]} for r in table}


class PartitionAndPlan(GraphGenMixin, SynthGlobalStep):
    """Reads probed unit rows; writes one row per planned sample (see SAMPLE_COLUMNS) and
    `report_dir/plan.json` (partition stats, planned counts, why a mode fell short)."""

    replaces_columns: ClassVar[bool] = True

    use_memo: ClassVar[bool] = False  # cheap, and plan.json must be rewritten every time

    graph_dir: str
    report_dir: str
    method: str = "loss"
    params: dict[str, Any] = Field(default_factory=dict)
    seed: int = 0
    modes: dict[str, int] = Field(default_factory=dict)
    styles: list[str] = Field(default_factory=lambda: ["concise"])
    max_hop_edges: int = 4
    rows_per_fact: int = 1
    aggregate_size: int = AGGREGATE_SENTENCES
    aggregate_min_sentences: int = 2
    aggregate_profiles: bool = False
    tokenizer: str = WHITESPACE

    @property
    def inputs(self) -> list[str]:
        return ["unit_id", "kind", "loss"]

    @property
    def outputs(self) -> list[str]:
        return list(SAMPLE_COLUMNS)

    def _loss_guidance(self, inputs: list[dict]) -> tuple[list[dict], str]:
        """A flat probe carries no signal: losses are dropped and selection falls back to graph order."""
        path = Path(self.report_dir) / "calibration.json"
        signal = json.loads(path.read_text()).get("probe_signal", {}) if path.exists() else {}
        if not signal.get("flat"):
            return inputs, "loss-guided"
        strip = ("loss", "accuracy", "confidence")
        return [{k: v for k, v in r.items() if k not in strip} for r in inputs], (
            f"fell back to graph order: {signal.get('warning', 'flat probe')}"
        )

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        inputs, guidance = self._loss_guidance(inputs)
        kg = unit_rows_to_kg(inputs)
        params = dict(self.params)
        if params.get("max_tokens") is not None:
            params["count_tokens"] = load_token_counter(self.tokenizer)
        parts = partition(kg, self.method, seed=self.seed, **params)
        plan = plan_grounded(
            kg,
            list(parts),
            load_chunks(self.graph_dir),
            self.modes,
            self.styles,
            rows_per_fact=self.rows_per_fact,
            seed=self.seed,
            aggregate_size=self.aggregate_size,
            aggregate_min_sentences=self.aggregate_min_sentences,
            aggregate_profiles=self.aggregate_profiles,
        )
        info = {
            "partition": {**parts.stats.to_dict(), "params": self.params, "seed": self.seed},
            "requested": self.modes,
            "loss_guidance": guidance,
            "planned": plan.planned,
            "shortfalls": plan.shortfalls,
            "unusable_evidence": plan.unusable_evidence,
            "graph": {"nodes": kg.num_nodes, "edges": kg.num_edges},
        }
        out_dir = Path(self.report_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / PLAN_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
        # a mode planned short (plan.json `shortfalls`) lost no row: a note in the summary, not a drop
        dropped = [
            ({"subgraph_id": sg.subgraph_id, "units": sg.unit_ids()}, f"partition_{reason}")
            for sg, reason in parts.dropped
        ]
        self.account(
            inputs,
            len(plan.samples),
            dropped,
            extra={"subgraphs": len(parts), **{f"planned_{m}": n for m, n in plan.planned.items()}},
        )
        self._logger.info(
            f"[graphgen] partition: {kg.num_units} units -> {len(parts)} {self.method} subgraphs -> "
            f"{len(plan.samples)} samples planned {plan.planned}"
            + (f"; short: {plan.shortfalls}" if plan.shortfalls else "")
            + (f"; evidence sentences that are no fact: {plan.unusable_evidence}" if plan.unusable_evidence else "")
        )
        return plan.samples
