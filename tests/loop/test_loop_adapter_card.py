"""The adapter's model card (review of a fresh-user run): Hub metadata for the embedded model
(`base_model: google/gemma-3-270m`, `license: gemma`), a title that names the model and not a local
cache path, the training data and (from the recipes) the evaluation, and a usage snippet that runs
through `generate`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from datasets import Dataset
from test_loop_model import tiny_model  # noqa: F401 - the tiny Llama fixture

from synth_hf.train import train_lora
from synth_hf.train_card import base_model_identity, write_adapter_card


def _metrics(base_model: str, **extra) -> dict:
    return {
        "base_model": base_model, "data_sources": {}, "example_prompt": "What treats pneumonia?",
        "push_to_hub": None, "dataset_format": "messages", "chat_template": "plain (synth_hf)",
        "assistant_only_loss": True, "n_examples": 8, "data_check": None, "raw_text_mix": None,
        "global_step": 2, "train_loss": 1.5, "train_runtime_s": 3.0, "seconds_per_step": 1.5,
        "loss_history": [], "device": "cpu", "versions": {"trl": "1"},
        "hyperparameters": {"max_steps": None, "epochs": 1, "lr": 2e-4, "lora_r": 8, "lora_alpha": 16,
                            "target_modules": "all-linear", "max_length": 512, "batch_size": 8},
        **extra,
    }  # fmt: skip


def _card(path: Path) -> tuple[dict, str]:
    text = path.read_text()
    return yaml.safe_load(text[4:].split("\n---\n", 1)[0]), text


@pytest.fixture
def embedded_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from synth_hf.models.embedded import embedded_model_dir

    monkeypatch.setenv("SYNTH_HF_CACHE", str(tmp_path / "cache"))
    folder = embedded_model_dir()
    folder.mkdir(parents=True)
    return folder


def test_card_of_the_embedded_model_names_its_hub_id_and_licence(tmp_path: Path, embedded_dir: Path) -> None:
    out = tmp_path / "adapter"
    out.mkdir()
    data = tmp_path / "hub"
    data.mkdir()
    metrics = _metrics(str(embedded_dir), data_sources={"dataset": str(data), "raw text": "me/docs"})
    meta, card = _card(write_adapter_card(out, metrics))
    assert meta["base_model"] == "google/gemma-3-270m" and meta["license"] == "gemma"
    assert meta["datasets"] == ["me/docs"]  # a Hub id is metadata; the local folder is not
    assert card.splitlines()[meta_end(card) + 2] == "# LoRA adapter for `gemma-3-270m (embedded)`"
    assert str(embedded_dir) not in card  # no local cache path anywhere
    assert str(tmp_path) not in card  # no absolute path at all: the data relative to the run folder
    assert "- dataset: `hub`" in card and "- raw text: `me/docs` (Hub dataset)" in card
    assert 'adapter = "adapter"' in card
    assert "ensure_embedded_model()" in card and "model.generate(" in card
    assert "## Evaluation" not in card


def meta_end(card: str) -> int:
    """The index of the front matter's closing `---` line."""
    return card.splitlines().index("---", 1)


def test_card_shows_the_evaluation_when_given(tmp_path: Path, embedded_dir: Path) -> None:
    out = tmp_path / "adapter"
    out.mkdir()
    (out / "train_metrics.json").write_text(json.dumps(_metrics(str(embedded_dir))))
    table = "| metric | base | adapter | Δ | better |\n|---|---:|---:|---:|:---:|\n| MCQ accuracy ↑ | 0.250 | 0.500 | +0.250 | yes |"
    _, card = _card(write_adapter_card(out, evaluation={"table": table, "sets": {"mcq": "eval/mcq.jsonl"}}))
    assert "## Evaluation" in card and "on mcq `eval/mcq.jsonl`" in card and table in card


def test_identity_of_a_cached_hub_model_and_of_a_local_folder(tmp_path: Path) -> None:
    snapshot = tmp_path / "hub" / "models--Qwen--Qwen2.5-0.5B" / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "README.md").write_text("---\nlicense: apache-2.0\n---\n# Qwen\n")
    who = base_model_identity(str(snapshot))
    assert (who["name"], who["hub_id"], who["license"], who["load"]) == (
        "Qwen/Qwen2.5-0.5B", "Qwen/Qwen2.5-0.5B", "apache-2.0", "Qwen/Qwen2.5-0.5B")  # fmt: skip
    local = tmp_path / "my-model"
    local.mkdir()
    who = base_model_identity(str(local))
    assert (who["name"], who["hub_id"], who["license"], who["load"]) == ("my-model", None, None, "my-model")
    assert base_model_identity("google/gemma-3-270m")["license"] == "gemma"  # a Hub id, not on disk


def test_trained_adapter_card_snippet_runs_to_generate(tiny_model: Path, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    rows = [{"messages": [{"role": "user", "content": f"What treats pneumonia {i}?"},
                          {"role": "assistant", "content": "Amoxicillin."}]} for i in range(2)]  # fmt: skip
    data = tmp_path / "rows.jsonl"
    Dataset.from_list(rows).to_json(str(data))
    out = tmp_path / "adapter"
    train_lora(str(data), tiny_model, out, max_steps=1, batch_size=2, lr=1e-3)
    assert json.loads((out / "train_metrics.json").read_text())["hub_datasets"] == []  # a file, not a Hub id
    meta, card = _card(out / "README.md")
    assert "base_model" not in meta and "license" not in meta  # a local folder: no Hub id, no licence claimed
    assert "- dataset: `rows.jsonl`" in card and "2 training rows (messages)" in card
    assert "| learning rate | 0.001 |" in card and str(tmp_path) not in card  # what trained; no local path
    assert f"# LoRA adapter for `{tiny_model.name}`" in card
    snippet = re.search(r"```python\n(.*?)```", card, re.DOTALL).group(1)
    assert '"What treats pneumonia 0?"' in snippet  # the data's own first question
    # the card names the local base folder by its name: point it at the folder, run from the run folder
    snippet = snippet.replace(f'base = "{tiny_model.name}"', f"base = {str(tiny_model)!r}")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    # the card's own snippet, run as a user would paste it: loads base + adapter, generates, decodes
    exec(compile(snippet, "card-snippet", "exec"), scope)  # noqa: S102 - our own generated code
    assert scope["output"].shape[1] >= scope["inputs"]["input_ids"].shape[1]  # generate ran (greedy may stop at once)


def test_card_counts_data_rows_apart_from_raw_text_passages(tmp_path: Path, embedded_dir: Path) -> None:
    # the review: with --raw-text the card said "N training rows" with the passages counted in N
    out = tmp_path / "adapter"
    out.mkdir()
    mix = {"chat_rows": 3, "raw_texts": 2, "raw_passages": 5, "raw_empty": 0, "raw_tokens": 90}
    metrics = _metrics(str(embedded_dir), n_examples=8, n_rows=3, raw_text_mix=mix, epochs_done=2.0)
    _, card = _card(write_adapter_card(out, metrics))
    assert "- 3 training rows (messages); 5 raw-text passages" in card
    assert "2 optimizer steps run (2.0 epochs)" in card


def test_evaluation_sets_are_named_relative_to_the_run_folder(tmp_path: Path, embedded_dir: Path) -> None:
    out = tmp_path / "adapter"
    out.mkdir()
    (out / "train_metrics.json").write_text(json.dumps(_metrics(str(embedded_dir))))
    elsewhere = tmp_path.parent / "shared_eval.jsonl"
    sets = {"mcq": str(tmp_path / "eval" / "mcq.jsonl"), "open_qa": str(elsewhere)}
    _, card = _card(write_adapter_card(out, evaluation={"table": "| t |", "sets": sets}))
    assert "on mcq `eval/mcq.jsonl`, open_qa `shared_eval.jsonl`" in card and str(tmp_path.parent) not in card
