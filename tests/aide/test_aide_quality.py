"""Quality report: Self-BLEU, distinct-n and seed similarity, overall and per hop."""

import json

import pytest
from datasets import Dataset

from synth_hf.steps.aide.quality import quality_report, save_quality

SEEDS = {"s0": "how do ocean tides work near the coast", "s1": "what makes bread dough rise in the oven"}


def _dataset() -> Dataset:
    rows = [
        # hop 1: close to their seeds, all different
        ("s0", 1, "how do ocean tides work near a rocky coast"),
        ("s1", 1, "what makes sourdough bread dough rise in a cold oven"),
        ("s0", 1, "why do ocean tides work differently near the coast of norway"),
        # hop 2: repetitive and drifting away from the seeds
        ("s0", 2, "list three famous jazz pianists of the fifties"),
        ("s1", 2, "list three famous jazz pianists of the fifties"),
        ("s0", 2, "list three famous jazz pianists of the sixties"),
    ]
    return Dataset.from_list([{"seed_id": s, "hop": h, "question": q} for s, h, q in rows])


def test_report_separates_hops(tmp_path):
    report = quality_report(_dataset(), SEEDS, embedder="hashing")
    hop1, hop2 = report["per_hop"]["1"], report["per_hop"]["2"]
    assert report["overall"]["rows"] == 6 and hop1["rows"] == hop2["rows"] == 3
    assert hop2["self_bleu"] > hop1["self_bleu"]  # hop 2 repeats itself
    assert hop2["distinct_2"] < hop1["distinct_2"]
    assert hop1["seed_similarity"] > hop2["seed_similarity"] + 0.3  # hop 2 drifted off-task
    assert hop2["embedding_spread"] < hop1["embedding_spread"]  # hop 2's rows are near-copies
    for block in (hop1, hop2, report["overall"]):
        assert 0 <= block["self_bleu"] <= 1 and 0 < block["distinct_1"] <= 1
    path = save_quality(report, tmp_path / "quality.json")
    assert json.loads(path.read_text())["per_hop"]["2"]["rows"] == 3


def test_unknown_seed_id_is_an_error():
    with pytest.raises(ValueError, match="no seed text for seed ids"):
        quality_report(_dataset(), {"s0": SEEDS["s0"]}, embedder="hashing")


def test_embedding_spread_is_mean_pairwise_cosine_distance():
    import numpy as np

    from synth_hf.steps.aide.quality import embedding_spread

    assert embedding_spread(np.array([[1.0, 0.0], [1.0, 0.0]])) == 0.0
    assert embedding_spread(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])) == pytest.approx(1 - (0 - 1 + 0) / 3)
    assert embedding_spread(np.array([[1.0, 0.0]])) is None
