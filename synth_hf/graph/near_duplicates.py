"""Near-duplicate entity names from embeddings (alias -> canonical), for `merge_records(aliases=...)`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def find_near_duplicate_names(
    names: Sequence[str],
    vectors: np.ndarray,
    threshold: float,
    *,
    counts: Sequence[int] | None = None,
    block_bytes: int = 64 << 20,
) -> dict[str, str]:
    """Map each near-duplicate name to its canonical name (cosine similarity >= threshold).

    `vectors[i]` embeds `names[i]`; repeated names are collapsed (first vector kept) and their
    occurrences (or `counts[i]`) summed into a frequency. Names are ranked by (frequency desc, name asc);
    walking that ranking, a name not yet claimed becomes canonical and claims every unclaimed lower-ranked
    name within the threshold. So every alias is directly similar to its canonical (no chaining through
    intermediates) and the result is deterministic. Similarities are computed in float32, one block of
    rows at a time against the lower-ranked rows, so memory stays O(block_bytes + n * dim).
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(names):
        raise ValueError(f"vectors must have shape (len(names), dim), got {vectors.shape}")
    if counts is not None and len(counts) != len(names):
        raise ValueError("counts must align with names")
    freq: dict[str, int] = {}
    first: dict[str, int] = {}
    for i, name in enumerate(names):
        freq[name] = freq.get(name, 0) + (int(counts[i]) if counts is not None else 1)
        first.setdefault(name, i)
    ranked = sorted(freq, key=lambda s: (-freq[s], s))
    m = len(ranked)
    if m < 2:
        return {}
    mat = vectors[[first[s] for s in ranked]].astype(np.float32, copy=True)
    norms = np.linalg.norm(mat, axis=1, keepdims=True)
    mat /= np.where(norms > 0, norms, 1.0)  # zero vectors stay zero: similar to nothing

    canonical = np.full(m, -1, dtype=np.int64)
    rows_per_block = max(1, min(m, block_bytes // (4 * m)))
    for start in range(0, m, rows_per_block):
        stop = min(m, start + rows_per_block)
        sims = mat[start:stop] @ mat[start:].T  # rows vs themselves and every lower-ranked name
        rows, cols = np.nonzero(sims >= threshold)
        rows += start
        cols += start
        keep = cols > rows
        rows, cols = rows[keep], cols[keep]
        if rows.size == 0:
            continue
        # np.nonzero is row-major, so rows come sorted: walk them in rank order.
        bounds = np.flatnonzero(np.diff(rows)) + 1
        for row_cols, row in zip(np.split(cols, bounds), rows[np.r_[0, bounds]]):
            if canonical[row] != -1:
                continue  # an alias cannot be anyone's canonical
            free = row_cols[canonical[row_cols] == -1]
            canonical[free] = row
    return {ranked[j]: ranked[c] for j, c in enumerate(canonical.tolist()) if c != -1}
