import numpy as np
import pytest

from synth_hf.text.dedup import embedding_duplicates, minhash_duplicates, shingles

BASE = "the patient was given aspirin for the headache and the fever went down after two hours"


def test_shingles_lowercase_word_ngrams():
    assert shingles("A b C d", 3) == {b"a b c", b"b c d"}
    assert shingles("Two words", 3) == {b"two words"}
    assert shingles("  ...  ", 3) == set()


def test_minhash_marks_near_duplicates_pointing_to_earliest_kept():
    texts = [
        BASE,
        "Completely unrelated sentence about the stock market closing higher on friday afternoon trading",
        BASE.upper() + "!",  # same words, different case/punctuation
        BASE + " today",  # near duplicate
        "Completely unrelated sentence about the stock market closing higher on friday afternoon trading",
    ]
    assert minhash_duplicates(texts, threshold=0.8) == [None, None, 0, 0, 1]


def test_minhash_keeps_distinct_texts_and_is_deterministic():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(5000)]
    texts = [" ".join(rng.choice(vocab, 60)) for _ in range(200)]
    first = minhash_duplicates(texts, seed=3)
    assert first == [None] * 200
    assert minhash_duplicates(texts, seed=3) == first


def test_minhash_threshold_matters():
    a = " ".join(f"w{i}" for i in range(100))
    b = " ".join(f"w{i}" for i in range(100) if i % 10 != 0)  # ~0.7 shingle overlap
    assert minhash_duplicates([a, b], threshold=0.95) == [None, None]
    assert minhash_duplicates([a, b], threshold=0.5) == [None, 0]


def test_minhash_duplicate_never_points_to_a_duplicate():
    texts = [BASE, BASE + " x", BASE + " x y", BASE]
    out = minhash_duplicates(texts, threshold=0.7)
    for i, j in enumerate(out):
        assert j is None or (j < i and out[j] is None)


def test_minhash_empty_texts_and_validation():
    assert minhash_duplicates([]) == []
    assert minhash_duplicates(["", "!!", "word"]) == [None, 0, None]
    with pytest.raises(ValueError):
        minhash_duplicates(["a"], threshold=0)


def test_embedding_duplicates_earliest_kept_and_blocked_equals_unblocked():
    rng = np.random.default_rng(1)
    v = rng.normal(size=(300, 16)).astype(np.float32)
    v[50] = v[7] * 3  # same direction
    v[260] = v[7] + 1e-4
    v[120] = v[50]  # duplicate of a duplicate -> points at the kept one (7)
    v[9] = 0  # zero vector: never a duplicate, never duplicated
    v[10] = 0
    full = embedding_duplicates(v, threshold=0.99, block_size=1000)
    blocked = embedding_duplicates(v, threshold=0.99, block_size=7)
    assert full == blocked
    assert {i: j for i, j in enumerate(full) if j is not None} == {50: 7, 120: 7, 260: 7}


def test_embedding_duplicates_matches_bruteforce():
    rng = np.random.default_rng(2)
    base = rng.normal(size=(40, 8))
    v = np.concatenate([base, base[rng.integers(0, 40, 60)] + rng.normal(scale=0.05, size=(60, 8))])
    rng.shuffle(v)
    unit = v / np.linalg.norm(v, axis=1, keepdims=True)
    sims = unit @ unit.T
    expected, kept = [], []
    for i in range(len(v)):
        j = next((k for k in kept if sims[i, k] >= 0.97), None)
        expected.append(j)
        if j is None:
            kept.append(i)
    assert embedding_duplicates(v, threshold=0.97, block_size=16) == expected


def test_embedding_duplicates_shapes():
    assert embedding_duplicates(np.zeros((0, 4))) == []
    assert embedding_duplicates([[1.0, 0.0], [1.0, 0.0]]) == [None, 0]
    with pytest.raises(ValueError):
        embedding_duplicates(np.zeros(4))
