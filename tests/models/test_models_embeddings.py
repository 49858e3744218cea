"""Embedder on the embedded all-MiniLM-L6-v2 (small: loads in a few seconds)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from synth_hf.models.embeddings import Embedder


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    return Embedder()


def test_pickles_before_and_after_load() -> None:
    fresh = Embedder(model=None, batch_size=8)
    assert pickle.loads(pickle.dumps(fresh)).batch_size == 8
    fresh.load()
    clone = pickle.loads(pickle.dumps(fresh))
    assert clone._st is None and clone.model is None


def test_encode_shapes_dtype_and_norm(embedder: Embedder) -> None:
    vecs = embedder.encode(
        ["a cat sat on the mat", "quantum chromodynamics", "a kitten on a rug"], batch_size=2
    )
    assert vecs.dtype == np.float32 and vecs.shape == (3, embedder.dim) and embedder.dim == 384
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    assert embedder.encode(["a cat sat on the mat"], normalize=False).shape == (1, 384)


def test_empty_input(embedder: Embedder) -> None:
    empty = embedder.encode([])
    assert empty.shape == (0, 384) and empty.dtype == np.float32


def test_similarity_ranks_paraphrases_higher(embedder: Embedder) -> None:
    sims = embedder.similarity(["a cat sat on the mat"], ["a kitten rested on a rug", "stock markets fell"])
    assert sims.shape == (1, 2) and sims[0, 0] > sims[0, 1]
    vecs = embedder.encode(["x y", "z"])
    assert np.allclose(embedder.similarity(vecs, vecs).diagonal(), 1.0, atol=1e-5)


def test_models_are_shared_per_process() -> None:
    a, b = Embedder(), Embedder()
    assert a.load() is b.load()


def test_unknown_model_path_is_clear(tmp_path) -> None:
    with pytest.raises(ValueError, match="no-such-embedder"):
        Embedder(model=str(tmp_path / "no-such-embedder")).encode(["x"])


def test_many_texts_show_progress_and_encode_the_same(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from synth_hf.models import embeddings

    texts = [f"sentence number {i} about {'cats' if i % 2 else 'stars'}" for i in range(40)]
    quiet = embedder.encode(texts, batch_size=2)  # under pytest: no display, one call
    monkeypatch.setattr(embeddings, "PROGRESS_MIN_TEXTS", 20)
    monkeypatch.setenv("SYNTH_HF_PROGRESS", "1")
    shown = embedder.encode(texts, batch_size=2)  # chunks of 16 texts
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("[progress] embedding")]
    assert lines[0].endswith("started (40 texts)") and "done, 40 texts in" in lines[-1] and len(lines) <= 5
    np.testing.assert_allclose(shown, quiet, atol=1e-5)
