"""GraphGen end to end on fake engines: every mode, provenance, accounting, cache reuse, hard-kill resume."""

from __future__ import annotations

import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from graphgen_fakes import PIPELINE_DOCS, fake_config
from harness import kill_when, rerun_resumes, run_record

from synth_hf.graph.paths import is_valid_multihop_path
from synth_hf.graph.store import KnowledgeGraph, parse_edge_id
from synth_hf.pipelines.graphgen import run_graphgen
from synth_hf.pipelines.graphgen_config import GENERATION_MODES
from synth_hf.steps.graphgen.format import OUTPUT_COLUMNS
from synth_hf.text.support import contains_span

DOCS = PIPELINE_DOCS
OVERRIDES = {"run.input_batch_size": 2}


@pytest.fixture(scope="module")
def result(tmp_path_factory, fakes_on_worker_path):
    out = tmp_path_factory.mktemp("graphgen_fake")
    started = time.time()
    res = run_graphgen(fake_config(str(out), DOCS, **OVERRIDES))
    res.summary["test_seconds"] = time.time() - started
    return res


def _ledger_lines(run_dir: Path) -> dict[str, int]:
    return {p.stem: len(p.read_text().splitlines()) for p in sorted((run_dir / "ledger").glob("*.jsonl"))}


def test_every_mode_yields_rows_with_provenance(result):
    ds = result.dataset
    assert set(ds.column_names) == set(OUTPUT_COLUMNS)
    assert set(ds["mode"]) == set(GENERATION_MODES)
    kg = KnowledgeGraph.load(result.run_dir / "graph")
    chunk_ids = set(
        __import__("pyarrow.parquet")
        .parquet.read_table(result.run_dir / "graph" / "chunks.parquet")["chunk_id"]
        .to_pylist()
    )
    for row in ds:
        assert row["messages"][-1] == {"role": "assistant", "content": row["answer"]}
        assert row["messages"][0] == {"role": "user", "content": row["question"]}
        assert row["method"] == "graphgen" and row["synthesizer"] == "fake:fake-synth"
        assert row["trainee"] == "fake:fake-trainee"
        assert row["node_ids"] or row["edge_ids"]
        assert all(kg.has_unit(u) for u in row["node_ids"] + row["edge_ids"])
        assert row["source_chunk_ids"] and set(row["source_chunk_ids"]) <= chunk_ids
        assert len(row["unit_losses"]) == len(row["node_ids"]) + len(row["edge_ids"])
        assert all(x is not None and x > 0 for x in row["unit_losses"])
        assert row["supported"] and row["evidence"] and row["generator"] in ("llm", "template")
        evidence = " ".join(e["sentence"] for e in row["evidence"])
        assert all(e["chunk_id"] in chunk_ids for e in row["evidence"])
        assert contains_span(evidence, row["answer_span"]), row
        if row["mode"] not in ("aggregated", "true_false"):
            assert not contains_span(row["question"].split("\n")[0], row["answer_span"]), row
        assert row["language"] in ("en", "de")
        assert row["style"] in ("concise", "detailed", "exam", "curious_student", "clinical_case")
    assert len(set(ds["sample_id"])) == len(ds)
    for row in ds.filter(lambda r: r["mode"] == "multi_hop"):
        path = [parse_edge_id(e) for e in row["edge_ids"]]
        assert len(path) >= 2 and is_valid_multihop_path(kg, path) == (True, "ok")
    for row in ds.filter(lambda r: r["mode"] == "multiple_choice"):
        assert "\nA) " in row["question"] and row["answer"].startswith(("A)", "B)", "C)", "D)"))
    for row in ds.filter(lambda r: r["mode"] == "true_false"):
        assert row["question"].startswith("True or false:") and row["answer"].startswith(("True. ", "False. "))
    for row in ds.filter(lambda r: r["mode"] == "cot"):
        assert "So the answer is" in row["answer"]
    assert {"llm", "template"} <= set(ds["generator"])  # both question sources are exercised


def test_summary_counts_calls_and_drops(result):
    summary = json.loads((result.run_dir / "summary.json").read_text())
    stages = summary["stages"]
    for step in (
        "chunk",
        "extract",
        "merge",
        "quiz",
        "probe",
        "calibrate",
        "partition",
        "generate",
        "judge",
        "verify",
        "dedup",
        "format_graphgen",
    ):
        assert step in stages, step
    for step in ("extract", "quiz", "probe", "generate", "judge"):
        assert stages[step]["llm_calls"] > 0, step
    drops = summary["drops_by_reason"]
    assert drops["no_entities"] == 1  # the German sentence without a 'Subject verb Object' pattern
    # the judge is advisory: it rejects 'False.' answers, the support gate keeps them; both are counted
    assert "judge_below_threshold" not in drops and 0 < summary["support"]["judge_disagreement"] < 1
    assert summary["support"]["checked"] == stages["generate"]["out"] and summary["support"]["rate"] > 0.8
    extract = stages["extract"]["counters"]
    assert extract["bad_lines"] >= 1 and extract["gleaned_records"] >= 1 and extract["relations"] > 0
    assert extract["copied_records"] >= 1  # the fake's copied 'Danube' record never reaches the graph
    merge = stages["merge"]["counters"]
    assert merge["nodes"] + merge["edges"] == stages["merge"]["out"] and merge["summarised"] >= 1
    assert merge["summary_unsupported"] >= 1  # the fake's invented summaries are refused, evidence kept
    # every unit: its evidence sentence(s) + checked paraphrases/negations + substitutions, all probed
    quiz = stages["quiz"]["counters"]
    assert quiz["statements"] >= 2 * stages["merge"]["out"] and quiz["substitutions"] > 0
    assert stages["probe"]["llm_calls"] == stages["quiz"]["counters"]["statements"]
    assert stages[("format_graphgen")]["out"] == summary["final_rows"] == len(result.dataset)
    assert summary["synthesizer"] == "fake:fake-synth" and summary["mode_notes"] == {}
    assert summary["documents"]["license"] is None  # not declared: the card says so (summary.documents_license)
    assert summary["calibration"]["n_statements"] == stages["quiz"]["counters"]["statements"]
    assert len(result.dropped) == sum(drops.values())


def test_graph_calibration_and_exports_saved(result):
    run_dir = result.run_dir
    kg = KnowledgeGraph.load(run_dir / "graph", fmt="graphml")
    assert kg.num_edges > 0
    assert all("loss" in data and data["source_ids"] for _, data in kg.units())
    assert any(data.get("summarized") for _, data in kg.units())
    report = json.loads((run_dir / "calibration.json").read_text())
    assert 0 <= report["ece"] <= 1 and 0 <= report["brier"] <= 1 and report["nll"] > 0
    assert report["covered_mass"]["mean"] == pytest.approx(0.9)
    # the fake trainee knows Aspirin: its negations score 'no', so negation accuracy is not zero
    assert 0 < report["accuracy_by_statement_kind"]["negation"] < 1
    assert (run_dir / "reliability.png").stat().st_size > 1000
    for fmt in ("messages", "prompt_completion", "alpaca", "sharegpt"):
        assert (run_dir / "exports" / f"{fmt}.jsonl").exists()
    # high-loss units are generated from first: atomic samples are at least as hard as the rest
    atomic = [r for r in result.dataset if r["mode"] == "atomic"]
    assert max(max(r["unit_losses"]) for r in atomic) >= max(data["loss"] for _, data in kg.units()) - 1e-9


def test_second_run_reuses_every_step(result, fakes_on_worker_path):
    before = _ledger_lines(result.run_dir)
    config = fake_config(str(result.run_dir.parent), DOCS, **OVERRIDES)
    again = run_graphgen(config)
    assert _ledger_lines(result.run_dir) == before  # no step processed a batch again
    assert again.dataset["question"] == result.dataset["question"]


def _calls(path: Path) -> Counter:
    if not path.exists():
        return Counter()
    return Counter(line.split()[0] for line in path.read_text().splitlines())


def _record(run_dir: Path) -> dict:
    """What must not depend on whether the run was interrupted."""
    from datasets import load_from_disk

    dataset = load_from_disk(str(run_dir / "dataset"))
    return {**run_record(run_dir), "questions": dataset["question"], "sample_ids": dataset["sample_id"]}


def test_hard_killed_run_resumes_without_recomputing(result, tmp_path, fakes_on_worker_path):
    """SIGKILL the whole process group mid-probe, rerun: finished batches come back without LLM calls,
    the dataset, the summary (LLM calls, drops by reason, per-stage counts) and the dropped rows equal
    the uninterrupted run's (before: finished stages' ledgers were deleted, the summary counted only
    the calls of the rerun and the no_entities drop vanished)."""
    script = HERE / "graphgen_fake_run.py"
    env = {**os.environ, "GRAPHGEN_FAKE_LOG": str(tmp_path / "calls1.log"), "GRAPHGEN_FAKE_DELAY": "0.1"}
    args = [sys.executable, str(script), str(tmp_path), json.dumps(OVERRIDES)]
    probe_ledger = tmp_path / "run" / "ledger" / "probe.jsonl"
    kill_when(args, env, probe_ledger, lines=1, deadline_s=300, poll_s=0.05)
    done_before = len(probe_ledger.read_text().splitlines())
    assert done_before < result.summary["stages"]["probe"]["batches"]  # killed while probing
    rerun_resumes(args, {**os.environ, "GRAPHGEN_FAKE_LOG": str(tmp_path / "calls2.log")})

    calls1, calls2 = _calls(tmp_path / "calls1.log"), _calls(tmp_path / "calls2.log")
    assert calls1["extract"] > 0 and calls2["extract"] == 0  # extraction had finished: not redone
    total_quiz = 2 * json.loads((result.run_dir / "summary.json").read_text())["stages"]["merge"]["out"]
    # every quiz prompt ran once, except at most the one batch (2 units x 2 prompts) in flight at the kill
    assert total_quiz <= calls1["quiz"] + calls2["quiz"] <= total_quiz + 4
    assert calls2["quiz"] < total_quiz
    for ledger in (tmp_path / "run" / "ledger").glob("*.jsonl"):
        keys = Counter(json.loads(line)["key"] for line in ledger.read_text().splitlines())
        assert all(n == 1 for n in keys.values()), ledger.name  # rebuilt: one line per batch

    resumed = _record(tmp_path / "run")
    assert resumed == _record(result.run_dir)
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    # the killed run's time (start to its last finished batch) counts in the job's wall time
    assert summary["wall_time_resumed_s"] > 0
    assert summary["wall_time_total_s"] == round(summary["wall_time_s"] + summary["wall_time_resumed_s"], 1)
    assert "wall_time_resumed_s" not in json.loads((result.run_dir / "summary.json").read_text())
    assert resumed["drops_by_reason"]["no_entities"] == 1
    assert len(set(resumed["sample_ids"])) == len(resumed["sample_ids"])
