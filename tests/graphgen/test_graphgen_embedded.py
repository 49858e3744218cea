"""GraphGen end to end on the embedded Gemma-3-270M (transformers engine): 2 tiny invented-fact documents.

The model cannot know these facts, so every row it keeps must rest on the documents: the test checks that
each answer is supported by its own evidence and that no question contains its answer."""

from __future__ import annotations

import json
import math
import time

import pytest

from synth_hf.pipelines.graphgen import run_graphgen
from synth_hf.pipelines.graphgen_config import GraphGenConfig
from synth_hf.steps.graphgen.format import OUTPUT_COLUMNS
from synth_hf.steps.graphgen.verify import verify_row
from synth_hf.text.support import contains_span

DOCS = [
    (
        "Zorvatide is used to treat Kelmar fever. Kelmar fever is caused by Ostravirus. "
        "Ostravirus was first isolated in Oskvar in 1987."
    ),
    "Brevimast is used to treat Brindle ague. Brevimast was developed by Dr. Edda Norquist in Tarvonia.",
]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_embedded_model_end_to_end(tmp_path):
    corpus = tmp_path / "docs.jsonl"
    corpus.write_text("".join(json.dumps({"text": d}) + "\n" for d in DOCS), encoding="utf-8")
    engine = {"engine": "transformers", "options": {"batch_size": 16}}
    config = GraphGenConfig.model_validate(
        {
            "input": {"source": str(corpus)},
            "synthesizer": engine,
            "trainee": engine,
            "chunking": {"chunk_size": 128, "overlap": 0},
            "extraction": {"gleaning_rounds": 1, "max_new_tokens": 80},
            "merge": {"description_token_budget": 96, "summary_max_new_tokens": 48},
            "quiz": {"n_paraphrases": 1, "n_negations": 1, "max_new_tokens": 24},
            "partition": {"method": "bfs", "params": {"max_units": 4, "max_hops": 1}},
            "generation": {
                "modes": {
                    "atomic": 2,
                    "aggregated": 1,
                    "multi_hop": 1,
                    "multiple_choice": 1,
                    "true_false": 1,
                },
                "max_new_tokens": 56,
            },
            "judge": {"enabled": True},  # advisory: it scores, the support check gates
            "run": {"output_dir": str(tmp_path), "name": "embedded", "input_batch_size": 16},
        }
    )
    started = time.time()
    result = run_graphgen(config)
    elapsed = time.time() - started
    ds = result.dataset
    assert len(ds) > 0, result.summary
    assert set(ds.column_names) == set(OUTPUT_COLUMNS)
    for row in ds:
        assert row["question"].strip() and row["answer"].strip()
        assert row["messages"][0]["content"] == row["question"]
        assert row["node_ids"] or row["edge_ids"]
        assert row["source_chunk_ids"] and row["subgraph_id"] and row["mode"] and row["style"]
        assert len(row["unit_losses"]) == len(row["node_ids"]) + len(row["edge_ids"])
        assert all(isinstance(x, float) and math.isfinite(x) for x in row["unit_losses"])
        assert 0.0 <= row["judge_score"] <= 1.0
        evidence = [e["sentence"] for e in row["evidence"]]
        assert evidence and all(any(s in d for d in DOCS) for s in evidence)  # evidence is source text
        assert row["supported"] and verify_row({**row, "tf_statement": row["question"][len("True or false: "):],
                                                "tf_label": row["answer"].startswith("True")}) == ""  # fmt: skip
        if row["mode"] not in ("aggregated", "true_false"):
            assert not contains_span(row["question"].split("\n")[0], row["answer_span"]), row
        assert row["synthesizer"] == row["trainee"] == "transformers:gemma-3-270m (embedded)"
        assert row["language"] == "en"
    report = json.loads((result.run_dir / "calibration.json").read_text())
    assert report["n_statements"] >= 2 * report["n_units"] > 0
    assert report["covered_mass"]["mean"] > 0.5  # the probe reads real yes/no token probabilities
    stages = result.summary["stages"]
    assert all(stages[s]["llm_calls"] > 0 for s in ("extract", "quiz", "probe", "generate", "judge"))
    # yes/no scoring counts its prompt tokens: the probe and judge stages are not free in the totals
    assert stages["probe"]["input_tokens"] > stages["probe"]["llm_calls"] and stages["judge"]["input_tokens"] > 0
    support = result.summary["support"]
    assert support["checked"] >= len(ds) and 0 < support["rate"] <= 1
    print(f"embedded GraphGen: {len(ds)} rows in {elapsed:.0f}s; modes {sorted(set(ds['mode']))}")
