"""Second fresh-user review: Hub model ids without the Hub fail fast, `report --out` folders,
`python -m synth_hf`, config errors blamed on the item typed and free of pydantic's prefixes, and the
end-of-run messages of AIDE and GraphGen runs (unverified rows, no rows, a probe with nothing to probe)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_core_fresh_user import _finished_run

from synth_hf.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _one_line_error(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("synth-hf: error:"), err
    return err.strip()


# ------------------------------------------------------------------------------- Hub model ids
@pytest.fixture
def no_hub(monkeypatch, tmp_path):
    """The Hub unreachable (without waiting for a real timeout) and an empty Hugging Face cache."""
    from huggingface_hub import constants

    from synth_hf.io import hub_load

    for key in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hf_cache"))
    probes = []
    monkeypatch.setattr(hub_load, "hub_reachable", lambda *a, **k: probes.append(1) or False)
    return probes


def _never(*args, **kwargs):
    raise AssertionError("a model was asked of transformers although the Hub cannot be reached")


def test_train_with_a_hub_model_id_offline_is_one_fast_line(no_hub, tmp_path, monkeypatch, capsys):
    import transformers

    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", _never)
    data = tmp_path / "rows.jsonl"
    data.write_text(json.dumps({"messages": [{"role": "user", "content": "q"},
                                             {"role": "assistant", "content": "a"}]}) + "\n")  # fmt: skip
    start = time.perf_counter()
    assert main(["train", str(data), "--dry-run", "--model", "Qwen/Qwen2.5-0.5B"]) == 2
    assert time.perf_counter() - start < 10 and no_hub == [1]
    err = _one_line_error(capsys.readouterr().err)
    assert "'Qwen/Qwen2.5-0.5B' is not a local folder nor in the Hugging Face cache" in err
    assert "cannot be reached" in err


def test_eval_and_engines_check_a_hub_model_id(no_hub, tmp_path, capsys):
    mcq = ROOT / "synth_hf" / "data" / "medqa_sample.jsonl"
    assert main(["eval", "--mcq", str(mcq), "--model", "org/name", "--dry-run"]) == 2
    assert "'org/name' is not a local folder" in _one_line_error(capsys.readouterr().err)
    config = str(ROOT / "recipes" / "configs" / "graphgen_tiny.yaml")
    assert main(["graphgen", "--config", config, "--set", "synthesizer.model=org/name", "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "synthesizer engine transformers:org/name: model 'org/name' is not a local folder" in err


def test_offline_asks_only_the_cache_and_a_cached_model_is_its_folder(no_hub, monkeypatch, tmp_path):
    from huggingface_hub import constants

    from synth_hf.models.resolve import ModelNotFoundError, resolve_model

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelNotFoundError, match="HF_HUB_OFFLINE is set"):
        resolve_model("org/name")
    assert no_hub == []  # offline: no connection tried
    repo = Path(constants.HF_HUB_CACHE) / "models--org--name"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text("abc123")
    (repo / "snapshots" / "abc123").mkdir(parents=True)
    (repo / "snapshots" / "abc123" / "config.json").write_text("{}")
    assert resolve_model("org/name") == str(repo / "snapshots" / "abc123")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # unreachable Hub, cached model: the cache
    assert resolve_model("org/name") == str(repo / "snapshots" / "abc123") and no_hub == [1]


def test_a_reachable_hub_keeps_the_id(no_hub, monkeypatch):
    from synth_hf.io import hub_load
    from synth_hf.models.resolve import resolve_model

    monkeypatch.setattr(hub_load, "hub_reachable", lambda *a, **k: True)
    assert resolve_model("org/name") == "org/name"


# -------------------------------------------------------------------------------- report --out
def test_report_out_folder_forms(tmp_path, capsys):
    run = _finished_run(tmp_path)
    assert main(["report", str(run), "--out", f"{tmp_path}/x/a/b/"]) == 0  # trailing slash: a folder
    assert (tmp_path / "x" / "a" / "b" / "report.html").is_file()
    assert main(["report", str(run), "--out", str(tmp_path / "plain")]) == 0  # new, no suffix: a folder
    assert (tmp_path / "plain" / "report.html").is_file()
    assert main(["report", str(run), "--out", str(tmp_path / "p.html")]) == 0  # a suffix: the file
    assert (tmp_path / "p.html").is_file()
    (tmp_path / "existing").write_text("old")  # an existing file stays the target
    assert main(["report", str(run), "--out", str(tmp_path / "existing")]) == 0
    assert "<html" in (tmp_path / "existing").read_text().lower()


def test_report_out_below_a_file_says_not_a_directory(tmp_path, capsys):
    run = _finished_run(tmp_path)
    (tmp_path / "afile").write_text("x")
    capsys.readouterr()
    for out in (tmp_path / "afile" / "x", tmp_path / "afile" / "deeper" / "r.html"):
        assert main(["report", str(run), "--out", str(out)]) == 2
        err = _one_line_error(capsys.readouterr().err)
        assert "Not a directory" in err and "File exists" not in err and "afile' is a file" in err


# ------------------------------------------------------------------------------- python -m
def test_python_dash_m_synth_hf_is_the_cli():
    proc = subprocess.run([sys.executable, "-m", "synth_hf", "--help"], capture_output=True, text=True,
                          cwd=str(ROOT), timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: synth-hf" in proc.stdout and "graphgen" in proc.stdout


# ------------------------------------------------------------------------------- config errors
def test_a_trailing_override_is_not_called_set_and_no_pydantic_prefix(capsys):
    config = str(ROOT / "recipes" / "configs" / "aide_fake.yaml")
    assert main(["aide", "--config", config, "expansion.depth=0", "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "override expansion.depth=0:" in err and "--set" not in err and "Value error" not in err
    assert main(["aide", "--config", config, "expansion.depth", "--dry-run"]) == 2
    assert "override expects key.path=value" in _one_line_error(capsys.readouterr().err)
    tiny = str(ROOT / "recipes" / "configs" / "graphgen_tiny.yaml")
    assert main(["graphgen", "--config", tiny, "--set", "generation.modes.atomc=2", "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "--set generation.modes.atomc=2: generation.modes: unknown generation modes" in err
    assert "Value error" not in err


# ------------------------------------------------------------------------------- unverified rows
def test_unverified_notice_only_when_most_rows_are_and_says_what_is_not_set():
    from synth_hf.runtime.notices import run_notices

    ungrounded = {"final_rows": 10, "unverified_rows": 7, "config": {"documents": None, "annotation": {}}}
    (note,) = run_notices(ungrounded)
    assert note.startswith("7 of 10 rows are not verified") and "documents.source" in note
    assert run_notices({**ungrounded, "unverified_rows": 5}) == []  # half is not most
    assert run_notices({"final_rows": 0, "unverified_rows": 0}) == []
    grounded = {"final_rows": 4, "unverified_rows": 4,
                "config": {"documents": {"source": "d"}, "annotation": {"evidence_fallback": False}}}  # fmt: skip
    (note,) = run_notices(grounded)
    assert "annotation.evidence_fallback=true" in note and "documents.source" not in note
    grounded["config"]["annotation"]["evidence_fallback"] = True
    assert "evidence_fallback" not in run_notices(grounded)[0]
    grounded["config"]["annotation"] = {"evidence_fallback": False, "answer_source": "evidence"}
    assert "evidence_fallback" not in run_notices(grounded)[0]  # evidence answers already


# ------------------------------------------------------------------------------- run messages
def test_no_rows_hint_suggests_only_what_is_not_set():
    from synth_hf.workflow import no_rows_hint

    medqa = {"documents": {"source": "d"}, "annotation": {"evidence_fallback": True}, "expansion": {"max_rows": 80}}
    hint = no_rows_hint("aide", medqa)
    assert "evidence_fallback" not in hint and "expansion.max_rows" in hint and hint.startswith("try more seeds")
    medqa["annotation"]["evidence_fallback"] = False
    assert "--set annotation.evidence_fallback=true" in no_rows_hint("aide", medqa)
    medqa["annotation"]["answer_source"] = "evidence"  # the recipe's setting: the evidence answers already
    assert "evidence_fallback" not in no_rows_hint("aide", medqa)
    ungrounded = {"documents": None, "annotation": {}, "expansion": {"max_rows": None}}
    hint = no_rows_hint("aide", ungrounded)  # the fallback needs documents; no cap to raise
    assert "evidence_fallback" not in hint and "max_rows" not in hint and "--set documents.source=DIR" in hint
    assert "documents.source" not in no_rows_hint("aide", medqa)  # set already: not suggested
    assert "recipe.num_seeds" not in hint  # not an option of `synth-hf aide`
    assert "rows_per_fact" not in no_rows_hint("graphgen", {"generation": {"rows_per_fact": 2}})
    assert "rows_per_fact=2" in no_rows_hint("graphgen", {"generation": {"rows_per_fact": 1}})


def test_recipe_names_the_fake_engine_as_no_model():
    sys.path.insert(0, str(ROOT / "recipes"))
    import aide_medqa

    args = aide_medqa.build_parser().parse_args(["--out", "/tmp/unused", "--engine", "fake"])
    config, _, _ = aide_medqa.build_config(args)
    assert config.engine.describe() == "fake"


def test_a_flat_probe_is_noted_once():
    from synth_hf.runtime.notices import run_notices

    summary = {"calibration": {"n_statements": 40, "covered_mass_mean": 0.01}, "probe_signal": {"flat": True},
               "warnings": ["flat trainee probe: yes/no tokens covered 1%; subgraphs follow graph order"]}  # fmt: skip
    assert run_notices(summary) == summary["warnings"]
