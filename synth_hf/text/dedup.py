"""Near-duplicate detection: MinHash-LSH over word shingles, and blocked cosine over embeddings.

Both return, for each item, the index of the earlier *kept* item it duplicates (None = keep), so the
first occurrence always wins and a duplicate never points at another duplicate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np

_WORD_RE = re.compile(r"\w+", re.UNICODE)


def shingles(text: str, ngram: int = 3) -> set[bytes]:
    """Lowercased word n-grams; texts shorter than ``ngram`` words give one shingle of all their words."""
    words = _WORD_RE.findall((text or "").lower())
    if not words:
        return set()
    if len(words) < ngram:
        return {" ".join(words).encode("utf-8", "replace")}
    return {" ".join(words[i : i + ngram]).encode("utf-8", "replace") for i in range(len(words) - ngram + 1)}


def minhash_duplicates(
    texts: Sequence[str] | Iterable[str],
    threshold: float = 0.8,
    num_perm: int = 128,
    ngram: int = 3,
    seed: int = 0,
) -> list[int | None]:
    """For each text, the index of an earlier kept text with estimated Jaccard >= threshold, else None."""
    from datasketch import MinHash, MinHashLSH

    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if ngram < 1:
        raise ValueError(f"ngram must be >= 1, got {ngram}")
    texts = list(texts)
    sets = [shingles(t, ngram) for t in texts]
    nonempty = [i for i, s in enumerate(sets) if s]
    hashes = MinHash.bulk([sets[i] for i in nonempty], num_perm=num_perm, seed=seed) if nonempty else []
    by_index = dict(zip(nonempty, hashes))

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    out: list[int | None] = []
    first_empty: int | None = None
    for i, s in enumerate(sets):
        if not s:  # no words at all: only an exact "empty" duplicate makes sense
            out.append(first_empty)
            if first_empty is None:
                first_empty = i
            continue
        mh = by_index[i]
        # LSH candidates are probabilistic; confirm with the signature estimate, earliest kept first
        match = None
        for j in sorted(int(k) for k in lsh.query(mh)):
            if by_index[j].jaccard(mh) >= threshold:
                match = j
                break
        out.append(match)
        if match is None:
            lsh.insert(str(i), mh)
    return out


def embedding_duplicates(
    vectors: np.ndarray | Sequence[Sequence[float]],
    threshold: float = 0.95,
    block_size: int = 1024,
) -> list[int | None]:
    """For each row, the earliest earlier kept row with cosine >= threshold, else None.

    Similarities are computed block x block, so memory is O(block_size^2) whatever the corpus size.
    Zero (or non-finite) vectors have no direction and are never duplicates nor duplicated.
    """
    x = np.asarray(vectors, dtype=np.float32)
    if x.ndim != 2:
        raise ValueError(f"vectors must be 2-D (n, dim), got shape {x.shape}")
    n = x.shape[0]
    if n == 0:
        return []
    x = np.where(np.isfinite(x), x, 0.0)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    valid = norms[:, 0] > 0
    x = x / np.where(norms > 0, norms, 1.0)
    bs = max(1, int(block_size))

    out: list[int | None] = [None] * n
    kept: list[int] = []  # increasing, so the first hit in a row is the earliest kept index
    for start in range(0, n, bs):
        stop = min(n, start + bs)
        block = x[start:stop]
        found: list[int | None] = [None] * (stop - start)
        open_rows = valid[start:stop].copy()
        for ks in range(0, len(kept), bs):  # against kept rows of earlier blocks
            if not open_rows.any():
                break
            cols = np.asarray(kept[ks : ks + bs])
            rows = np.flatnonzero(open_rows)
            hit = (block[rows] @ x[cols].T) >= threshold
            has = hit.any(axis=1)
            for r, first in zip(rows[has], hit[has].argmax(axis=1)):
                found[int(r)] = int(cols[first])
            open_rows[rows[has]] = False
        inner = block @ block.T
        kept_mask = np.zeros(stop - start, dtype=bool)  # rows of this block that survived so far
        for r in range(stop - start):
            if found[r] is None and valid[start + r]:
                cand = np.flatnonzero((inner[r, :r] >= threshold) & kept_mask[:r])
                if cand.size:
                    found[r] = start + int(cand[0])
                else:
                    kept_mask[r] = True
                    kept.append(start + r)
            out[start + r] = found[r]
    return out
