"""Closing the loop on the real embedded model: LoRA a few steps, then base vs adapter (slow)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from datasets import Dataset

import synth_hf
from synth_hf.evaluation import compare, evaluate_model, load_rows
from synth_hf.train import train_lora

DATA = Path(synth_hf.__file__).parent / "data"


@pytest.mark.slow
def test_lora_on_embedded_model_then_compare(tmp_path: Path) -> None:
    from synth_hf.models.embedded import ensure_embedded_model

    base = ensure_embedded_model()
    mcq = load_rows(DATA / "medqa_sample.jsonl")[:6]
    # train on the answers of the questions evaluated below: a plumbing check, not a benchmark
    train = Dataset.from_list(
        [
            {
                "messages": [
                    {"role": "user", "content": r["question"]},
                    {"role": "assistant", "content": r["answer"]},
                ]
            }
            for r in mcq
        ]
    )
    start = time.perf_counter()
    result = train_lora(train, base, tmp_path / "adapter", max_steps=4, batch_size=2, lr=1e-3, max_length=128)
    train_s = time.perf_counter() - start
    assert result.global_step == 4
    assert all(math.isfinite(h["loss"]) for h in result.metrics["loss_history"])
    assert (tmp_path / "adapter" / "adapter_model.safetensors").exists()

    kwargs = {
        "mcq": mcq,
        "open_qa": mcq[:3],  # question -> answer text as the reference
        "statements": load_rows(DATA / "statements_heldout.jsonl")[:8],
        "max_new_tokens": 12,
    }
    before = evaluate_model(base, **kwargs)
    after = evaluate_model(base, tmp_path / "adapter", out_path=tmp_path / "after.json", **kwargs)
    table = compare(before, after)
    print(f"\ntrain {train_s:.1f}s ({result.seconds_per_step:.1f} s/step)")
    print("eval timings base", before["timing_s"], "adapter", after["timing_s"])
    print(table)

    assert before["mcq"]["n_scored"] == 6 and before["mcq"]["n_skipped"] == 0
    assert before["calibration"]["n_scored"] == 8
    assert 0.0 < before["calibration"]["mean_covered_mass"] <= 1.0
    # trained on exactly these answers: the adapter must believe them more than the base model
    assert after["mcq"]["gold_logprob"] > before["mcq"]["gold_logprob"]
    assert "| MCQ accuracy (mean log-lik) ↑ |" in table
    assert "| Calibration ECE ↓ |" in table
    assert json.loads((tmp_path / "after.json").read_text())["adapter"].endswith("adapter")
