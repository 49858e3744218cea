"""Reflection's grade on the embedding scale (AIDE paper, self-reflection: relevance to the seed decides
an attribute child, diversity from its parent decides a persona child), shared by SelfReflect (grading
a written child) and answer-first synthesis (grading a candidate fact's question before any call).

relevance = 1 + 9 * cos(question, seed question), diversity = 1 + 9 * (1 - cos(question, parent
question)), negative cosines as 0, both rounded to 0.1: the 1-10 scale of the LLM grader's prompt."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

# a judge of candidate questions for one child: per question (passes its branch's threshold, deciding score)
Judge = Callable[[list[str]], list[tuple[bool, float]]]


def cosine_grades(to_seed: float, to_parent: float) -> tuple[float, float]:
    """(relevance, diversity) on the 1-10 scale from the question's cosines to the seed and the parent."""
    to_seed = max(0.0, to_seed)
    to_parent = min(1.0, max(0.0, to_parent))
    return round(1 + 9 * to_seed, 1), round(1 + 9 * (1 - to_parent), 1)


def deciding_score(branch: str | None, relevance: float | None, diversity: float | None) -> float | None:
    """The score reflection decides on: diversity for a persona child, relevance otherwise (attribute and
    evol children)."""
    return diversity if branch == "persona" else relevance


def passes(branch: str | None, relevance: float | None, diversity: float | None,
           min_relevance: float, min_diversity: float) -> bool:  # fmt: skip
    """Whether a child with these grades meets its branch's threshold (a missing grade fails)."""
    score = deciding_score(branch, relevance, diversity)
    return score is not None and score >= (min_diversity if branch == "persona" else min_relevance)


def feedback(branch: str | None, to_seed: float, to_parent: float) -> str:
    """The reviewer feedback a failing child's re-synthesis gets, for its branch."""
    if branch == "persona":
        return f"It is too close to the parent (cosine {min(1.0, max(0.0, to_parent)):.2f}); ask something new about it."
    return f"It drifts from the original example's topic (cosine {max(0.0, to_seed):.2f}); stay on its subject."


def embedding_grades(rows: list[dict], embedder: str | None = None) -> list[tuple[float, float, str]]:
    """(relevance, diversity, feedback) per row (`question`, `seed_question`, `parent_question`, `branch`)
    from L2-normalised embeddings of the texts (`encode_texts`), as `cosine_grades`."""
    from synth_hf.steps.aide.personas import encode_texts

    if not rows:
        return []
    texts = [r["question"] for r in rows] + [r["seed_question"] for r in rows] + [r["parent_question"] for r in rows]
    vecs = encode_texts(texts, embedder)
    n = len(rows)
    out = []
    for i, row in enumerate(rows):
        to_seed, to_parent = float(np.dot(vecs[i], vecs[n + i])), float(np.dot(vecs[i], vecs[2 * n + i]))
        out.append((*cosine_grades(to_seed, to_parent), feedback(row.get("branch"), to_seed, to_parent)))
    return out


class FactJudge:
    """Grades candidate questions for a child before it is written (answer-first pre-grade), with the
    embedding grade and thresholds SelfReflect applies afterwards. Embeddings are cached per text, so a
    candidate sentence's question is embedded once per process whatever the number of children."""

    def __init__(self, embedder: str | None, min_relevance: float, min_diversity: float) -> None:
        self.embedder, self.min_relevance, self.min_diversity = embedder, min_relevance, min_diversity
        self._vectors: dict[str, np.ndarray] = {}

    def _encode(self, texts: Sequence[str]) -> list[np.ndarray]:
        from synth_hf.steps.aide.personas import encode_texts

        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, encode_texts(missing, self.embedder)))
        return [self._vectors[t] for t in texts]

    def grades(self, child: dict, questions: list[str]) -> list[tuple[float, float]]:
        """(relevance, diversity) of each question as `child`'s question (its seed and parent question)."""
        seed, parent = self._encode([str(child["seed_question"]), str(child["parent_question"])])
        return [cosine_grades(float(v @ seed), float(v @ parent)) for v in self._encode(questions)]

    def for_child(self, child: dict) -> Judge:
        """The `Judge` of `child`'s branch: per question (passes the threshold, deciding score)."""
        branch = child.get("branch")

        def judge(questions: list[str]) -> list[tuple[bool, float]]:
            out = []
            for rel, div in self.grades(child, questions):
                ok = passes(branch, rel, div, self.min_relevance, self.min_diversity)
                out.append((ok, float(deciding_score(branch, rel, div) or 0.0)))
            return out

        return judge
