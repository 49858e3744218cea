"""User mistakes in `synth-hf train` / `publish` give one line on stderr and exit 2, never a traceback;
a run folder is trained on as its dataset/, and `train --dry-run` needs no --out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset
from test_loop_model import tiny_model  # noqa: F401 - the tiny Llama fixture

from synth_hf.cli import main
from synth_hf.train import load_sft_dataset


def _run_dir(tmp_path: Path) -> Path:
    """A folder shaped like graphgen/aide output: dataset/, summary.json and step batches that are no dataset."""
    run = tmp_path / "gg1"
    qa = [{"role": "user", "content": "What lowers glucose?"}, {"role": "assistant", "content": "Metformin."}]
    Dataset.from_list([{"messages": qa, "mode": "atomic"}] * 2).save_to_disk(str(run / "dataset"))
    (run / "summary.json").write_text(json.dumps({"stages": {}}))
    (run / "batches").mkdir()
    (run / "batches" / "chunk.jsonl").write_text('{"chunk": "text", "other": [1]}\n{"x": 1}\n')
    return run


def _one_line_error(err: str) -> None:
    assert "Traceback" not in err and err.count("\n") == 1 and err.startswith("synth-hf: error:"), err


def test_run_folder_is_read_as_its_dataset(tmp_path, capsys):
    run = _run_dir(tmp_path)
    assert load_sft_dataset(run)["mode"] == ["atomic", "atomic"]
    assert f"{run} is a run folder: reading its dataset/" in capsys.readouterr().err


def test_train_dry_run_on_a_run_folder_needs_no_out(tmp_path, tiny_model, capsys):  # noqa: F811
    run = _run_dir(tmp_path)
    assert main(["train", str(run), "--model", str(tiny_model), "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert "dry run: nothing trained" in out and "2 of 2 kept" in out
    assert "run folder" in err and "Traceback" not in err


def test_train_dry_run_reports_the_data_read_and_which_sizing_wins(tmp_path, tiny_model, capsys):  # noqa: F811
    # the fresh-user review: say what was read, and that --max-steps beats --epochs (as in transformers)
    run = _run_dir(tmp_path)
    argv = ["train", str(run), "--model", str(tiny_model), "--out", str(tmp_path / "a"), "--dry-run",
            "--max-steps", "3", "--epochs", "5"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert f"dataset {run}: 2 rows read (messages)" in out
    assert "--max-steps 3 overrides --epochs 5" in out and "max_steps wins over num_train_epochs" in out
    assert f"the adapter would be written to {tmp_path / 'a'}" in out


def test_train_dry_run_names_the_unreadable_data_and_a_file_as_out(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json{\n")
    assert main(["train", str(bad), "--dry-run"]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert err.startswith(f"synth-hf: error: dataset {bad}:")
    assert main(["train", str(_run_dir(tmp_path)), "--out", str(bad), "--dry-run"]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert f"--out {bad} is a file" in err


def test_train_help_says_max_steps_wins_over_epochs(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "when given it wins over --epochs" in text and "unused when --max-steps is given" in text


def test_train_without_dry_run_still_needs_out(tmp_path, capsys):
    assert main(["train", str(_run_dir(tmp_path))]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "--out" in err


@pytest.mark.parametrize("source", ["nope", "./nope", "data/chat.jsonl", "a/b/c"])
def test_train_on_a_missing_dataset_is_one_line(tmp_path, monkeypatch, capsys, source):
    monkeypatch.chdir(tmp_path)
    assert main(["train", source, "--dry-run"]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert repr(source) in err


def test_train_on_an_unreachable_hub_id_is_one_line(tmp_path, monkeypatch, capsys):
    import datasets

    def offline(*args, **kwargs):  # what load_dataset raises with no network (after its retries)
        raise ConnectionError("Couldn't reach 'nope' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(datasets, "load_dataset", offline)
    assert main(["train", "nope", "--out", "x", "--dry-run"]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "'nope' is not a local file or directory" in err and "Couldn't reach" in err


def test_publish_without_token_is_one_line(tmp_path, monkeypatch, capsys):
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)  # no cached login either
    run = _run_dir(tmp_path)
    assert main(["publish", str(run), "--method", "graphgen", "--repo-id", "me/ds"]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "No Hugging Face token" in err and str(run / "hub") in err
    assert (run / "hub" / "README.md").exists()  # staged, kept, nothing uploaded


def test_train_push_to_hub_without_token_fails_before_training(tmp_path, monkeypatch, capsys):
    import huggingface_hub

    import synth_hf.train

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    monkeypatch.setattr(synth_hf.train, "train_with_config", lambda *a, **k: pytest.fail("trained before the check"))
    run = _run_dir(tmp_path)
    assert main(["train", str(run / "dataset"), "--out", str(tmp_path / "a"), "--push-to-hub", "me/adapter"]) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "--push-to-hub me/adapter needs a Hub token" in err


def test_publish_into_a_folder_that_is_not_a_staging_folder_is_one_line(tmp_path, capsys):
    run, project = _run_dir(tmp_path), tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    (project / "data" / "precious.txt").write_text("precious")
    (project / "README.md").write_text("my readme")
    argv = ["publish", str(run), "--method", "graphgen", "--dry-run", "--staging-dir", str(project)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert str(project) in err and "pick an empty or new folder" in err
    assert (project / "data" / "precious.txt").read_text() == "precious"
    assert (project / "README.md").read_text() == "my readme"
    assert main(argv[:-1] + [str(tmp_path / "new")]) == 0  # a new folder is staged, then restaged
    assert main(argv[:-1] + [str(tmp_path / "new")]) == 0


def test_train_into_an_existing_file_is_one_line(tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("x")
    assert main(["train", str(tmp_path / "data"), "--out", str(target)]) == 2  # was [Errno 17] after the model load
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "notes.txt is a file, not a folder" in err


@pytest.mark.parametrize("dry_run", [True, False])
def test_train_refuses_a_folder_of_other_files_but_reuses_an_adapter_folder(tmp_path, capsys, dry_run):
    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}\n')
    project = tmp_path / "project"
    project.mkdir()
    (project / "README.md").write_text("my readme")  # an adapter's card would overwrite it
    argv = ["train", str(data), "--out", str(project)] + (["--dry-run"] if dry_run else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    _one_line_error(err)
    assert "holds other files (README.md)" in err and "pick an empty or new folder" in err
    assert (project / "README.md").read_text() == "my readme"
    if dry_run:  # an earlier adapter's folder is retrained in place
        (project / "adapter_config.json").write_text("{}")
        assert main(argv) == 0


@pytest.mark.parametrize("flag", ["--epochs", "--lr"])
def test_train_refuses_an_infinite_size_or_rate_in_one_line(flag, capsys):
    # the review: --epochs inf passed `> 0` and failed later with a raw OverflowError traceback
    assert main(["train", "--dry-run", flag, "inf"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{flag}:" in err and "finite" in err
