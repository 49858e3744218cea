"""AIDE end to end on the fake model: exact branching counts, residual hops, no leaf extraction,
reflection drops, row budget, provenance tree, bad input."""

import json
import os
import re
from pathlib import Path

import pytest

from synth_hf.pipelines.aide import _build, build_aide, run_aide
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.steps.aide.fake_responder import existing_item, generation, kind, last_item, respond
from synth_hf.steps.common.ledger import Ledger

SEEDS = [
    {"question": "SEEDALPHA how do volcanoes form?", "answer": "magma rises through the crust"},
    {"question": "SEEDBETA why is the sky blue?", "answer": "rayleigh scattering of sunlight"},
]
SEED_TEXTS = {"seed-0": SEEDS[0]["question"], "seed-1": SEEDS[1]["question"]}
LOG_ENV = "AIDE_TEST_PROMPT_LOG"


# ---- responders (module level: the engine imports them by path inside distilabel's workers) ----
def log_and_respond(prompt: str, index: int) -> str:
    path = os.environ.get(LOG_ENV)
    if path:
        with open(path, "a", encoding="utf-8") as fh:  # one write per line: safe across processes
            fh.write(json.dumps({"kind": kind(prompt), "prompt": prompt}) + "\n")
    return respond(prompt, index)


def reflection_responder(prompt: str, index: int) -> str:
    """Persona children always copy their parent (low diversity: the persona branch's test);
    add_reasoning children drift off the task until the grader's feedback is in the prompt (low
    relevance: the attribute branch's test)."""
    what = kind(prompt)
    reply = log_and_respond(prompt, index)
    if what == "persona_synthesis":
        return reply.replace("gen1", "gen1 samecopy", 1)
    if what == "operation_synthesis" and '"add_reasoning"' in prompt and "Rejected attempt" not in prompt:
        return reply.replace("gen1", "gen1 offtopic", 1)
    if what == "grade":
        new = re.findall(r"^New: (.*)$", prompt, re.MULTILINE)[-1]  # the first one is the worked example
        if "offtopic" in new:  # diversity is high: it would pass a persona child's test
            return json.dumps({"relevance": 2, "diversity": 9, "feedback": "off topic"})
        if "samecopy" in new:  # relevance is high: it would pass an attribute child's test
            return json.dumps({"relevance": 9, "diversity": 2, "feedback": "too close to the parent"})
    return reply


def _config(tmp_path: Path, name: str, responder: str = "log_and_respond", **sections) -> AIDEConfig:
    data = {
        "run": {"output_dir": str(tmp_path), "name": name, "use_cache": False, "input_batch_size": 8},
        "engine": {"engine": "fake", "options": {"responder": f"{__name__}:{responder}"}},
        "seeds": {"rows": SEEDS},
        "personas": {"source": None, "embedder": "hashing", "cache_dir": str(tmp_path / "emb")},
        "reflection": {"enabled": False},  # on by default; the reflection test turns it on
        "quality_report": False,
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return AIDEConfig.model_validate(data)


def _log(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def _synthesis_hop(prompt: str) -> int:
    return generation(existing_item(prompt)) + 1


def _stages(result) -> dict:
    return result.summary["stages"]


# --------------------------------------------------------------------------------------- tests
@pytest.fixture(scope="module")
def main_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("aide_main")
    log = tmp / "prompts.jsonl"
    os.environ[LOG_ENV] = str(log)
    try:
        cfg = _config(
            tmp,
            "main",
            expansion={
                "depth": 2,
                "attributes_per_node": 2,
                "operations_per_node": 3,
                "personas_per_node": 2,
            },
            quality_report=True,
        )
        result = run_aide(cfg)
    finally:
        os.environ.pop(LOG_ENV, None)
    return result, _log(log)


def test_exact_counts_from_branching(main_run):
    result, _ = main_run
    stages = _stages(result)
    h1, h2 = stages["synthesize_h1"]["counters"], stages["synthesize_h2"]["counters"]
    # 2 seeds x (2 attributes x 3 operations + 2 personas) = 16; 16 x 8 = 128
    assert (h1["children"], h1["children_attribute"], h1["children_persona"]) == (16, 12, 4)
    assert (h2["children"], h2["children_attribute"], h2["children_persona"]) == (128, 96, 32)
    assert len(result.dataset) == 144 and result.summary["rows_per_hop"] == {"1": 16, "2": 128}
    # calls: 2 persona-pool + 18 extraction + 144 synthesis + 144 annotation
    assert result.summary["llm_calls"] == 2 + 18 + 144 + 144


def test_no_leaf_is_extracted(main_run):
    result, log = main_run
    stages = _stages(result)
    assert stages["extract_attributes_h1"]["llm_calls"] == 2
    assert stages["extract_attributes_h2"]["llm_calls"] == 16
    extracted = [last_item(e["prompt"]) for e in log if e["kind"] == "extract"]
    assert len(extracted) == 18 and all(generation(q) <= 1 for q in extracted)
    rows = result.dataset.to_list()
    assert all(r["topic"] is None and r["extraction_raw"] is None for r in rows if r["hop"] == 2)
    assert all(r["topic"] and len(r["attributes"]) == 2 for r in rows if r["hop"] == 1)


def test_provenance_rebuilds_the_tree_and_seeds_never_leak(main_run):
    result, _ = main_run
    rows = {r["row_id"]: r for r in result.dataset.to_list()}
    assert len(rows) == 144
    for row in rows.values():
        parent = rows.get(row["parent_id"])
        if row["hop"] == 1:
            assert row["parent_id"] == row["seed_id"] and parent is None
        else:
            assert parent["hop"] == row["hop"] - 1 and parent["seed_id"] == row["seed_id"]
        assert row["messages"][0] == {"role": "user", "content": row["question"]}
        assert row["messages"][1]["content"] == row["answer"] and row["agreed"] is True and row["verified"] is False
        assert row["synth_model"] == "fake" and row["method"] == "aide"
        assert (row["operation"] is None) == (row["branch"] == "persona")
        assert (row["persona"] is None) == (row["branch"] == "attribute")
    assert not set(SEED_TEXTS.values()) & {r["question"] for r in rows.values()}
    assert (result.run_dir / "exports" / "messages.jsonl").exists()


def test_every_synthesis_prompt_has_its_own_seed_by_default(main_run):
    _result, log = main_run
    synth = [e["prompt"] for e in log if e["kind"] in ("operation_synthesis", "persona_synthesis")]
    assert len(synth) == 144
    for prompt in synth:
        assert sum(seed in prompt for seed in SEED_TEXTS.values()) == 1


def test_quality_report_and_summary(main_run):
    result, _ = main_run
    report = json.loads((result.run_dir / "quality.json").read_text())
    assert set(report["per_hop"]) == {"1", "2"} and report["overall"]["rows"] == 144
    for block in report["per_hop"].values():
        assert {"self_bleu", "distinct_1", "distinct_2", "seed_similarity"} <= set(block)
    assert result.summary["persona_pool"]["source"] == "generated-from-seeds"
    assert result.summary["residual_hops"] == [1, 2]


def test_seed_is_in_synthesis_prompts_exactly_at_residual_hops(tmp_path, monkeypatch):
    log = tmp_path / "prompts.jsonl"
    monkeypatch.setenv(LOG_ENV, str(log))
    cfg = _config(
        tmp_path,
        "residual",
        expansion={
            "depth": 3,
            "residual_depth": 2,
            "attributes_per_node": 1,
            "operations_per_node": 1,
            "personas_per_node": 1,
        },
    )
    result = run_aide(cfg)
    assert result.summary["rows_per_hop"] == {"1": 4, "2": 8, "3": 16}
    by_hop: dict[tuple[int, str], list[str]] = {}
    for e in _log(log):
        if e["kind"] in ("operation_synthesis", "persona_synthesis"):
            by_hop.setdefault((_synthesis_hop(e["prompt"]), e["kind"]), []).append(e["prompt"])
    assert {k: len(v) for k, v in by_hop.items()} == {
        (1, "operation_synthesis"): 2,
        (1, "persona_synthesis"): 2,
        (2, "operation_synthesis"): 4,
        (2, "persona_synthesis"): 4,
        (3, "operation_synthesis"): 8,
        (3, "persona_synthesis"): 8,
    }
    for (hop, _), prompts in by_hop.items():
        for prompt in prompts:
            present = any(seed in prompt for seed in SEED_TEXTS.values())
            assert present == (hop <= 2), (hop, prompt)
    residual = {r["hop"]: r["residual"] for r in result.dataset.to_list()}
    assert residual == {1: True, 2: True, 3: False}


def test_reflection_drops_what_keeps_failing(tmp_path):
    pool = tmp_path / "pool.jsonl"
    pool.write_text(
        "".join(json.dumps({"text": f"persona number {i} who likes topic {i}"}) + "\n" for i in range(6))
    )
    cfg = _config(
        tmp_path,
        "reflect",
        responder="reflection_responder",
        expansion={"depth": 1, "attributes_per_node": 1, "operations_per_node": 3, "personas_per_node": 2},
        personas={"source": str(pool), "text_column": "text", "license": "cc0-1.0"},
        reflection={"enabled": True, "max_attempts": 2, "min_relevance": 6, "min_diversity": 5},
    )
    result = run_aide(cfg)
    stage = _stages(result)["reflect_h1"]
    # 10 children: 4 persona rows fail 3 gradings and 2 re-syntheses each; 2 add_reasoning rows
    # fail once and pass after one re-synthesis; 4 pass at once.
    assert stage["counters"] == {
        "graded": 10,
        "resynthesized": 10,
        "resynthesis_unparsed": 0,
        "passed_first_try": 4,
        "reflection_failed": 4,
        "copies_skipped_grading": 0,
    }
    assert stage["llm_calls"] == (10 + 6 + 4) + (6 + 4)
    assert stage["dropped"] == {"reflection_failed": 4}
    assert result.summary["drops_by_reason"]["reflection_failed"] == 4
    rows = result.dataset.to_list()
    assert len(rows) == 6 and all(r["branch"] == "attribute" for r in rows)
    recovered = [r for r in rows if r["operation"] == "add_reasoning"]
    assert len(recovered) == 2 and all(
        r["reflection_attempts"] == 1 and "offtopic" not in r["question"] for r in recovered
    )
    assert all(r["relevance"] >= 6 and r["diversity"] >= 5 and r["grader_model"] == "fake" for r in rows)
    dropped = [json.loads(r) for r in result.dropped["row"]]
    assert sum(d["branch"] == "persona" and d["reflection_attempts"] == 2 for d in dropped) == 4
    assert result.summary["persona_pool"]["license"] == "cc0-1.0"


def test_row_budget_limits_children_and_extraction(tmp_path):
    from synth_hf.cli import main

    cfg_path = tmp_path / "aide.yaml"
    cfg = _config(
        tmp_path,
        "budget",
        expansion={"depth": 2, "attributes_per_node": 2, "operations_per_node": 3, "personas_per_node": 2},
    )
    cfg_path.write_text(json.dumps(cfg.model_dump(mode="json")))  # JSON is YAML
    assert main(["aide", "--config", str(cfg_path), "expansion.max_rows=20"]) == 0
    stages = Ledger(tmp_path / "budget" / "ledger").stage_summary()
    assert stages["synthesize_h1"]["counters"]["children"] == 16
    assert stages["synthesize_h2"]["counters"]["children"] == 4
    # spread over the seeds (2 each), each seed filling one parent: 2 extraction calls, not 4
    assert stages["plan_h2"]["counters"] == {
        "frontier": 16,
        "expanding": 2,
        "leaves": 14,
        "planned_children": 4,
    }
    assert stages["extract_attributes_h2"]["llm_calls"] == 2
    summary = json.loads((tmp_path / "budget" / "summary.json").read_text())
    assert summary["final_rows"] == 20 and summary["rows_per_hop"] == {"1": 16, "2": 4}
    seeds_of_hop2 = [
        json.loads(line)["seed_id"]
        for line in (tmp_path / "budget" / "exports" / "messages.jsonl").read_text().splitlines()
        if json.loads(line)["hop"] == 2
    ]
    assert sorted(seeds_of_hop2) == ["seed-0", "seed-0", "seed-1", "seed-1"]  # spread over seeds


# ---------------------------------------------------------------------------------- bad input
def test_bad_seed_input_is_reported(tmp_path):
    with pytest.raises(ValueError, match="asked for 3 seeds but inline rows has only 2 valid rows"):
        build_aide(_config(tmp_path, "few", seeds={"num_seeds": 3}))
    with pytest.raises(ValueError, match=r"no column 'response' \(seeds.answer_column\).*available columns"):
        build_aide(_config(tmp_path, "cols", seeds={"answer_column": "response"}))
    with pytest.raises(ValueError, match="no valid seed row"):
        build_aide(_config(tmp_path, "empty", seeds={"rows": [{"question": " ", "answer": "x"}]}))
    rows = SEEDS + [{"question": "", "answer": "x"}, {"question": "q3", "answer": None}, SEEDS[0]]
    info = _build(_config(tmp_path, "counted", seeds={"rows": rows}))[1]
    assert len(info.seeds) == 2
    assert info.invalid_seeds == {"empty_question": 1, "empty_answer": 1, "duplicate_seed": 1}
    assert not (tmp_path / "counted" / "ledger").exists()  # building writes no accounting; the run does


def test_bad_persona_dataset_is_reported(tmp_path):
    pool = tmp_path / "pool.jsonl"
    pool.write_text(json.dumps({"description": "a sailor"}) + "\n")
    with pytest.raises(ValueError, match="no text column 'persona'"):
        build_aide(_config(tmp_path, "p", personas={"source": str(pool)}))


def test_cli_dry_run_lists_stages_and_rejects_k0(tmp_path, capsys):
    from synth_hf.cli import main

    cfg_path = tmp_path / "aide.yaml"
    cfg_path.write_text(json.dumps(_config(tmp_path, "dry").model_dump(mode="json")))
    assert main(["aide", "--config", str(cfg_path), "--dry-run", "reflection.enabled=true"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stages"] == [
        "load_seeds",
        "persona_pool",
        "plan_h1",
        "extract_attributes_h1",
        "join_persona_pool",
        "retrieve_personas_h1",
        "synthesize_h1",
        "reflect_h1",
        "dedup_h1",
        "annotate_h1",
        "plan_h2",
        "extract_attributes_h2",
        "retrieve_personas_h2",
        "synthesize_h2",
        "reflect_h2",
        "dedup_h2",
        "annotate_h2",
        "format_aide",
    ]
    assert main(["aide", "--config", str(cfg_path), "--dry-run", "expansion.depth=0"]) == 2
    assert "K=0" in capsys.readouterr().err


def test_an_ungrounded_run_says_its_rows_are_unverified(main_run):
    # fresh-user report: every row verified: false and notices: [], then training kept 0 rows
    result, _ = main_run
    assert result.summary["unverified_rows"] == 144
    (note,) = [n for n in result.summary["notices"] if "verified" in n]
    assert note.startswith("none of the 144 rows is verified") and "documents.source" in note
    assert "--include-unverified" in note
