"""Training sized in epochs, and raw source text mixed into (or alone as) the training data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset
from test_loop_model import _chat_rows, tiny_model  # noqa: F401 - the tiny model fixture
from transformers import AutoTokenizer

from synth_hf.train import ensure_chat_template, train_lora
from synth_hf.train_mix import build_mixed_dataset, chat_rows, raw_text_rows

DOC = "Metformin lowers glucose. Amoxicillin treats pneumonia. Lisinopril is an ACE inhibitor."


@pytest.fixture()
def tok(tiny_model: Path):  # noqa: F811
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_model))
    ensure_chat_template(tokenizer)
    return tokenizer


def test_raw_text_row_is_bos_text_eos_all_trained(tok) -> None:
    rows, stats = raw_text_rows([DOC, "   "], tok, max_length=512)
    assert len(rows) == 1 and stats.raw_texts == 2 and stats.raw_empty == 1
    ids = rows[0]["input_ids"]
    assert ids[0] == tok.bos_token_id and ids[-1] == tok.eos_token_id
    assert tok.decode(ids[1:-1]) == DOC
    assert rows[0]["assistant_masks"] == [1] * len(ids)


def test_long_text_is_split_into_fitting_passages_without_loss(tok) -> None:
    long_text = " ".join([DOC] * 12)
    rows, stats = raw_text_rows([long_text], tok, max_length=40)
    assert stats.raw_passages == len(rows) > 1 and stats.raw_truncated == 0
    assert all(len(r["input_ids"]) <= 40 for r in rows)
    rebuilt = " ".join(tok.decode(r["input_ids"][1:-1]).strip() for r in rows)
    assert rebuilt.split() == long_text.split()


def test_raw_text_rejects_non_strings_and_tiny_windows(tok) -> None:
    with pytest.raises(TypeError, match="raw text #1 is int"):
        raw_text_rows([DOC, 3], tok, max_length=64)
    with pytest.raises(ValueError, match="no room"):
        raw_text_rows([DOC], tok, max_length=2)


def test_chat_rows_train_only_the_assistant_turn(tok) -> None:
    data = Dataset.from_list(_chat_rows(2))
    row = chat_rows(data, tok, assistant_only=True)[0]
    trained = [t for t, m in zip(row["input_ids"], row["assistant_masks"]) if m]
    assert tok.decode(trained).strip() == "Amoxicillin treats pneumonia.<eos>"
    assert 0 in row["assistant_masks"]  # the question is context only


def test_mixed_dataset_holds_both_kinds(tok) -> None:
    mixed, stats = build_mixed_dataset(Dataset.from_list(_chat_rows(3)), [DOC, DOC], tok, 128, True)
    assert len(mixed) == 5 and stats.chat_rows == 3 and stats.raw_passages == 2
    assert set(mixed.column_names) == {"input_ids", "assistant_masks"}
    with pytest.raises(ValueError, match="nothing to train on"):
        build_mixed_dataset(None, [" "], tok, 128, True)


def test_epochs_size_training_by_default(tiny_model: Path, tmp_path: Path) -> None:  # noqa: F811
    result = train_lora(Dataset.from_list(_chat_rows(6)), tiny_model, tmp_path / "a", epochs=2, batch_size=2)
    assert result.global_step == 6  # 6 rows / batch 2 x 2 epochs, no step count given
    assert result.metrics["epochs_done"] == pytest.approx(2.0)
    assert result.metrics["raw_text_mix"] is None


def test_train_on_raw_text_alone_and_mixed(tiny_model: Path, tmp_path: Path) -> None:  # noqa: F811
    raw = train_lora(None, tiny_model, tmp_path / "raw", raw_text=[DOC] * 4, epochs=1, batch_size=2, lr=1e-2)
    assert raw.global_step == 2 and raw.metrics["dataset_format"] == "raw_text"
    assert raw.metrics["raw_text_mix"]["raw_passages"] == 4

    out = tmp_path / "mixed"
    mixed = train_lora(
        Dataset.from_list(_chat_rows(4)), tiny_model, out, raw_text=[DOC, DOC], epochs=1, batch_size=3
    )
    metrics = json.loads((out / "train_metrics.json").read_text())
    assert metrics["n_examples"] == 6 and mixed.global_step == 2
    assert metrics["raw_text_mix"]["chat_rows"] == 4 and metrics["assistant_only_loss"] is True
    assert "raw text (2 passages" in (out / "README.md").read_text()
    assert metrics["n_rows"] == 4  # the data rows alone: the card does not count the passages as rows
    assert "- 4 training rows (messages); 2 raw-text passages" in (out / "README.md").read_text()


def test_raw_text_needs_something_to_train_on_and_a_messages_dataset(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nothing to train on"):
        train_lora(None, tmp_path / "no-model", tmp_path / "o", raw_text=[])
    with pytest.raises(TypeError, match="not one string"):
        train_lora(None, tmp_path / "no-model", tmp_path / "o", raw_text=DOC)
    pc = Dataset.from_list([{"prompt": "q", "completion": "a"}])
    with pytest.raises(ValueError, match="only be mixed into a 'messages' dataset"):
        train_lora(pc, tmp_path / "no-model", tmp_path / "o", raw_text=[DOC])


def test_cli_trains_on_raw_text_alone(tiny_model: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    from synth_hf.cli import main

    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"d{i}.md").write_text(DOC, encoding="utf-8")
    out = tmp_path / "cli"
    args = ["train", "--raw-text", str(docs), "--model", str(tiny_model), "--out", str(out)]
    assert main(args + ["--num-train-epochs", "2", "--batch-size", "3"]) == 0
    assert json.loads((out / "train_metrics.json").read_text())["global_step"] == 2
    assert main(["train", "--model", str(tiny_model), "--out", str(out)]) == 2
    assert "nothing to train on" in capsys.readouterr().err
