"""Persona pools: loading (licence, text column), cached embeddings, per-node top-k retrieval."""

import json

import numpy as np
import pytest

from synth_hf.steps.aide import personas as P
from synth_hf.steps.aide.retrieve import RetrievePersonas
from synth_hf.steps.aide.rows import new_row

POOL = [
    "a jazz pianist who teaches improvisation",
    "a marine biologist studying coral reefs",
    "a tax accountant for small businesses",
    "a kindergarten teacher planning art lessons",
    "an oceanographer measuring tides and currents",
]


def test_top_k_orders_by_cosine_with_ties_by_index():
    pool = np.array([[1, 0], [0.6, 0.8], [1, 0], [0, 1]], dtype=np.float32)
    hits = P.top_k(np.array([[1, 0.1]], dtype=np.float32), pool, 3)[0]
    assert [i for i, _ in hits] == [0, 2, 1]
    assert hits[0][1] >= hits[1][1] >= hits[2][1]
    assert P.top_k(np.ones((2, 2)), pool, 0) == [[], []]


def test_real_embedder_returns_most_similar_personas_first(tmp_path):
    retriever = P.PersonaRetriever(POOL, cache_dir=str(tmp_path))
    reef, music, taxes = retriever.retrieve(
        ["coral reef ecosystems", "piano chords and improvisation", "deducting business expenses"], k=3
    )
    assert reef[0][0] == POOL[1] and reef[1][0] == POOL[4]  # the oceanographer is the runner-up
    assert music[0][0] == POOL[0]
    assert taxes[0][0] == POOL[2]
    for hits in (reef, music, taxes):
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True) and len(hits) == 3


def test_pool_embeddings_are_cached_by_content(tmp_path, monkeypatch):
    calls = []
    real = P.encode_texts

    def counting(texts, model=None):
        calls.append(len(texts))
        return real(texts, model)

    monkeypatch.setattr(P, "encode_texts", counting)
    first = P.pool_embeddings(POOL, P.HASHING, str(tmp_path))
    again = P.pool_embeddings(POOL, P.HASHING, str(tmp_path))
    assert calls == [len(POOL)] and np.allclose(first, again)
    P.pool_embeddings(POOL[:2], P.HASHING, str(tmp_path))  # other content -> other key
    assert calls == [len(POOL), 2] and len(list(tmp_path.glob("*.npy"))) == 2


def test_retrieval_step_queries_each_node_with_its_topic(tmp_path):
    pool_path = tmp_path / "pool.json"
    P.save_pool(P.PersonaPool(POOL, "inline", "cc-by-4.0"), pool_path)
    step = RetrievePersonas(
        name="r", hop=1, pool_path=str(pool_path), embedder=P.HASHING, cache_dir=str(tmp_path / "cache")
    )
    rows = [
        new_row(
            row_id="a", seed_id="a", hop=0, question="?", topic="jazz pianist improvisation", persona_quota=2
        ),
        new_row(
            row_id="b",
            seed_id="b",
            hop=0,
            question="?",
            topic="tax accountant small businesses",
            persona_quota=1,
        ),
        new_row(row_id="c", seed_id="c", hop=0, question="?", topic="coral reefs", persona_quota=0),  # a leaf
        new_row(row_id="d", seed_id="d", hop=1, question="?", topic="tides", persona_quota=2),  # other hop
    ]
    out = next(step.process(rows))
    assert out[0]["personas"][0] == POOL[0] and len(out[0]["personas"]) == 2
    assert out[1]["personas"] == [POOL[2]]
    assert out[2]["personas"] == [] and out[3]["personas"] == []


def test_pool_loading_checks_text_column_and_keeps_licence(tmp_path):
    path = tmp_path / "personas.jsonl"
    path.write_text(
        "".join(json.dumps({"persona": p, "id": i}) + "\n" for i, p in enumerate(POOL + ["", POOL[0]]))
    )
    pool = P.load_persona_pool(str(path), text_column="persona", license="cc-by-nc-4.0")
    assert pool.texts == POOL and pool.metadata()["license"] == "cc-by-nc-4.0"
    assert pool.stats == {"empty_dropped": 1, "duplicates_dropped": 1}
    assert P.load_persona_pool(str(path), limit=2).texts == POOL[:2]
    with pytest.raises(ValueError, match="no text column 'description'.*available columns"):
        P.load_persona_pool(str(path), text_column="description")


def test_builtin_pool_loads_offline_is_large_diverse_and_licensed():
    from importlib import resources

    pool = P.load_persona_pool(P.BUILTIN)
    assert len(pool.texts) == P.BUILTIN_SIZE >= 1000 and len(set(pool.texts)) == len(pool.texts)
    assert pool.license == "cc0-1.0" and pool.metadata()["size"] == P.BUILTIN_SIZE
    assert P.builtin_personas(50) == pool.texts[:50]  # deterministic: same lists, same pool
    roles = json.loads(resources.files("synth_hf.data.personas").joinpath("components.json").read_text())["roles"]
    assert all(sum(f" {r} " in t for t in pool.texts) >= 10 for r in roles)  # every role well represented
    assert "CC0" in resources.files("synth_hf.data.personas").joinpath("LICENSE").read_text()
    assert P.load_persona_pool(P.BUILTIN, limit=1200).texts == P.builtin_personas(1200)


def test_builtin_pool_retrieval_ranks_the_most_similar_persona_first(tmp_path):
    texts = P.builtin_personas(1000)
    retriever = P.PersonaRetriever(texts, cache_dir=str(tmp_path))  # the embedded MiniLM, offline
    assert len(list(tmp_path.glob("*.npy"))) == 1  # embedded once, cached
    queries = ["side effects and dosing of a new antibiotic", "teaching children basic biology"]
    for query, hits in zip(queries, retriever.retrieve(queries, k=5)):
        scores = [s for _, s in hits]
        assert scores == sorted(scores, reverse=True)
        best = int(np.argmax(retriever.vectors @ P.encode_texts([query])[0]))
        assert hits[0][0] == texts[best]  # top-1 is the pool's most similar persona
    drug, school = (h[0][0] for h in retriever.retrieve(queries, k=1))
    assert any(w in drug for w in ("drug", "medicine", "side effects", "pharmac"))
    assert any(w in school for w in ("teach", "school", "children", "biology"))
    again = P.PersonaRetriever(texts, cache_dir=str(tmp_path))  # second run reads the cache
    assert np.allclose(again.vectors, retriever.vectors)
