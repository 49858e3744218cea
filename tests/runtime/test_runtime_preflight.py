"""Checks before anything is written: a dry run reads the input and builds the engines (one clear
line when either is wrong); a real run with a bad input or bad engine options leaves no run folder;
read errors that a library logs before raising are said once."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from synth_hf.cli import main
from synth_hf.runtime.logs import ConsoleFilter

ROOT = Path(__file__).resolve().parents[2]
FAKE = ["--set", "synthesizer.engine=fake", "--set", "trainee.engine=fake"]


def _docs(tmp_path: Path) -> str:
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"text": "Aspirin inhibits Cyclooxygenase."}) + "\n", encoding="utf-8")
    return str(path)


def _bad_jsonl(tmp_path: Path) -> str:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "fine"}\n{"text": broken\n', encoding="utf-8")
    return str(path)


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("synth-hf: error: "), err
    return lines[0]


def test_graphgen_dry_run_reads_the_input(tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["graphgen", "--output-dir", str(out), "--dry-run"]
    assert main([*argv, "--input", _docs(tmp_path)]) == 0
    assert "[graphgen] dry run: input" in capsys.readouterr().err
    assert main([*argv, "--input", str(tmp_path / "missing.jsonl")]) == 2
    assert "missing.jsonl" in _one_error_line(capsys)
    assert main([*argv, "--input", _bad_jsonl(tmp_path)]) == 2
    assert "bad.jsonl:2" in _one_error_line(capsys)  # datasets' own log record is not repeated
    assert not out.exists()


def test_graphgen_dry_run_summary_line(tmp_path, capsys):
    assert main(["graphgen", "--input", _docs(tmp_path), "--output-dir", str(tmp_path / "o"), "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "dry run: input" in err and ": 1 documents;" in err and "synthesizer transformers:" in err


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("synthesizer.options.batchsize=3", "synthesizer engine transformers:"),
        ("trainee.options.device=tpu", "trainee engine transformers:"),
        ("synthesizer.model=./no-such-model", "no-such-model"),
    ],
)
def test_graphgen_dry_run_checks_engine_options(tmp_path, capsys, setting, expected):
    code = main(["graphgen", "--input", _docs(tmp_path), "--output-dir", str(tmp_path / "o"),
                 "--set", setting, "--dry-run"])  # fmt: skip
    assert code == 2
    line = _one_error_line(capsys)
    assert expected in line
    assert "batchsize" in line or "device" in line or "no such folder" in line


def test_vllm_preflight_checks_the_hardware_without_loading(tmp_path, capsys):
    code = main(["graphgen", "--input", _docs(tmp_path), "--output-dir", str(tmp_path / "o"), "--set",
                 "trainee.engine=vllm", "--set", "trainee.options.tensor_parallel_size=512", "--dry-run"])  # fmt: skip
    assert code == 2
    assert "trainee engine vllm:" in (line := _one_error_line(capsys)) and "tensor_parallel_size=512" in line


def test_graphgen_run_with_bad_input_or_engine_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    base = ["graphgen", "--output-dir", str(out), *FAKE]
    assert main([*base, "--input", str(tmp_path / "missing.jsonl")]) == 2
    _one_error_line(capsys)
    assert main([*base, "--input", _bad_jsonl(tmp_path)]) == 2
    _one_error_line(capsys)
    assert main([*base, "--input", _docs(tmp_path), "--set", "synthesizer.options.bogus=1"]) == 2
    assert "bogus" in _one_error_line(capsys)
    assert not out.exists()


def test_aide_run_with_bad_seeds_or_engine_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    config = str(ROOT / "recipes" / "configs" / "aide_fake.yaml")
    assert main(["aide", "--seeds", _bad_jsonl(tmp_path), "--output-dir", str(out), "--set", "engine.engine=fake"]) == 2
    assert "bad.jsonl:2" in _one_error_line(capsys)
    assert main(["aide", "--config", config, "--output-dir", str(out), "--set", "engine.options.bogus=1"]) == 2
    assert "synthesizer engine" in (line := _one_error_line(capsys)) and "bogus" in line
    assert main(["aide", "--config", config, "--output-dir", str(out), "--set", "engine.options.bogus=1",
                 "--dry-run"]) == 2  # fmt: skip
    _one_error_line(capsys)
    assert not out.exists()


def test_logged_then_raised_library_errors_stay_off_the_quiet_console(monkeypatch):
    monkeypatch.delenv("SYNTH_HF_LOG_LEVEL", raising=False)
    console = ConsoleFilter()

    def record(name: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, "Failed to read file", None, None)

    assert not console.filter(record("datasets.packaged_modules.json.json"))
    assert console.filter(record("datasets.builder"))  # other library errors still show
    assert console.filter(record("vllm.engine"))
    monkeypatch.setenv("SYNTH_HF_LOG_LEVEL", "INFO")  # -v shows everything
    assert console.filter(record("datasets.packaged_modules.json.json"))


def test_records_held_before_the_run_folder_exists_reach_run_log(tmp_path, monkeypatch):
    from synth_hf.runtime import logs

    monkeypatch.delenv("SYNTH_HF_LOG_LEVEL", raising=False)
    lib = logging.getLogger("some.library")
    logs.install(hold=True)
    lib.info("said while the input was being checked")
    assert not (tmp_path / "run").exists()
    logs.install(tmp_path / "run")
    lib.info("said during the run")
    text = (tmp_path / "run" / logs.RUN_LOG).read_text(encoding="utf-8")
    assert text.index("said while the input was being checked") < text.index("said during the run")
    logs.install(hold=True)
    lib.info("said before a check that failed")
    logs.install()  # no run folder after all: the held records are dropped, nothing is written
    assert "before a check that failed" not in (tmp_path / "run" / logs.RUN_LOG).read_text(encoding="utf-8")


def test_library_stream_handlers_are_adopted_before_any_read():
    from synth_hf.runtime import logs

    logs.install()
    # datasets and huggingface_hub print through their own stderr handlers (e.g. "Retrying in 8s"
    # while the Hub is unreachable); after install their records go through ours
    for name in ("datasets", "huggingface_hub"):
        lib = logging.getLogger(name)
        assert not [h for h in lib.handlers if type(h) is logging.StreamHandler], name
        assert lib.propagate
