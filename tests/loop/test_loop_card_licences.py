"""The recipes' dataset card takes the engines' licences from the run's summary, the same function
`synth-hf publish` uses, so the two cards of one run agree (review: publish said `unknown`, the
recipe `gemma`)."""

from __future__ import annotations

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
