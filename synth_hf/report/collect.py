"""Read what a finished run left in its folder into one plain dict for the report page.

Everything is optional: a GraphGen run has a graph and a calibration, an AIDE run has seeds, hops
and a quality report, an older run lacks `evidence` or `support_rate`. Missing parts are `None` /
empty and the page leaves their section out, saying why.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from synth_hf.summary import load_summary

MAX_TABLE_ROWS = 2000  # rows embedded in the page; the count shown says when there are more
MAX_TEXT = 4000  # characters of one cell (question, answer, evidence)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _load_dataset(path: Path) -> Any:
    # an empty dataset saved by datasets has no .arrow file and does not load back
    if not (path / "dataset_info.json").exists() or not any(path.glob("*.arrow")):
        return None
    from datasets import load_from_disk

    return load_from_disk(str(path))


def _clip(value: Any) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + " …"


def collect_run(run_dir: str | Path) -> dict[str, Any]:
    """The report's data for `run_dir`.

    Raises:
        FileNotFoundError: `run_dir` has neither `summary.json` nor a saved `dataset/`.
        ValueError: its `summary.json` cannot be read or is not a JSON object.
    """
    run = Path(run_dir)
    if not run.is_dir():
        raise FileNotFoundError(f"no such run folder: {run}")
    summary = load_summary(run / "summary.json")
    dataset = _load_dataset(run / "dataset")
    if not summary and dataset is None:
        raise FileNotFoundError(f"{run} is not a finished synth_hf run (no summary.json and no dataset/)")
    rows = [dict(r) for r in dataset] if dataset is not None else []
    method = summary.get("method") or (rows[0].get("method") if rows else None) or "unknown"
    chunks = _chunk_texts(run / "graph" / "chunks.parquet")
    seeds = _seeds(run / "seeds.jsonl")
    data: dict[str, Any] = {
        "run_dir": str(run),
        "name": run.name,
        "method": method,
        "summary": summary,
        "n_rows": len(rows),
        "columns": list(dataset.column_names) if dataset is not None else [],
        "stages": summary.get("stages") or {},
        "drops_by_reason": summary.get("drops_by_reason") or {},
        "dropped_examples": _dropped_examples(run / "dropped"),
        "per_mode": dict(Counter(str(r["mode"]) for r in rows if r.get("mode") is not None)),
        "per_hop": dict(sorted(Counter(str(r["hop"]) for r in rows if r.get("hop") is not None).items())),
        "support_rate": summary.get("support_rate"),
        "quality": _quality(run, summary, rows),
        "calibration": _read_json(run / "calibration.json") or None,
        "graph": _graph(run / "graph", rows),
        "table": [_table_row(i, r, chunks, seeds) for i, r in enumerate(rows[:MAX_TABLE_ROWS])],
        "notices": summary.get("notices") or [],
    }
    return data


def _chunk_texts(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["chunk_id", "text"])
    return dict(zip(table["chunk_id"].to_pylist(), table["text"].to_pylist(), strict=True))


def _seeds(path: Path) -> dict[str, dict]:
    if not path.exists():
        return {}
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            seed = json.loads(line)
            out[str(seed.get("seed_id"))] = seed
    return out


def _dropped_examples(path: Path, per_reason: int = 3) -> dict[str, list[dict]]:
    """Up to `per_reason` dropped rows per reason, so a reader sees what a reason means."""
    dropped = _load_dataset(path)
    out: dict[str, list[dict]] = {}
    for row in dropped or []:
        bucket = out.setdefault(f"{row['step']}: {row['reason']}", [])
        if len(bucket) < per_reason:
            bucket.append({"step": row["step"], "reason": row["reason"], "row": _clip(row["row"])})
    return out


def _evidence(row: dict, chunks: dict[str, str], seeds: dict[str, dict]) -> tuple[str, list[dict]]:
    """(kind, items): the row's own `evidence`, else its source chunks, else its seed."""
    ev = row.get("evidence")
    if ev:
        items = [e if isinstance(e, dict) else {"sentence": str(e)} for e in ev]
        return "evidence", [
            {"ref": str(e.get("chunk_id", "")), "text": _clip(e.get("sentence") or e.get("text"))}
            for e in items
        ]
    ids = row.get("source_chunk_ids") or []
    if ids and chunks:
        return "source chunks", [
            {"ref": str(c), "text": _clip(chunks.get(c, "(chunk not found)"))} for c in ids
        ]
    seed_id = row.get("seed_id")
    if seed_id is not None:
        seed = seeds.get(str(seed_id), {})
        return "seed", [{"ref": str(seed_id), "text": _clip(seed.get("question", "(seed not found)"))}]
    return "none", []


def _table_row(index: int, row: dict, chunks: dict[str, str], seeds: dict[str, dict]) -> dict:
    kind, items = _evidence(row, chunks, seeds)
    group = row.get("mode") or row.get("operation") or ("persona" if row.get("persona") else None)
    tags = {
        k: row[k] for k in ("style", "hop", "operation", "persona", "verified", "generator") if row.get(k)
    }
    scores = {
        k: row[k] for k in ("judge_score", "mean_loss", "support", "supported") if row.get(k) is not None
    }
    question, answer = row.get("question"), row.get("answer")
    if question is None and row.get("messages"):
        msgs = row["messages"]
        question = next((m["content"] for m in msgs if m.get("role") == "user"), "")
        answer = next((m["content"] for m in reversed(msgs) if m.get("role") == "assistant"), "")
    if row.get("options"):
        question = f"{question}\n{_options_text(row['options'])}"
    return {
        "i": index,
        "group": str(group or "-"),
        "question": _clip(question),
        "answer": _clip(answer),
        "evidence_kind": kind,
        "evidence": items,
        "tags": {k: _clip(v) for k, v in tags.items()},
        "scores": {k: round(float(v), 3) if isinstance(v, float) else v for k, v in scores.items()},
    }


def _options_text(options: Any) -> str:
    if isinstance(options, dict):
        return "\n".join(f"{k}) {v}" for k, v in options.items())
    if isinstance(options, list):
        return "\n".join(f"{chr(65 + i)}) {v}" for i, v in enumerate(options))
    return str(options)


def _quality(run: Path, summary: dict, rows: list[dict]) -> dict[str, Any]:
    """AIDE's saved quality report, else diversity computed here over the questions."""
    saved = _read_json(run / "quality.json")
    if saved:
        return {"overall": saved.get("overall", {}), "per_hop": saved.get("per_hop", {})}
    overall = question_diversity(rows)
    return {"overall": overall, "per_hop": {}} if overall else {}


def question_diversity(rows: list[dict]) -> dict[str, Any]:
    """Diversity of the rows' questions: {"rows", "self_bleu", "distinct_1", "distinct_2"} (self-BLEU over
    at most 500 sampled questions, seed 0); {} for fewer than two questions."""
    texts = [str(r.get("question") or "") for r in rows if r.get("question")]
    if len(texts) < 2:
        return {}
    from synth_hf.metrics import distinct_n_scores, self_bleu_score

    overall: dict[str, Any] = {"rows": len(texts)}
    bleu = self_bleu_score(texts, max_samples=500, seed=0)
    overall["self_bleu"] = round(float(bleu["self_bleu"]), 4)
    distinct = distinct_n_scores(texts, max_n=2)
    overall.update({k: round(float(v), 4) for k, v in distinct.items()})
    return overall


def _graph(graph_dir: Path, rows: list[dict]) -> dict[str, Any] | None:
    """Nodes and edges with losses, and which units the output rows used."""
    nodes_path, edges_path = graph_dir / "nodes.parquet", graph_dir / "edges.parquet"
    if not nodes_path.exists() or not edges_path.exists():
        return None
    import pyarrow.parquet as pq

    from synth_hf.graph.store import edge_id

    nodes = pq.read_table(
        nodes_path, columns=["id", "name", "entity_type", "description", "loss"]
    ).to_pylist()
    edges = pq.read_table(edges_path, columns=["source", "target", "keywords", "loss"]).to_pylist()
    used_nodes = {n for r in rows for n in (r.get("node_ids") or [])}
    used_edges = {e for r in rows for e in (r.get("edge_ids") or [])}
    for n in nodes:
        n["description"] = _clip(n.get("description"))[:300]
        n["selected"] = n["id"] in used_nodes
    for e in edges:
        e["id"] = edge_id(e["source"], e["target"])
        e["selected"] = e["id"] in used_edges
    return {"nodes": nodes, "edges": edges}
