"""`synth-hf train --raw-text DOCS --dry-run` with no dataset checks the documents (the fresh-user
review found it refused: "--dry-run checks a dataset: give one"), and a wrong dataset name fails
before the slow tokenizer import."""

from __future__ import annotations

from pathlib import Path

from test_loop_model import tiny_model  # noqa: F401 - the tiny Llama fixture

from synth_hf.cli import main

DOC = "Metformin lowers glucose. Amoxicillin treats pneumonia.\n\nLisinopril is an ACE inhibitor."


def test_dry_run_on_raw_text_alone(tiny_model: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"d{i}.md").write_text(f"{DOC} Document {i}.", encoding="utf-8")
    (docs / "blank.md").write_text("  \n", encoding="utf-8")
    assert main(["train", "--raw-text", str(docs), "--model", str(tiny_model), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "raw text: 3 documents from" in out  # the blank file is an empty document, dropped by the reader
    assert "raw text: 3 texts -> 3 training passages of at most 512 tokens" in out
    assert "training: 1 optimizer step (3 rows, batch 8: 1 per epoch x 1 epoch)" in out  # passages count
    assert "dry run: nothing trained" in out


def test_dry_run_needs_something_to_check(capsys) -> None:
    assert main(["train", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "give a dataset, --raw-text SOURCE, or both" in err and "Traceback" not in err


def test_dry_run_mixing_raw_text_into_prompt_completion_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "d.md").write_text(DOC, encoding="utf-8")
    pc = tmp_path / "pc.jsonl"
    pc.write_text('{"prompt": "q", "completion": "a"}\n', encoding="utf-8")
    assert main(["train", str(pc), "--raw-text", str(tmp_path / "d.md"), "--dry-run"]) == 2
    assert "only be mixed into a 'messages' dataset" in capsys.readouterr().err
