"""One real AIDE run on the embedded Gemma-3-270M base model: 2 seeds, depth 1, small branching."""

import json
from pathlib import Path

import pytest

from synth_hf.pipelines.aide import run_aide
from synth_hf.pipelines.aide_config import AIDEConfig

SEEDS = [
    {
        "question": "Why does ice float on water?",
        "answer": "Ice is less dense than liquid water because its molecules form an open crystal lattice.",
    },
    {
        "question": "Why do we see lightning before we hear thunder?",
        "answer": "Light travels much faster than sound, so the flash reaches us first.",
    },
]
PERSONAS = [
    "A secondary-school physics teacher preparing classroom demonstrations",
    "A mountain guide who watches the weather closely",
    "A curious ten-year-old who asks why about everything",
    "A chef who cares about how ingredients behave when heated or frozen",
]


@pytest.mark.slow
def test_embedded_model_run_produces_rows_with_provenance(tmp_path):
    pool = tmp_path / "personas.jsonl"
    pool.write_text("".join(json.dumps({"persona": p}) + "\n" for p in PERSONAS))
    cfg = AIDEConfig.model_validate(
        {
            "run": {
                "output_dir": str(tmp_path),
                "name": "embedded",
                "use_cache": False,
                "input_batch_size": 8,
            },
            "engine": {"engine": "transformers", "options": {"batch_size": 8, "structured_retries": 0}},
            "seeds": {
                "rows": SEEDS,
                "task_description": "Answer everyday science questions in one or two sentences.",
            },
            "expansion": {
                "depth": 1,
                "attributes_per_node": 1,
                "operations_per_node": 1,
                "personas_per_node": 1,
                "max_new_tokens": 64,
                "extraction_max_new_tokens": 96,
            },
            "personas": {"source": str(pool), "license": "cc0-1.0"},
            "annotation": {"verification": "second_solve", "on_disagreement": "flag", "max_new_tokens": 40},
            "reflection": {"enabled": False},  # the grounded test below runs the default (reflection on)
            "quality_report": True,
        }
    )
    result = run_aide(cfg)
    rows = result.dataset.to_list()
    stages = result.summary["stages"]
    assert stages["synthesize_h1"]["counters"]["children"] <= 4  # 2 seeds x (1 x 1 + 1)
    assert stages["extract_attributes_h1"]["counters"]["extracted"] == 2
    assert rows, result.summary["drops_by_reason"]
    seeds = {s["question"] for s in SEEDS}
    for row in rows:
        assert row["hop"] == 1 and row["parent_id"] == row["seed_id"] in ("seed-0", "seed-1")
        assert row["question"].strip() and row["question"] not in seeds
        assert row["messages"][0]["content"] == row["question"] and row["messages"][1]["content"].strip()
        # a row whose synthesis wrote no draft answer is solved by sampling instead (self-consistency);
        # without documents no row is verified against evidence
        assert row["verification"] in ("second_solve", "self_consistency") and row["verified"] is False
        assert row["synth_model"] == row["annotator_model"] == "gemma-3-270m (embedded)"
        assert row["branch"] in ("attribute", "persona")
        if row["branch"] == "persona":
            assert row["persona"] in PERSONAS
    assert (result.run_dir / "quality.json").exists()
    assert result.summary["persona_pool"]["license"] == "cc0-1.0"
    print(
        json.dumps(
            [{k: r[k] for k in ("branch", "operation", "persona", "messages", "verified")} for r in rows],
            indent=1,
        )
    )
    print("wall", result.summary["wall_time_s"], "calls", result.summary["llm_calls"])


KNOWLEDGE_LIFT = Path(__file__).resolve().parents[2] / "synth_hf" / "data" / "knowledge_lift"


@pytest.mark.slow
def test_embedded_model_grounded_run_keeps_only_supported_rows(tmp_path):
    """AIDE with documents on Gemma-3-270M, 2 seeds, depth 1, default branching otherwise (all three
    operations, personas from the built-in pool, reflection on): every kept row's answer is supported
    by its evidence and the attribute branch yields rows."""
    from synth_hf.text.support import check_support

    mcq = {r["id"]: r for r in map(json.loads, (KNOWLEDGE_LIFT / "mcq.jsonl").read_text().splitlines())}
    seeds = [{"question": mcq[i]["question"], "answer": mcq[i]["options"][mcq[i]["answer"]]} for i in ("kl-002", "kl-004")]
    cfg = AIDEConfig.model_validate(
        {
            "run": {"output_dir": str(tmp_path), "name": "grounded", "use_cache": False, "input_batch_size": 16},
            "engine": {"engine": "transformers", "options": {"batch_size": 16, "structured_retries": 0}},
            "seeds": {"rows": seeds, "task_description": "Answer questions about invented diseases and drugs."},
            "documents": {"source": str(KNOWLEDGE_LIFT / "docs")},
            "expansion": {"depth": 1, "personas_per_node": 1, "max_new_tokens": 64, "extraction_max_new_tokens": 96},
            "reflection": {"max_attempts": 1},
            "annotation": {"max_new_tokens": 24},
            "quality_report": False,
        }
    )  # fmt: skip
    result = run_aide(cfg)
    rows = result.dataset.to_list()
    summary = result.summary
    print(json.dumps({k: summary.get(k) for k in ("support", "drops_by_reason", "llm_calls", "wall_time_s")}, indent=1))
    print(json.dumps([{k: r[k] for k in ("branch", "operation", "question", "answer", "evidence")} for r in rows], indent=1))
    assert rows, summary["drops_by_reason"]
    for row in rows:
        evidence = [e["sentence"] for e in row["evidence"]]
        assert row["verified"] is True and check_support(row["answer"], evidence).supported, row
    assert any(r["branch"] == "attribute" for r in rows), summary["stages"]
    assert summary["support_rate"]["overall"] == summary["support"]["supported"] / summary["support"]["checked"]


@pytest.mark.slow
def test_embedded_model_answer_first_run_keeps_supported_rows_from_both_branches(tmp_path):
    """Answer-first AIDE on Gemma-3-270M (documents, `answer_source: evidence`, 2 seeds, depth 1, all three
    operations, one persona, reflection on): every kept row is supported by its one evidence sentence,
    no sentence serves two rows, and the attribute branch yields rows."""
    from collections import Counter

    from synth_hf.text.support import check_support

    cfg = _lift_config(tmp_path, "answer_first", reflection={"grader": "embedding", "max_attempts": 1},
                       expansion={"depth": 1, "attributes_per_node": 1, "personas_per_node": 1,
                                  "attributes_from": "question", "max_new_tokens": 64},
                       annotation={"answer_source": "evidence"})  # fmt: skip
    assert cfg.answer_first_on
    result = run_aide(cfg)
    rows = result.dataset.to_list()
    summary = result.summary
    print(json.dumps({k: summary.get(k) for k in ("drops_by_reason", "llm_calls", "wall_time_s")}, indent=1))
    print(json.dumps([{k: r[k] for k in ("branch", "generator", "question_rejected", "question", "answer")} for r in rows], indent=1))
    assert rows, summary["drops_by_reason"]
    for row in rows:
        evidence = [e["sentence"] for e in row["evidence"]]
        assert row["verified"] is True and row["verification"] == "answer_first"
        composed = row["generator"] in ("two_hop", "constrained")  # add reasoning / add constraints: two facts
        assert len(evidence) == 1 + composed and check_support(row["answer"], evidence).supported, row
    assert max(Counter(e["chunk_id"] for r in rows for e in r["evidence"]).values()) == 1
    assert any(r["branch"] == "attribute" for r in rows), summary["stages"]
    assert summary["stages"]["synthesize_h1"]["counters"]["children_attribute"] == 6  # 2 seeds x 1 x 3 operations


def _lift_config(tmp_path, name: str, **sections) -> AIDEConfig:
    """A grounded AIDE config on the embedded model: knowledge-lift seeds kl-002 and kl-004 (question ->
    gold option), its documents, `sections` on top."""
    mcq = {r["id"]: r for r in map(json.loads, (KNOWLEDGE_LIFT / "mcq.jsonl").read_text().splitlines())}
    seeds = [{"question": mcq[i]["question"], "answer": mcq[i]["options"][mcq[i]["answer"]]} for i in ("kl-002", "kl-004")]
    return AIDEConfig.model_validate({
        "run": {"output_dir": str(tmp_path), "name": name, "use_cache": False, "input_batch_size": 16},
        "engine": {"engine": "transformers", "options": {"batch_size": 16, "structured_retries": 0}},
        "seeds": {"rows": seeds, "task_description": "Answer questions about invented diseases and drugs."},
        "documents": {"source": str(KNOWLEDGE_LIFT / "docs")}, "quality_report": False, **sections,
    })  # fmt: skip
