"""Knowledge-lift scoring helpers and the benchmark script end to end on a tiny random model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from test_loop_model import tiny_model  # noqa: F401 - the tiny model fixture

from synth_hf.data.knowledge_lift import (
    load_documents,
    load_gold_facts,
    load_mcq,
    load_mcq_extra,
    load_questions,
)
from synth_hf.evaluation.knowledge_lift import (
    accuracy_by_coverage,
    accuracy_by_type,
    data_figures,
    lift_table,
    raw_text_units,
)

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


def test_accuracy_by_coverage_splits_on_the_facts_the_data_state() -> None:
    mcq = [{"id": "q1", "fact_ids": ["f1"]}, {"id": "q2", "fact_ids": ["f1", "f2"]}, {"id": "q3", "fact_ids": ["f3"]}]
    arm = {"correct": {"q1": True, "q2": False, "q3": True}}
    assert accuracy_by_coverage(arm, mcq, ["f1"]) == {  # q2 needs f2 too
        "covered": {"n": 1, "accuracy": 1.0}, "uncovered": {"n": 2, "accuracy": 0.5}}
    pooled = {"correct": {"q1": True}, "correct_share": {"q1": 2 / 3, "q2": 0.0, "q3": 1.0}}
    assert accuracy_by_coverage(pooled, mcq, ["f1", "f2"])["covered"] == {"n": 2, "accuracy": 0.3333}
    assert accuracy_by_coverage(arm, mcq, [])["covered"] == {"n": 0, "accuracy": None}


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
    assert figures["facts_covered"] == 4 == len(figures["covered_fact_ids"])
    stated = [q for q in mcq if set(q["fact_ids"]) <= set(figures["covered_fact_ids"])]
    assert figures["questions_covered"] == len(stated) > 0
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
        assert arm["by_type"]["overall"]["n"] == len(load_questions("all")) == 222  # core + extra by default
        assert set(arm["correct"]) == {q["id"] for q in load_questions("all")}
    assert summary["data"]["rows"] == 4 and summary["data"]["mixed_with_raw_text"] is True
    assert set(summary["lift_points"]) == {"raw", "data"}
    assert set(summary["paired"]) == {"raw vs base", "data vs base", "data vs raw"}
    # a saved adapter is re-scored, not trained, here on the core questions only
    again = tmp_path / "again"
    rescore = ["--model", str(tiny_model), "--arms", "base,raw", "--adapter", f"raw={out / 'adapter_raw'}",
               "--questions", "core", "--out", str(again)]  # fmt: skip
    assert main(rescore) == 0
    second = json.loads((again / "summary.json").read_text())
    assert second["saved_adapters"] == {"raw": str(out / "adapter_raw")} and second["arms"]["raw"]["train_s"] < 5
    assert second["arms"]["raw"]["correct"] == {q: summary["arms"]["raw"]["correct"][q] for q in second["arms"]["raw"]["correct"]}
    assert second["arms"]["raw"]["by_type"]["overall"]["n"] == len(load_mcq())
    with pytest.raises(SystemExit, match="adapter_config.json"):
        main(["--model", str(tiny_model), "--arms", "base,raw", "--adapter", f"raw={tmp_path}"])


def test_train_seeds_pool_each_trained_arm_and_pair_per_seed(tiny_model: Path, tmp_path: Path) -> None:  # noqa: F811
    """--train-seeds: each trained arm is trained once per seed (own adapter), pooled (mean, spread,
    majority per question); base is scored once; the same-seed paired tables are kept per seed."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.knowledge_lift import main

    out = tmp_path / "kl"
    base = ["--model", str(tiny_model), "--arms", "base,raw", "--questions", "core", "--steps", "1",
            "--batch-size", "2", "--max-length", "64", "--out", str(out)]  # fmt: skip
    for bad in ("1,x", "3,3", "", "1,,2", "-1"):  # each one line, before any work
        with pytest.raises(SystemExit, match="--train-seeds"):
            main([*base, "--train-seeds", bad])
    assert main([*base, "--train-seeds", "5,6"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["budget"]["seeds"] == [5, 6]
    raw = summary["arms"]["raw"]
    assert set(raw["by_seed"]) == {"5", "6"} and len(raw["train_loss"]) == 2
    assert raw["spread"]["min"] - 1e-4 <= raw["by_type"]["overall"]["accuracy_mean"] <= raw["spread"]["max"] + 1e-4
    assert raw["by_type"]["overall"]["accuracy_mean"] == pytest.approx(
        sum(v["accuracy_mean"] for v in raw["by_seed"].values()) / 2, abs=1e-4
    )
    assert (out / "adapter_raw_seed5").is_dir() and (out / "adapter_raw_seed6").is_dir()
    assert "by_seed" not in summary["arms"]["base"]  # untrained: scored once
    assert set(summary["paired_per_seed"]) == {"5", "6"}
    assert set(summary["paired_per_seed"]["5"]) == {"raw vs base"} and "p" in summary["paired_per_seed"]["5"]["raw vs base"]
    # the same adapters re-scored through --adapter raw=DIR{seed}: the same pooled scores, nothing trained
    again = tmp_path / "again"
    rescore = [*base[:-1], str(again), "--train-seeds", "5,6", "--adapter", f"raw={out}/adapter_raw_seed{{seed}}"]
    assert main(rescore) == 0
    second = json.loads((again / "summary.json").read_text())
    assert second["arms"]["raw"]["by_seed"] == raw["by_seed"] and "train_loss" not in second["arms"]["raw"]
    assert second["saved_adapters"] == {"raw": f"{out}/adapter_raw_seed{{seed}}"}
    assert set(second["paired_per_seed"]) == {"5", "6"}
    with pytest.raises(SystemExit, match=r"adapter_raw_seed7 holds no adapter_config.json"):
        main([*rescore[:-4], "--train-seeds", "5,7", *rescore[-2:]])
    with pytest.raises(SystemExit, match=r"\{seed\} names one adapter per training seed; give --train-seeds"):
        main([*rescore[:-4], *rescore[-2:]])
    with pytest.raises(SystemExit, match="a second adapter for raw"):
        main([*rescore, *rescore[-2:]])
    with pytest.raises(SystemExit, match="raw is not among --arms base; add it there"):
        main(["--arms", "base", *rescore[-2:]])


def test_split_seeds_is_deterministic_stratified_and_disjoint() -> None:
    from synth_hf.evaluation.knowledge_lift import split_seeds

    mcq = load_mcq()
    seeds, held_out = split_seeds(mcq, 10)
    assert [q["id"] for q in seeds] == [q["id"] for q in split_seeds(mcq, 10)[0]]
    assert len(seeds) == 10 and len(held_out) == len(mcq) - 10
    assert not {q["id"] for q in seeds} & {q["id"] for q in held_out}
    assert {q["id"] for q in seeds} | {q["id"] for q in held_out} == {q["id"] for q in mcq}
    types = [q["type"] for q in seeds]  # 26 / 17 / 20 questions: 4.1 / 2.7 / 3.2 -> 4 / 3 / 3
    assert (types.count("atomic"), types.count("aggregated"), types.count("multi_hop")) == (4, 3, 3)
    for bad in (0, len(mcq)):
        with pytest.raises(ValueError, match="held-out seeds"):
            split_seeds(mcq, bad)


def test_seed_rows_and_evol_budget() -> None:
    from synth_hf.evaluation.knowledge_lift import evol_budget, fact_overlap, seed_messages, seed_qa_rows

    mcq = load_mcq()
    assert seed_qa_rows(mcq[:1]) == [{"id": "kl-001", "question": mcq[0]["question"], "answer": "Ostravirus"}]
    assert seed_messages(mcq[:1])[0]["messages"][1] == {"role": "assistant", "content": "Ostravirus"}
    shared = [q for q in mcq[1:] if set(q["fact_ids"]) & set(mcq[0]["fact_ids"])]
    assert fact_overlap(mcq[:1], mcq[1:]) == [q["id"] for q in shared]
    stages = {"extract_attributes_h1": {"llm_calls": 10}, "extract_attributes_h2": {"llm_calls": 7},
              "synthesize_h1": {"llm_calls": 40}}  # fmt: skip
    budget = evol_budget({"stages": stages}, children_per_node=4, max_rows=80)
    assert budget == {
        "expansion": {"method": "evol", "evol_children_per_node": 5, "max_rows": 97},
        "extraction_calls_reinvested": 17,
    }
    assert "max_rows" not in evol_budget({"stages": stages}, 4, None)["expansion"]
    # attributes from the question: no extraction call to reinvest, so the same children and cap as AIDE
    none = evol_budget({"stages": {"extract_attributes_h1": {"llm_calls": 0}}}, children_per_node=4, max_rows=80)
    assert none["expansion"] == {"method": "evol", "evol_children_per_node": 4, "max_rows": 80}


def test_benchmark_seeded_arms_score_only_held_out(tiny_model: Path, tmp_path: Path) -> None:  # noqa: F811
    """seeds / evol / aide arms with a fake synthesizer and a tiny trainee: both pipelines write their
    children answer first for sentences of the documents (supported by construction), train on them
    and are scored on the held-out questions only."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.knowledge_lift import main

    with pytest.raises(SystemExit, match="need --held-out-seeds"):
        main(["--arms", "base,aide"])
    out = tmp_path / "kl"
    args = ["--model", str(tiny_model), "--arms", "base,seeds,evol,aide", "--held-out-seeds", "10",
            "--aide-engine", "fake", "--steps", "2", "--batch-size", "2", "--max-length", "64", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    split = summary["split"]
    assert split["held_out"] == len(load_mcq()) - 10 and split["extra_questions"] == len(load_mcq_extra())
    assert summary["scored_mcq"] == split["held_out"] + split["extra_questions"]
    assert len(split["seed_ids"]) == 10
    for arm in ("base", "seeds", "evol", "aide"):
        assert summary["arms"][arm]["by_type"]["overall"]["n"] == summary["scored_mcq"]
        assert not set(split["seed_ids"]) & set(summary["arms"][arm]["correct"])  # a seed is never scored
    assert summary["arms"]["seeds"]["train_rows"] == 9  # one seed prompt fills --max-length 64 (skipped, counted)
    gen = summary["generated"]
    assert gen["evol"]["budget"]["expansion"]["method"] == "evol"
    for arm in ("aide", "evol"):
        assert gen[arm]["rows"] > 0 and gen[arm]["llm_calls"] > 0
        assert gen[arm]["cost_per_supported_row"]["supported_rows"] == gen[arm]["rows"]  # every row checked
        # every call traced and replayed on the same engine: the utilisation is measured per arm
        assert gen[arm]["utilisation"]["traced_calls"] > 0
        assert gen[arm]["utilisation"]["engine_utilisation_per_stage"] > 0  # each step batched, in order
        # the headline's figure: each step batched in order (hop 2 cannot share hop 1's batch)
        per_stage = gen[arm]["utilisation"]["engine_utilisation_per_stage"]
        assert gen[arm]["cost_per_supported_row"]["engine_utilisation"] == per_stage
        assert gen[arm]["cost_per_supported_row"]["engine_utilisation"] > 0
        assert summary["arms"][arm]["train_rows"] > 0
    assert set(summary["lift_points"]) == {"seeds", "evol", "aide"}
    for arm in ("aide", "evol"):  # the held-out questions the data state, and the rest
        split = summary["arms"][arm]["by_coverage"]
        assert split["covered"]["n"] == gen[arm]["questions_covered"] > 0
        assert split["covered"]["n"] + split["uncovered"]["n"] == summary["scored_mcq"]
        assert summary["arms"][arm]["base_by_coverage"]["covered"]["n"] == split["covered"]["n"]
    assert "covered_fact_ids" not in gen["aide"] and "by_coverage" not in summary["arms"]["seeds"]
    assert {"aide vs evol", "aide vs base", "seeds vs base"} <= set(summary["paired"])


def test_bad_seed_counts_and_adapter_mismatches_are_one_line_before_any_work(tiny_model, tmp_path):  # noqa: F811
    sys.path.insert(0, str(ROOT))
    from benchmarks.knowledge_lift import main

    base = ["--model", str(tiny_model), "--out", str(tmp_path / "o")]
    for n in ("63", "-2"):
        with pytest.raises(SystemExit, match="held-out seeds must be between 1 and 62"):
            main([*base, "--arms", "base", "--held-out-seeds", n])
    other = tmp_path / "other_model"
    other.mkdir()
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text(json.dumps({"base_model_name_or_path": str(other)}))
    with pytest.raises(SystemExit, match="trained on .*other_model, not on --model"):
        main([*base, "--arms", "base,raw", "--adapter", f"raw={adapter}"])
    with pytest.raises(SystemExit, match="--data / --run-graphgen"):
        main([*base, "--arms", "base,data", "--adapter", f"data={adapter}", "--data", str(tmp_path)])
    with pytest.raises(SystemExit, match=r"--data .*nowhere: .*no such file"):
        main([*base, "--arms", "base,data", "--data", str(tmp_path / "nowhere")])
    # the review: a mistyped saved dataset failed only after generation; --out at a file gave an errno
    with pytest.raises(SystemExit, match=r"--evol-data .*nowhere: no such file"):
        main([*base, "--arms", "base,evol", "--held-out-seeds", "10", "--evol-data", str(tmp_path / "nowhere")])
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit, match=r"--out .*file: is a file"):
        main(["--model", str(tiny_model), "--arms", "base", "--out", str(tmp_path / "file")])
    assert not (tmp_path / "o" / "summary.json").exists()
