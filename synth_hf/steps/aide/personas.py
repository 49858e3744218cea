"""Persona pools for AIDE: the built-in pool (composed here from lists the project wrote), loading
(Hub / local table, licence kept), embeddings cached on disk by content hash, and per-node top-k
retrieval by cosine similarity."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class PersonaPool:
    texts: list[str]
    source: str  # dataset id / path, or "generated-from-seeds"
    license: str | None = None
    text_column: str | None = None
    stats: dict = field(default_factory=dict)

    def metadata(self) -> dict:
        """What the run summary / dataset card needs to credit the pool."""
        return {
            "source": self.source,
            "license": self.license or "unknown",
            "size": len(self.texts),
            **self.stats,
        }


def clean_pool(texts: Sequence[object]) -> tuple[list[str], dict]:
    """Strip, drop empty and exact-duplicate personas; counts what went."""
    out: list[str] = []
    seen: set[str] = set()
    empty = dupes = 0
    for t in texts:
        text = " ".join(str(t or "").split())
        if not text:
            empty += 1
        elif text.lower() in seen:
            dupes += 1
        else:
            seen.add(text.lower())
            out.append(text)
    return out, {"empty_dropped": empty, "duplicates_dropped": dupes}


BUILTIN = "builtin"  # personas.source value for the pool shipped in synth_hf/data/personas
BUILTIN_LICENSE = "cc0-1.0"
BUILTIN_SIZE = 2000


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def builtin_personas(n: int = BUILTIN_SIZE, seed: int = 0) -> list[str]:
    """`n` distinct personas composed from synth_hf/data/personas/components.json (roles, expertise,
    settings, traits), e.g. 'a skeptical pharmacist in a rural clinic who knows drug interactions and
    dosing'. Deterministic for (n, seed); every role appears about n / #roles times.
    Raises ValueError when n exceeds the number of distinct combinations."""
    import random
    from importlib import resources

    parts = json.loads(resources.files("synth_hf.data.personas").joinpath("components.json").read_text("utf-8"))
    roles, expertise, settings, traits = parts["roles"], parts["expertise"], parts["settings"], parts["traits"]
    if n > len(roles) * len(expertise) * len(settings) * len(traits):
        raise ValueError(f"the built-in persona pool has fewer than {n} distinct personas")
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    i = 0
    while len(out) < n:
        role = roles[i % len(roles)]
        trait, setting, skill = rng.choice(traits), rng.choice(settings), rng.choice(expertise)
        text = f"{_article(trait)} {trait} {role} {setting} who {skill}"
        if text not in seen:
            seen.add(text)
            out.append(text)
        i += 1
    return out


def load_persona_pool(
    source: str,
    *,
    split: str = "train",
    text_column: str = "persona",
    limit: int | None = None,
    license: str | None = None,
) -> PersonaPool:
    """The pool from `source`: "builtin" (the shipped pool, `limit` personas, default 2000), else a Hub
    id or local table with a `text_column`. Raises ValueError for a missing column or an empty pool."""
    if source == BUILTIN:
        texts = builtin_personas(limit or BUILTIN_SIZE)
        return PersonaPool(texts, "synth_hf builtin persona pool", license or BUILTIN_LICENSE, None, {})
    from synth_hf.io.readers import load_table

    table = load_table(source, split)
    if text_column not in table.column_names:
        raise ValueError(
            f"persona dataset {source!r} has no text column {text_column!r}; available columns: "
            f"{table.column_names}. Set personas.text_column."
        )
    if limit is not None:
        table = table.select(range(min(limit, len(table))))
    texts, stats = clean_pool(table[text_column])
    if not texts:
        raise ValueError(f"persona dataset {source!r}: column {text_column!r} has no non-empty text")
    found_license = license or (getattr(table.info, "license", None) or None)
    return PersonaPool(texts, source, found_license, text_column, stats)


POOL_SOURCES = "'builtin', a local persona table, a Hub dataset id, or null (personas generated from the seeds)"


def check_pool_source(source: str) -> str:
    """What `personas.source` names without downloading anything: 'builtin', 'local' (a file or folder
    that exists) or 'hub' (a well-formed Hub dataset id). Lets `--dry-run` report a missing path or a
    malformed id instead of the run failing mid-way. Raises FileNotFoundError / ValueError, one line."""
    if source == BUILTIN:
        return "builtin"
    if Path(source).expanduser().exists():
        return "local"
    from synth_hf.io.readers import _looks_like_path

    if _looks_like_path(source):
        raise FileNotFoundError(f"personas.source {source!r}: no such file or directory; give {POOL_SOURCES}")
    from huggingface_hub.errors import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    try:
        validate_repo_id(source)
    except HFValidationError as err:
        reason = " ".join(str(err).split())
        raise ValueError(f"personas.source {source!r} is neither a local file nor a valid Hub dataset id "
                         f"({reason}); give {POOL_SOURCES}") from None  # fmt: skip
    return "hub"


def pool_for_run(p: Any, kind: str | None, dry_run: bool, pool_path: str) -> dict:
    """The persona pool of a run per `p` (a PersonaConfig; `kind` from `check_pool_source`, None = generate
    from the seeds): saved to `pool_path`, and its metadata for the summary returned. A dry run saves
    nothing: it reads a local table (its text column checked) and leaves a Hub pool undownloaded."""
    if kind is None:
        return {"source": "generated-from-seeds", "license": "same as the generated data"}
    if dry_run and kind != "local":
        return {"source": p.source} | ({"note": "Hub id well-formed; not downloaded in a dry run"} if kind == "hub" else {})
    pool = load_persona_pool(p.source, split=p.split, text_column=p.text_column, limit=p.limit, license=p.license)
    if not dry_run:
        save_pool(pool, pool_path)
    return pool.metadata()


def save_pool(pool: PersonaPool, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(pool), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return path


def read_pool(path: str | Path) -> PersonaPool:
    return PersonaPool(**json.loads(Path(path).read_text(encoding="utf-8")))


# -------------------------------------------------------------------------------- embeddings
_MODELS: dict[str, object] = {}


HASHING = "hashing"  # dependency-free lexical embedder (tests, dry runs); not for real data


def hashing_vectors(texts: Sequence[str], dim: int = 512) -> np.ndarray:
    """Bag of hashed word unigrams and bigrams, L2-normalised: cosine = lexical overlap."""
    out = np.zeros((len(texts), dim), dtype=np.float32)
    for row, text in enumerate(texts):
        words = str(text).lower().split()
        for gram in words + [a + " " + b for a, b in itertools.pairwise(words)]:
            out[row, int(hashlib.md5(gram.encode()).hexdigest()[:8], 16) % dim] += 1.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)


def encode_texts(texts: Sequence[str], model: str | None = None) -> np.ndarray:
    """L2-normalised sentence embeddings with the shared embedder (embedded MiniLM by default;
    model="hashing" for the lexical stand-in). Falls back to sentence-transformers directly
    while synth_hf.models.embeddings is absent."""
    texts = [str(t) for t in texts]
    if model == HASHING:
        return hashing_vectors(texts)
    try:
        from synth_hf.models.embeddings import Embedder
    except ImportError:
        Embedder = None
    if Embedder is not None:
        key = f"embedder:{model}"
        if key not in _MODELS:
            _MODELS[key] = Embedder(model=model)
        return np.asarray(_MODELS[key].encode(texts, normalize=True), dtype=np.float32)  # type: ignore[attr-defined]
    from sentence_transformers import SentenceTransformer

    from synth_hf.models.embedded import embedded_embedder_dir

    key = f"st:{model}"
    if key not in _MODELS:
        _MODELS[key] = SentenceTransformer(model or str(embedded_embedder_dir()), device="cpu")
    vecs = _MODELS[key].encode(texts, normalize_embeddings=True, convert_to_numpy=True)  # type: ignore[attr-defined]
    return np.asarray(vecs, dtype=np.float32).reshape(len(texts), -1)


def embedding_cache_dir(cache_dir: str | None = None) -> Path:
    from synth_hf.models.embedded import cache_root

    return Path(cache_dir) if cache_dir else cache_root() / "persona_embeddings"


def content_key(texts: Sequence[str], model: str | None) -> str:
    digest = hashlib.sha256((model or "embedded-minilm").encode())
    for t in texts:
        digest.update(b"\x00" + t.encode("utf-8"))
    return digest.hexdigest()[:32]


def pool_embeddings(
    texts: Sequence[str], model: str | None = None, cache_dir: str | None = None
) -> np.ndarray:
    """Embeddings of a pool, computed once per (model, content) and reused from disk."""
    folder = embedding_cache_dir(cache_dir)
    path = folder / f"{content_key(texts, model)}.npy"
    if path.exists():
        try:
            vecs = np.load(path)
            if vecs.shape[0] == len(texts):
                return vecs
        except (OSError, ValueError):  # a torn file: recompute
            pass
    vecs = encode_texts(texts, model)
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".npy.tmp")
    with os.fdopen(fd, "wb") as fh:
        np.save(fh, vecs)
    os.replace(tmp, path)  # atomic: concurrent hop steps never read half a file
    return vecs


def top_k(queries: np.ndarray, pool: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
    """Per query, the k most similar pool rows by cosine, best first (ties: lower index)."""
    if k <= 0 or pool.shape[0] == 0:
        return [[] for _ in range(len(queries))]
    q = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    p = pool / np.maximum(np.linalg.norm(pool, axis=1, keepdims=True), 1e-12)
    sims = q @ p.T
    k = min(k, pool.shape[0])
    out = []
    for row in sims:
        order = np.lexsort((np.arange(len(row)), -row))[:k]
        out.append([(int(i), float(row[i])) for i in order])
    return out


class PersonaRetriever:
    def __init__(self, texts: Sequence[str], model: str | None = None, cache_dir: str | None = None) -> None:
        self.texts = list(texts)
        self.model = model
        self.vectors = pool_embeddings(self.texts, model, cache_dir)

    def retrieve(self, queries: Sequence[str], k: int) -> list[list[tuple[str, float]]]:
        if not queries:
            return []
        qv = encode_texts(list(queries), self.model)
        return [[(self.texts[i], s) for i, s in hits] for hits in top_k(qv, self.vectors, k)]
