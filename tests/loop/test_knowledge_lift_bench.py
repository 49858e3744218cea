"""Knowledge-lift scoring helpers and the benchmark script end to end on a tiny random model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from test_loop_model import tiny_model  # noqa: F401 - the tiny model fixture

from synth_hf.data.knowledge_lift import load_documents, load_gold_facts, load_mcq
from synth_hf.evaluation.knowledge_lift import accuracy_by_type, data_figures, lift_table, raw_text_units

ROOT = Path(__file__).resolve().parents[2]
ROWS = [{"id": "a1", "type": "atomic"}, {"id": "a2", "type": "atomic"}, {"id": "m1", "type": "multi_hop"}]


def _pred(rid: str, gold: int, mean: int, summed: int, lp: float) -> dict:
    return {"id": rid, "gold": gold, "pred_mean": mean, "pred_sum": summed, "gold_logprob": lp}


def test_accuracy_by_type_groups_predictions() -> None:
    report = {
        "predictions": [_pred("a1", 0, 0, 1, -1.0), _pred("a2", 2, 1, 2, -3.0), _pred("m1", 3, 3, 3, -2.0)]
    }
    table = accuracy_by_type(report, ROWS)
    assert table["atomic"] == {"n": 2, "accuracy_mean": 0.5, "accuracy_sum": 0.5, "gold_logprob": -2.0}
    assert table["multi_hop"]["accuracy_mean"] == 1.0
    assert table["overall"]["n"] == 3 and table["overall"]["accuracy_sum"] == pytest.approx(2 / 3)


def test_lift_table_in_points() -> None:
    arm = lambda m, s: {"by_type": {"overall": {"accuracy_mean": m, "accuracy_sum": s}}}
    table = lift_table({"base": arm(0.3, 0.25), "raw": arm(0.55, 0.2)})
    assert table == {"raw": {"overall_accuracy_mean": 25.0, "overall_accuracy_sum": -5.0}}


def test_raw_text_units() -> None:
    docs = [
        {"doc_id": "x", "text": "Zorvatide treats Kelmar fever. Dr. Ilsa Brandtmoor isolated it."},
        {"text": " "},
    ]
    assert raw_text_units(docs) == [docs[0]["text"]]
    assert raw_text_units(docs, "sentence") == [
        "Zorvatide treats Kelmar fever.",
        "Dr. Ilsa Brandtmoor isolated it.",
    ]
    with pytest.raises(ValueError, match="unit must be one of"):
        raw_text_units(docs, "page")


def _chat(q: str, a: str, **extra) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}], **extra}


def test_data_figures_coverage_support_and_leaks() -> None:
    facts, mcq = load_gold_facts(), load_mcq()
    rows = [
        _chat("Which company makes Zorvatide?", "Lumera Pharma makes it.", supported=True),
        _chat("Who isolated Ostravirus?", "dr. ilsa brandtmoor", supported=False),
        _chat(mcq[0]["question"], "Ostravirus", supported=True),  # an evaluation question leaked
    ]
    figures = data_figures(rows, facts, mcq)
    covered = {f["fact_id"] for f in facts if f["subject"] in ("Zorvatide", "Ostravirus")}
    # manufacturer, first_isolated_by, and "caused by" stated both ways (Kelmar fever / Ostravirus)
    assert figures["facts_covered"] == 4
    assert len(covered) > 3  # the other facts about these subjects are not counted
    assert figures["support_rate"] == pytest.approx(2 / 3)
    assert figures["mcq_leaks"] == 1
    assert data_figures([_chat("q", "a")], facts, mcq)["support_rate"] is None


def test_raw_corpus_covers_most_gold_facts() -> None:
    raw = [{"messages": [{"role": "user", "content": d["text"]}]} for d in load_documents()]
    figures = data_figures(raw, load_gold_facts(), load_mcq())
    assert figures["fact_coverage"] > 0.9 and figures["mcq_leaks"] == 0


def test_benchmark_runs_all_arms_on_a_tiny_model(tiny_model: Path, tmp_path: Path) -> None:  # noqa: F811
    sys.path.insert(0, str(ROOT))
    from benchmarks.knowledge_lift import main

    data = tmp_path / "data.jsonl"
    data.write_text(
        "".join(json.dumps(_chat("Which drug treats Kelmar fever?", "Zorvatide")) + "\n" for _ in range(4))
    )
    out = tmp_path / "kl"
    args = [
        "--model",
        str(tiny_model),
        "--data",
        str(data),
        "--mix-raw-text",
        "--steps",
        "2",
        "--out",
        str(out),
    ]
    assert main(args + ["--batch-size", "2", "--max-length", "64"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["arms"]) == {"base", "raw", "data"}
    assert summary["budget"]["steps"] == 2 and summary["budget"]["examples_seen"] == 4
    for arm in summary["arms"].values():
        assert set(arm["by_type"]) == {"atomic", "aggregated", "multi_hop", "overall"}
        assert arm["by_type"]["overall"]["n"] == len(load_mcq())
    assert summary["data"]["rows"] == 4 and summary["data"]["mixed_with_raw_text"] is True
    assert set(summary["lift_points"]) == {"raw", "data"}
