"""Both recipes end to end with reduced sizes: fake synthesizers (fast, deterministic) feeding the
real publish → LoRA training → before/after evaluation on the embedded model."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRAPHGEN_TESTS = ROOT / "tests" / "graphgen"
DATA = ROOT / "synth_hf" / "data"
sys.path.insert(0, str(ROOT / "recipes"))
sys.path.insert(0, str(GRAPHGEN_TESTS))

pytestmark = pytest.mark.slow


def _small_eval_sets(tmp_path):
    mcq = tmp_path / "mcq.jsonl"
    mcq.write_text("".join((DATA / "medqa_sample.jsonl").read_text().splitlines(keepends=True)[:3]))
    statements = tmp_path / "statements.jsonl"
    statements.write_text("".join((DATA / "statements_heldout.jsonl").read_text().splitlines(keepends=True)[:4]))
    return mcq, statements


def test_graphgen_medqa_recipe_end_to_end(tmp_path):
    import graphgen_medqa
    from graphgen_fakes import PIPELINE_DOCS
    from harness import on_worker_path

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"text": d}) + "\n" for d in PIPELINE_DOCS))
    mcq, statements = _small_eval_sets(tmp_path)
    out = tmp_path / "out"
    typed = tmp_path / "typed_mcq.jsonl"
    typed.write_text("".join((DATA / "knowledge_lift" / "mcq.jsonl").read_text().splitlines(keepends=True)[:3]))
    with on_worker_path(GRAPHGEN_TESTS):
        code = graphgen_medqa.main([
            "--corpus", str(corpus), "--out", str(out), "--mcq", str(typed), "--statements", str(statements),
            "--train-steps", "2",
            "--set", "synthesizer.engine=fake",
            "--set", "synthesizer.options={responder: 'graphgen_fakes:respond', yes_scorer: 'graphgen_fakes:judge_yes', name: fake-synth}",
            "--set", "trainee.engine=fake",
            "--set", "trainee.options={yes_scorer: 'graphgen_fakes:trainee_yes', name: fake-trainee}",
            "--set", "run.input_batch_size=4", "--open-qa", str(mcq),
        ])
    assert code == 0
    final = json.loads((out / "final_summary.json").read_text())
    assert final["rows"] > 0 and final["train_steps"] == 2 and final["uploaded"] is None
    card = (out / "hub" / "README.md").read_text()
    assert "graphgen" in card and "synthetic" in card
    assert "local vLLM server" not in card  # fake engines: no server stood in for them
    assert "| self_bleu |" in card and "high by design" in card  # the questions' diversity, explained
    table = (out / "eval" / "comparison.md").read_text()
    assert "| metric | base | adapter |" in table and "mcq" in table.lower()
    base = json.loads((out / "eval" / "base.json").read_text())
    assert base["mcq"]["n"] == 3
    assert "MCQ accuracy, atomic" in table  # the default questions are typed: per-type rows
