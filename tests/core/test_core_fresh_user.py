"""Leftovers of a fresh-user review of the CLI: readable --help placeholders, YAML errors that point at
the line, `report --out` into a new folder, per-row figures of an empty run, drop notices of tiny
runs, package files of a shipped corpus, one-row JSONL chat files, an unreachable Hub, and no pydantic
warning from distilabel's RuntimeParameter alias."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synth_hf.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[2]


def _one_line_error(err: str) -> str:
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("synth-hf: error:"), err
    return err.strip()


# ------------------------------------------------------------------------------------------- help
def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


@pytest.mark.parametrize("name", sorted(_subparsers()))
def test_help_placeholders_are_not_internal_names(name, capsys):
    with pytest.raises(SystemExit):
        main([name, "--help"])
    text = capsys.readouterr().out
    assert "CFG:" not in text and "cfg:" not in text, text  # the dest of config flags
    for internal in ("INPUT.SOURCE", "RUN.OUTPUT_DIR", "SEEDS.SOURCE", "RAW_TEXT ", "MAX_STEPS", "PUSH_TO_HUB"):
        assert internal not in text, (internal, text)


def test_train_help_says_raw_text_alone_is_enough(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "[DATASET]" in text and "--raw-text SOURCE" in text and "--out DIR" in text and "--max-steps N" in text
    assert "no DATASET needed" in text and "raw_text)" not in text


# ------------------------------------------------------------------------------------------- YAML
def test_yaml_error_names_file_line_and_column(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("run:\n  name: x\n  output_dir: [a\nfoo: bar: baz\n", encoding="utf-8")
    assert main(["graphgen", "--config", str(bad), "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert f"{bad}:4:4: invalid YAML: expected ',' or ']', but got ':'" in err, err
    assert "starts at 3:15" in err and "<unicode string>" not in err and "^" not in err


def test_yaml_error_without_a_context(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("run:\n  name: x\n   bad: 1\n", encoding="utf-8")
    assert main(["aide", "--config", str(bad), "--dry-run"]) == 2
    assert f"{bad}:3:7: invalid YAML: mapping values are not allowed here" in _one_line_error(capsys.readouterr().err)


def test_bad_set_value_points_at_the_column(capsys):
    assert main(["graphgen", "--set", "run.name=[a", "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "--set run.name: value '[a' is not valid YAML: line 1, column 3:" in err, err


# ----------------------------------------------------------------------------------------- report
def _finished_run(tmp_path: Path) -> Path:
    from datasets import Dataset

    run = tmp_path / "run"
    qa = [{"role": "user", "content": "q?"}, {"role": "assistant", "content": "a."}]
    Dataset.from_list([{"messages": qa, "mode": "atomic"}]).save_to_disk(str(run / "dataset"))
    summary = {"final_rows": 1, "stages": {}, "drops_by_reason": {}, "llm_calls": 0, "llm_tokens": 0}
    (run / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return run


def test_report_out_creates_missing_folders(tmp_path, capsys):
    run = _finished_run(tmp_path)
    target = tmp_path / "new" / "deeper" / "page.html"
    assert main(["report", str(run), "--out", str(target)]) == 0
    assert target.is_file() and "<html" in target.read_text(encoding="utf-8").lower()
    assert main(["report", str(run), "--out", str(tmp_path / "new")]) == 0  # a folder gets report.html
    assert (tmp_path / "new" / "report.html").is_file()


def test_report_out_under_a_file_is_a_clear_error(tmp_path, capsys):
    run = _finished_run(tmp_path)
    (tmp_path / "afile").write_text("x")
    assert main(["report", str(run), "--out", str(tmp_path / "afile" / "r.html")]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "cannot write the report to" in err and "[Errno" not in err


# ------------------------------------------------------------------------------------ run summary
def test_empty_run_prints_per_row_figure_not_none():
    from synth_hf.summary import format_summary

    summary = {"stages": {}, "final_rows": 0, "llm_calls": 12, "llm_tokens": 300, "llm_calls_per_row": None}
    line = format_summary(summary).splitlines()[-1]
    assert "calls/row: n/a (0 rows)" in line and "None" not in line
    assert "calls/row: 2.5" in format_summary({**summary, "final_rows": 4, "llm_calls_per_row": 2.5})


def test_tiny_run_that_lost_most_rows_says_so():
    from synth_hf.runtime.notices import run_notices

    summary = {"stages": {
        "extract": {"in": 3, "out": 1, "dropped": {"no_entities": 2}},
        "judge": {"in": 2, "out": 1, "dropped": {"judge_below_threshold": 1}},  # half is not most
        "verify": {"in": 1, "out": 0, "dropped": {"unsupported": 1}},
    }}  # fmt: skip
    text = "\n".join(run_notices(summary))
    assert "stage extract dropped 2 of 3 rows (67%): no_entities=2" in text
    assert "stage verify dropped 1 of 1 rows (100%)" in text
    assert "judge" not in text


# ---------------------------------------------------------------------------------------- readers
def test_package_corpus_lists_no_package_files(tmp_path, capsys):
    from synth_hf.io.readers import load_text_dataset

    corpus = ROOT / "synth_hf" / "data" / "medical_corpus"
    ds, stats = load_text_dataset(str(corpus))
    assert len(ds) == 4 and stats.skipped_files == []
    assert "__init__" not in capsys.readouterr().err
    # the same in a user's folder: package machinery is skipped silently, other files are still listed
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "doc.md").write_text("Aspirin treats headaches.")
    (tmp_path / "notes.py").write_text("x = 1")
    _, stats = load_text_dataset(str(tmp_path))
    assert [Path(s["path"]).name for s in stats.skipped_files] == ["notes.py"]


CHAT = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]


@pytest.mark.parametrize("name", ["one.jsonl", "one.json"])
def test_one_row_chat_file_keeps_its_messages_column(tmp_path, name):
    from synth_hf.io.readers import load_table
    from synth_hf.train import load_sft_dataset

    path = tmp_path / name
    path.write_text(json.dumps({"messages": CHAT}) + "\n", encoding="utf-8")
    for ds in (load_table(str(path)), load_sft_dataset(path)):
        assert ds.column_names == ["messages"] and ds.num_rows == 1 and ds[0]["messages"] == CHAT


def test_a_json_document_wrapping_its_rows_is_still_unwrapped(tmp_path):
    from synth_hf.io.readers import load_table

    path = tmp_path / "w.json"
    path.write_text(json.dumps({"version": 1, "data": [{"messages": CHAT}, {"messages": CHAT}]}), encoding="utf-8")
    ds = load_table(str(path))
    assert ds.column_names == ["messages"] and ds.num_rows == 2


# -------------------------------------------------------------------------------------------- Hub
def test_unreachable_hub_fails_fast_without_asking_datasets(tmp_path, monkeypatch, capsys):
    import datasets
    from huggingface_hub import constants

    def never(*args, **kwargs):  # datasets would retry for ~36 s before giving up
        raise AssertionError("load_dataset must not be called when the Hub cannot be reached")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", "http://127.0.0.1:9")  # discard port: refused at once
    for key in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setattr(datasets, "load_dataset", never)
    start = time.perf_counter()
    assert main(["train", "someone/data", "--dry-run"]) == 2
    assert time.perf_counter() - start < 10
    err = _one_line_error(capsys.readouterr().err)
    assert "'someone/data' is not a local file or directory" in err and "cannot be reached" in err


def test_a_missing_folder_with_a_trailing_slash_is_not_a_hub_id(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", "--raw-text", "my_docs/", "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "no such file or directory: 'my_docs/'" in err and "Hub" not in err


def test_offline_mode_asks_only_the_cache(tmp_path, monkeypatch):
    import datasets

    from synth_hf.io import hub_load, readers

    calls = []
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(hub_load, "hub_reachable", lambda *a, **k: calls.append("probe") or False)
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append("load") or "cached")
    assert readers._load_hub("someone/data", None) == "cached" and calls == ["load"]


# --------------------------------------------------------------------------------------- pydantic
def test_no_pydantic_field_warning_when_engines_load():
    # the filter is set before synth_hf is imported (-W cannot name a category of a package)
    code = (
        "import warnings; from pydantic.warnings import UnsupportedFieldAttributeWarning as W; "
        "warnings.simplefilter('error', W); "
        "import synth_hf.models, synth_hf.pipelines.graphgen, synth_hf.pipelines.aide"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=str(ROOT), timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_runtime_parameters_keep_their_meaning():
    import warnings
    from typing import Optional

    from distilabel.mixins.runtime_parameters import RuntimeParameter, _is_runtime_parameter
    from pydantic import BaseModel, Field

    with warnings.catch_warnings():
        warnings.simplefilter("error")

        class Params(BaseModel):
            needed: RuntimeParameter[int]
            optional: Optional[RuntimeParameter[int]] = Field(default=None)  # noqa: UP045 - as upstream
            with_default: RuntimeParameter[int] = Field(default=3)

    fields = Params.model_fields
    assert _is_runtime_parameter(fields["needed"]) == (True, False)  # mandatory at run time
    assert _is_runtime_parameter(fields["optional"]) == (True, True)
    assert _is_runtime_parameter(fields["with_default"]) == (True, True)
    assert Params().needed is None and Params().with_default == 3


def test_graphgen_names_the_setting_of_a_missing_or_empty_input(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["graphgen", "--input", "my_docs/x.jsonl", "--dry-run"]) == 2
    err = _one_line_error(capsys.readouterr().err)
    assert "input.source: no such file or directory: 'my_docs/x.jsonl'" in err
    (tmp_path / "head.csv").write_text("text\n")
    assert main(["graphgen", "--input", "head.csv", "--dry-run"]) == 2
    assert "head.csv: a header and no rows" in _one_line_error(capsys.readouterr().err)


def test_aide_and_graphgen_blame_the_setting_that_named_a_bad_source(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cols.csv").write_text("title,body\na,b\n")
    assert main(["graphgen", "--input", "cols.csv", "--dry-run"]) == 2
    assert "input.text_column: column 'text' not found" in _one_line_error(capsys.readouterr().err)
    (tmp_path / "s.jsonl").write_text('{"question": "q?", "answer": "a"}\n')
    argv = ["aide", "--seeds", "s.jsonl", "--set", "seeds.format=qa", "--dry-run"]
    assert main([*argv, "--set", "documents.source=./nodocs"]) == 2
    assert "documents.source: no such file or directory: './nodocs'" in _one_line_error(capsys.readouterr().err)
    (tmp_path / "head.csv").write_text("question,answer\n")
    assert main(["aide", "--seeds", "head.csv", "--set", "seeds.format=qa", "--dry-run"]) == 2
    assert "seeds.source: cannot read" in _one_line_error(capsys.readouterr().err)
