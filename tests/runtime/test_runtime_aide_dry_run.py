"""`synth-hf aide --dry-run` checks seeds, documents and engines, prints what a run would do
(seeds read, engines, stages, planned rows and LLM calls, run folder) and writes nothing; the plan
matches what a run on the fake model then spends; a real run names its run folder first."""

from __future__ import annotations

import json
from pathlib import Path

from synth_hf.cli import main
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.pipelines.aide_plan import plan_aide
from synth_hf.steps.common.ledger import Ledger

SEEDS = [
    {"question": "How do volcanoes form?", "answer": "magma rises"},
    {"question": "Why is the sky blue?", "answer": "Rayleigh scattering"},
    {"question": " ", "answer": "refused: empty question"},
]
FAKE = {"engine": "fake", "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"}}


def _config(tmp_path: Path, **sections) -> dict:
    config = {
        "run": {"output_dir": str(tmp_path / "out"), "name": "dry", "use_cache": False, "input_batch_size": 8},
        "engine": FAKE,
        "seeds": {"rows": SEEDS},
        "expansion": {"depth": 2, "attributes_per_node": 1, "operations_per_node": 2, "personas_per_node": 1},
        "personas": {"source": None, "embedder": "hashing", "cache_dir": str(tmp_path / "emb")},
        "reflection": {"enabled": True, "max_attempts": 1},
        "quality_report": False,
    }
    return config | sections


def _write(tmp_path: Path, config: dict) -> str:
    path = tmp_path / "aide.yaml"
    path.write_text(json.dumps(config))  # JSON is YAML
    return str(path)


def test_aide_dry_run_reports_the_plan_and_writes_nothing(tmp_path, capsys):
    cfg_path = _write(tmp_path, _config(tmp_path))
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["aide", "--config", cfg_path, "--dry-run"]) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)
    stages = report["stages"]
    assert stages[0] == "load_seeds" and "persona_pool" in stages and stages[-1] == "format_aide"
    assert report["seeds"] == {"source": "inline rows", "valid": 2, "refused": {"empty_question": 1}}
    assert report["engines"] == {"synthesizer": "fake:fake", "grader": "fake:fake", "annotator": "fake:fake"}
    assert report["run_folder"] == str(tmp_path / "out" / "dry")
    planned = report["planned"]
    assert planned["rows_per_hop"] == {"1": 6, "2": 18} and planned["rows"] == 24  # 2 seeds x 3, then x 3
    assert set(planned["llm_calls"]) <= set(stages)  # every planned call belongs to a stage of the run
    line = captured.err.strip().splitlines()[-1]
    for part in ("seeds inline rows: 2 valid (empty_question=1 refused)", "no documents",
                 "engines: synthesizer fake:fake", f"{len(stages)} stages", "at most 24 rows over 2 hop(s)",
                 f"{planned['llm_calls_total']} LLM calls", f"run folder {tmp_path / 'out' / 'dry'}",
                 "nothing written"):  # fmt: skip
        assert part in line, (part, line)
    assert not (tmp_path / "out").exists()  # no seeds file, ledger line, persona pool or cache
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_planned_calls_match_a_fake_run_and_the_run_folder_comes_first(tmp_path, capsys):
    # a row budget (max_rows) and reflection on: the fake grader passes every row the first time
    config = _config(tmp_path, personas={"source": "builtin", "embedder": "hashing",
                                         "cache_dir": str(tmp_path / "emb")})  # fmt: skip
    config["expansion"]["max_rows"] = 10
    cfg_path = _write(tmp_path, config)
    assert main(["aide", "--config", cfg_path, "--dry-run"]) == 0
    planned = json.loads(capsys.readouterr().out)["planned"]
    assert planned["rows_per_hop"] == {"1": 6, "2": 4}
    assert main(["aide", "--config", cfg_path]) == 0
    out = capsys.readouterr().out
    run_dir = tmp_path / "out" / "dry"
    assert out.splitlines()[0] == f"[aide] run folder: {run_dir}"
    spent = {name: s["llm_calls"] for name, s in Ledger(run_dir / "ledger").stage_summary().items()}
    assert {name: n for name, n in spent.items() if n} == {k: v for k, v in planned["llm_calls"].items() if v}
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["llm_calls"] == planned["llm_calls_total"]
    assert summary["rows_per_hop"] == {str(h): n for h, n in planned["rows_per_hop"].items()}


def test_plan_follows_the_config():
    base = {"seeds": {"rows": SEEDS[:2]}, "expansion": {"depth": 1, "attributes_per_node": 2,
            "operations_per_node": 3, "personas_per_node": 1}}  # fmt: skip
    plan = plan_aide(AIDEConfig.model_validate(base), 10)
    assert plan["rows_per_hop"] == {1: 70} and plan["reflection_retries_max"] == 2 * 70 * 2
    assert plan["llm_calls"] == {"extract_attributes_h1": 10, "synthesize_h1": 70, "reflect_h1": 70, "annotate_h1": 70}
    grounded = AIDEConfig.model_validate(base | {"documents": {"source": "docs"}, "reflection": {"enabled": False},
                                                 "personas": {"source": None}})  # fmt: skip
    plan = plan_aide(grounded, 10)  # qa seeds: the grounded annotator answers each question once
    assert plan["llm_calls"]["persona_pool"] == 10 and plan["llm_calls"]["annotate_h1"] == 70
    assert "reflect_h1" not in plan["llm_calls"] and plan["reflection_retries_max"] == 0
    mcq = base | {"documents": {"source": "docs"}, "seeds": {**base["seeds"], "format": "mcq"}}
    assert plan_aide(AIDEConfig.model_validate(mcq), 10)["llm_calls"]["annotate_h1"] == 0  # options graded on evidence
    evol = AIDEConfig.model_validate(base | {"expansion": {**base["expansion"], "method": "evol"}})
    assert not any(k.startswith("extract") for k in plan_aide(evol, 10)["llm_calls"])


def test_dry_run_stdout_is_only_json_when_a_document_is_skipped(tmp_path, capsys):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("Volcanoes form where magma rises through the crust. The sky is blue.\n")
    (docs / "binary.txt").write_bytes(b"\xbd\xff\x00\x01\x02 not text")
    config = str(Path(__file__).resolve().parents[2] / "recipes" / "configs" / "aide_fake.yaml")
    argv = ["aide", "--config", config, "--dry-run", f"documents.source={docs}", f"run.output_dir={tmp_path / 'out'}"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    report = json.loads(captured.out)  # a skip notice on stdout would break `| python -m json.tool`
    assert report["documents"]["skipped_files"][0]["path"] == str(docs / "binary.txt")
    assert f"[aide] documents: skipped {docs / 'binary.txt'}: " in captured.err


def test_dry_run_reports_a_bad_persona_source(tmp_path, capsys):
    # the fresh-user review: a missing persona file or a malformed Hub id failed only mid-run
    for source, said in [(str(tmp_path / "missing.jsonl"), "no such file or directory"),
                         ("not a hub id", "neither a local file nor a valid Hub dataset id")]:  # fmt: skip
        config = _config(tmp_path)
        config["personas"] = config["personas"] | {"source": source}
        assert main(["aide", "--config", _write(tmp_path, config), "--dry-run"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("synth-hf: error: personas.source") and said in err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_dry_run_reads_a_local_persona_table_and_names_a_well_formed_hub_id(tmp_path, capsys):
    pool = tmp_path / "pool.jsonl"
    pool.write_text('{"persona": "a night-shift nurse"}\n{"persona": "a field geologist"}\n')
    config = _config(tmp_path)
    config["personas"] = config["personas"] | {"source": str(pool)}
    assert main(["aide", "--config", _write(tmp_path, config), "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out)["persona_pool"]["size"] == 2
    config["personas"] = config["personas"] | {"source": "some-org/personas"}
    assert main(["aide", "--config", _write(tmp_path, config), "--dry-run"]) == 0
    assert "not downloaded" in json.loads(capsys.readouterr().out)["persona_pool"]["note"]
    assert not (tmp_path / "out").exists()
