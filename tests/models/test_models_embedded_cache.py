"""Preparing the embedded model: concurrent first use is safe, later use is a no-op."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synth_hf.models.embedded import ensure_embedded_model, is_prepared

pytestmark = pytest.mark.slow

PREPARE = "from synth_hf.models.embedded import ensure_embedded_model; print(ensure_embedded_model())"


def test_concurrent_preparation_then_idempotent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "SYNTH_HF_CACHE": str(cache)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", PREPARE],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = []
    for proc in procs:
        out, err = proc.communicate(timeout=1200)
        assert proc.returncode == 0, err[-3000:]
        outputs.append(out.strip().splitlines()[-1])
    target = cache / "gemma-3-270m-hf"
    assert outputs == [str(target), str(target)]
    assert is_prepared(target)
    assert not list(cache.glob(".gemma-convert-*")), "temporary conversion folders left behind"

    # Second use: same folder, no reconversion (the ready marker is not rewritten).
    monkeypatch.setenv("SYNTH_HF_CACHE", str(cache))
    marker = next(target.glob("synth_hf_ready.json"))
    stamp = marker.stat().st_mtime_ns
    start = time.perf_counter()
    assert ensure_embedded_model() == target
    assert time.perf_counter() - start < 1.0 and marker.stat().st_mtime_ns == stamp

    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(target)
    model = AutoModelForCausalLM.from_pretrained(target)
    ids = tokenizer("Paris is", return_tensors="pt")
    assert ids["input_ids"][0, 0].item() == tokenizer.bos_token_id  # the BOS fix survived saving
    assert model(**ids).logits.shape[-1] >= len(tokenizer) - 1000
