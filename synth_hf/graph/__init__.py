"""Pure-logic knowledge-graph layer for GraphGen: records, merge/resolution, storage, probe calibration
math, partitioning and multi-hop paths. No LLM calls: callers do LLM work through callbacks."""

from synth_hf.graph.calibration import (
    ReliabilityBin,
    StatementScore,
    UnitScore,
    apply_unit_scores,
    brier_score,
    calibration_report,
    covered_mass_summary,
    expected_calibration_error,
    mean_nll,
    plot_reliability_diagram,
    reliability_bins,
    unit_scores,
)
from synth_hf.graph.merge import (
    MergeStats,
    find_near_duplicate_names,
    merge_records,
    normalize_name,
    set_summary,
    units_over_budget,
)
from synth_hf.graph.partition import PartitionResult, PartitionStats, Subgraph, partition, subgraph_loss
from synth_hf.graph.paths import find_multihop_path, is_valid_multihop_path, path_nodes
from synth_hf.graph.records import EntityRecord, RelationRecord
from synth_hf.graph.store import KnowledgeGraph, edge_id, parse_edge_id

__all__ = [
    "EntityRecord",
    "KnowledgeGraph",
    "MergeStats",
    "PartitionResult",
    "PartitionStats",
    "RelationRecord",
    "ReliabilityBin",
    "StatementScore",
    "Subgraph",
    "UnitScore",
    "apply_unit_scores",
    "brier_score",
    "calibration_report",
    "covered_mass_summary",
    "edge_id",
    "expected_calibration_error",
    "find_multihop_path",
    "find_near_duplicate_names",
    "is_valid_multihop_path",
    "mean_nll",
    "merge_records",
    "normalize_name",
    "parse_edge_id",
    "partition",
    "path_nodes",
    "plot_reliability_diagram",
    "reliability_bins",
    "set_summary",
    "subgraph_loss",
    "unit_scores",
    "units_over_budget",
]
