"""Evidence passages and lexical (BM25) retrieval over them (pure logic).

A passage is one sentence of a document (`synth_hf.text.sentences`), identified like GraphGen's
evidence: `{"chunk_id": "<doc_id>:s<index>", "sentence": text}`. Ranking is Okapi BM25 over the
same light-stemmed content words the support check uses, so what retrieval finds is what the check
can confirm. Cheap enough to index a few thousand documents in memory.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable

from synth_hf.text.sentences import split_sentences
from synth_hf.text.support import content_stems


def document_passages(docs: Iterable[tuple[str, str]]) -> list[dict]:
    """`(doc_id, text)` pairs -> passages `{"chunk_id", "sentence"}` in document order.

    Empty documents give no passage; a text without any sentence boundary is one passage."""
    out: list[dict] = []
    for doc_id, text in docs:
        for s in split_sentences(text or ""):
            out.append({"chunk_id": f"{doc_id}:s{s.index}", "sentence": s.text})
    return out


def _terms(text: str) -> list[str]:
    # single characters (a digit split off "gen1", a stray letter) would match any passage holding one
    return [t for t in content_stems(text) if len(t) > 1]


class BM25Index:
    """Okapi BM25 over passages' content stems. `search(query, k)` -> up to k `(passage, score)`
    pairs, best first, score > 0 only (a query sharing no content word with any passage finds nothing;
    single-character terms do not count).

    `k1` (term saturation) and `b` (length normalisation) are the usual BM25 parameters."""

    def __init__(self, passages: list[dict], k1: float = 1.5, b: float = 0.75) -> None:
        self.passages = list(passages)
        self.k1, self.b = k1, b
        self._tf = [Counter(_terms(p["sentence"])) for p in self.passages]
        self._len = [sum(tf.values()) for tf in self._tf]
        self._avg = (sum(self._len) / len(self._len)) if self._len else 0.0
        df: Counter = Counter()
        for tf in self._tf:
            df.update(tf.keys())
        n = len(self.passages)
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}

    def scores(self, query: str) -> list[float]:
        """BM25 score of every passage for `query` (same order as `passages`)."""
        terms = [t for t in dict.fromkeys(_terms(query)) if t in self._idf]
        out = []
        for tf, length in zip(self._tf, self._len):
            norm = self.k1 * (1 - self.b + self.b * length / (self._avg or 1))
            out.append(sum(self._idf[t] * tf[t] * (self.k1 + 1) / (tf[t] + norm) for t in terms if tf[t]))
        return out

    def search(self, query: str, k: int = 3) -> list[tuple[dict, float]]:
        scored = [(p, s) for p, s in zip(self.passages, self.scores(query)) if s > 0]
        scored.sort(key=lambda ps: -ps[1])  # stable: ties keep document order
        return scored[: max(0, k)]
