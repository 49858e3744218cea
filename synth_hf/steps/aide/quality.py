"""Quality report for generated data: diversity (Self-BLEU, distinct-n, embedding spread) and relevance
(mean embedding cosine of each row to its seed), overall and per hop; saved as JSON in the run folder."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _diversity(texts: list[str], max_samples: int, seed: int) -> dict[str, Any]:
    from synth_hf.metrics import distinct_n_scores, self_bleu_score

    out: dict[str, Any] = {}
    bleu = self_bleu_score(texts, max_samples=max_samples, seed=seed)
    out["self_bleu"] = round(float(bleu["self_bleu"]), 4)
    distinct = distinct_n_scores(texts, max_n=2)
    out.update({k: round(float(v), 4) for k, v in distinct.items()})
    return out


def seed_similarity(
    texts: Sequence[str], seeds: Sequence[str], embedder: str | None = None, text_vecs: Any = None
) -> list[float]:
    """Cosine of each text to its own seed (pairs aligned by position). `text_vecs`: the texts'
    L2-normalised embeddings when the caller already has them."""
    from synth_hf.steps.aide.personas import encode_texts

    if not texts:
        return []
    unique_seeds = sorted(set(seeds))
    seed_vecs = dict(zip(unique_seeds, encode_texts(unique_seeds, embedder)))
    if text_vecs is None:
        text_vecs = encode_texts(list(texts), embedder)
    return [float(np.dot(v, seed_vecs[s])) for v, s in zip(text_vecs, seeds)]


def embedding_spread(vectors: Any) -> float | None:
    """Mean pairwise cosine distance (1 - cosine) of L2-normalised row embeddings, shape (n, d):
    0 = every row says the same, higher = more spread out. None for fewer than two rows."""
    v = np.asarray(vectors, dtype=np.float64)
    n = len(v)
    if n < 2:
        return None
    total = v.sum(axis=0)
    mean_cos = (float(total @ total) - float((v * v).sum())) / (n * (n - 1))  # off-diagonal mean
    return 1.0 - mean_cos


def quality_report(
    dataset: Any,
    seed_texts: dict[str, str],
    *,
    text_column: str = "question",
    embedder: str | None = None,
    max_samples: int = 500,
    seed: int = 0,
) -> dict:
    """`dataset` needs `text_column`, `seed_id` and `hop`; `seed_texts` maps seed_id -> seed text."""
    texts = [str(t or "") for t in dataset[text_column]]
    seed_ids = list(dataset["seed_id"])
    hops = list(dataset["hop"])
    missing = sorted({s for s in seed_ids if s not in seed_texts})
    if missing:
        raise ValueError(f"quality_report: no seed text for seed ids {missing[:5]}")
    from synth_hf.steps.aide.personas import encode_texts

    vecs = encode_texts(texts, embedder) if texts else np.zeros((0, 1))
    sims = seed_similarity(texts, [seed_texts[s] for s in seed_ids], embedder, text_vecs=vecs)

    def block(indices: list[int]) -> dict:
        sub = [texts[i] for i in indices]
        out: dict[str, Any] = {"rows": len(sub)}
        out.update(_diversity(sub, max_samples, seed))
        out["seed_similarity"] = round(float(np.mean([sims[i] for i in indices])), 4) if indices else None
        spread = embedding_spread(vecs[indices]) if indices else None
        out["embedding_spread"] = None if spread is None else round(spread, 4)
        return out

    report = {
        "text_column": text_column,
        "metrics": {
            "self_bleu": "mean BLEU-4 of each row against all others (lower = more diverse)",
            "distinct_n": "unique n-grams / all n-grams (higher = more diverse)",
            "seed_similarity": "mean embedding cosine of a row to its seed (relevance)",
            "embedding_spread": "mean pairwise cosine distance between rows (higher = more diverse)",
        },
        "overall": block(list(range(len(texts)))),
        "per_hop": {str(h): block([i for i, x in enumerate(hops) if x == h]) for h in sorted(set(hops))},
    }
    report["seeds"] = _diversity(list(seed_texts.values()), max_samples, seed) if len(seed_texts) > 1 else {}
    return report


def save_quality(report: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path
