"""The cards the recipes' workflow writes. The dataset card takes the engines' licences from the run's
summary, the same function `synth-hf publish` uses, so the two cards of one run agree (review: publish
said `unknown`, the recipe `gemma`); the adapter card gets the before/after evaluation table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from datasets import Dataset

from synth_hf.workflow import WorkflowConfig, card_context


def _result(models: dict) -> SimpleNamespace:
    return SimpleNamespace(summary={"stages": {}, "models": models}, dataset=Dataset.from_list([{"x": 1}]),
                           run_dir="/tmp/run")  # fmt: skip


def test_recipe_card_licences_come_from_the_summary_models(tmp_path) -> None:
    loop = WorkflowConfig(method="graphgen", out_dir=tmp_path, licenses=["cc-by-4.0"])
    ctx = card_context(_result({"synthesizer": "vllm:gemma-3-270m (embedded)"}), loop, config={})
    assert ctx["licenses"] == ["gemma", "cc-by-4.0"]  # the recipe's own licences are kept beside it
    ctx = card_context(_result({"synthesizer": "fake", "trainee": "fake"}), loop, config={})
    assert ctx["licenses"] == ["cc-by-4.0"]  # a fake engine runs no model: no model licence


def test_documents_licence_reaches_the_card_or_is_said_to_be_unknown(tmp_path) -> None:
    # the fresh-user review: the corpus is an input of the data too; its licence was silently left out
    loop = WorkflowConfig(method="graphgen", out_dir=tmp_path)
    result = _result({"synthesizer": "fake"})
    result.summary["documents"] = {"source": "my_docs/", "license": "cc-by-nc-4.0"}
    ctx = card_context(result, loop, config={})
    assert ctx["licenses"] == ["cc-by-nc-4.0"] and ctx["license_note"] == ""
    result.summary["documents"] = {"source": "my_docs/", "license": None}
    ctx = card_context(result, loop, config={})
    # undeclared: "unknown", which ranks as restrictive, so the card's licence id is not a permissive one
    assert ctx["licenses"] == ["unknown"] and "source documents (my_docs/) was not declared" in ctx["license_note"]
    from synth_hf.summary import documents_license

    bundled = {"documents": {"source": "synth_hf/data/knowledge_lift/docs", "license": None}}
    assert documents_license(bundled) == ("apache-2.0", "")  # the project's own corpus: the package licence


def test_documents_licence_must_be_a_hub_id() -> None:
    import pytest

    from synth_hf.pipelines.aide_config import DocumentsConfig
    from synth_hf.pipelines.graphgen_config import InputConfig

    assert InputConfig(source="d", license="CC-BY-4.0").license == "cc-by-4.0"
    assert DocumentsConfig(source="d").license is None  # not declared by default
    with pytest.raises(ValueError, match="'my licence' is not a Hub licence id"):
        DocumentsConfig(source="d", license="my licence")
    from synth_hf.pipelines.aide_config import PersonaConfig

    with pytest.raises(ValueError, match="'NotALicence' is not a Hub licence id"):  # the pool's too (review)
        PersonaConfig(source="builtin", license="NotALicence")
    assert PersonaConfig(source="Builtin").source == "builtin"  # not a Hub id (review)
    with pytest.raises(ValueError, match="empty: use 'builtin'"):
        PersonaConfig(source=" ")


def test_close_the_loop_writes_the_evaluation_into_the_adapter_card(tmp_path, monkeypatch) -> None:
    import json

    import synth_hf.evaluation
    import synth_hf.models.resolve
    import synth_hf.train
    from synth_hf.train import TrainResult
    from synth_hf.workflow import close_the_loop

    def fake_train(config, raw_text=None):  # what train_lora leaves in the adapter folder, without torch
        out = Path(config.out)
        out.mkdir(parents=True)
        metrics = {"base_model": "google/gemma-3-270m", "data_sources": {"dataset": config.dataset},
                   "hub_datasets": [], "example_prompt": "q?", "dataset_format": "messages",
                   "chat_template": "plain (synth_hf)", "assistant_only_loss": True, "n_examples": 1,
                   "data_check": None, "raw_text_mix": None, "global_step": 1, "train_loss": 1.0,
                   "train_runtime_s": 1.0, "seconds_per_step": 1.0, "loss_history": [], "device": "cpu",
                   "versions": {}, "hyperparameters": {"max_steps": 1, "epochs": 1, "lr": 2e-4, "lora_r": 8,
                   "lora_alpha": 16, "target_modules": "all-linear", "max_length": 512, "batch_size": 8}}  # fmt: skip
        (out / "train_metrics.json").write_text(json.dumps(metrics))
        return TrainResult(out, 1, 1.0, 1.0, metrics)

    def fake_eval(model, adapter, out_path=None, **sets):
        out_path.parent.mkdir(parents=True, exist_ok=True)
        return {"mcq": {"accuracy": 0.5 if adapter else 0.25}}

    monkeypatch.setattr(synth_hf.train, "train_with_config", fake_train)
    monkeypatch.setattr(synth_hf.evaluation, "evaluate_model", fake_eval)
    monkeypatch.setattr(synth_hf.models.resolve, "resolve_model", lambda ref: "google/gemma-3-270m")
    result = _result({"synthesizer": "fake"})
    result.dataset, result.dropped = Dataset.from_list([{"messages": [{"role": "user", "content": "q?"},
                                                                      {"role": "assistant", "content": "a"}]}]), []  # fmt: skip
    mcq = tmp_path / "mcq.jsonl"
    loop = WorkflowConfig(method="graphgen", out_dir=tmp_path / "out", eval_sets={"mcq": str(mcq), "statements": None})
    close_the_loop(result, loop, config={})
    card = (tmp_path / "out" / "adapter" / "README.md").read_text()
    assert "## Evaluation" in card and "on mcq `mcq.jsonl`" in card and str(tmp_path) not in card  # no local path
    assert "- dataset: `hub`" in card  # the staged data, relative to the run folder
    assert (tmp_path / "out" / "eval" / "comparison.md").read_text() in card
    assert "license: gemma" in card and "base_model: google/gemma-3-270m" in card
