"""A whole AIDE run with documents on the fake engine: evidence retrieved per question, every kept
row's answer supported by it, evidence in the output, support rate in summary.json."""

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from aide_fakes import GROUNDED_DOCS, GROUNDED_SEEDS, config_data

from synth_hf.pipelines.aide import run_aide
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.text.support import check_support

pytestmark = pytest.mark.usefixtures("fakes_on_worker_path")


def test_grounded_run_keeps_only_supported_rows_with_their_evidence(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in GROUNDED_DOCS.items():
        (docs / name).write_text(text)
    data = config_data(str(tmp_path), "grounded", responder="grounded", seeds={"rows": GROUNDED_SEEDS},
                       expansion={"depth": 1, "attributes_per_node": 2, "operations_per_node": 2,
                                  "personas_per_node": 2},
                       dedup={"minhash_threshold": None}, documents={"source": str(docs), "top_k": 2})  # fmt: skip
    result = run_aide(AIDEConfig.model_validate(data))
    rows = result.dataset.to_list()
    assert rows, "no row kept"
    for row in rows:
        evidence = [e["sentence"] for e in row["evidence"]]
        assert evidence and all(e["sentence"] in " ".join(GROUNDED_DOCS.values()) for e in row["evidence"])
        assert all(e["chunk_id"].rsplit(":s", 1)[1].isdigit() for e in row["evidence"])
        assert row["verified"] is True and row["verification"] == "evidence"
        assert check_support(row["answer"], evidence).supported, row
        assert row["messages"][-1]["content"] == row["answer"]
    assert {r["branch"] for r in rows} == {"attribute", "persona"}
    summary = json.loads((result.run_dir / "summary.json").read_text())
    drops = summary["drops_by_reason"]
    assert drops.get("no_evidence", 0) > 0  # the glacier question
    assert drops.get("unsupported_answer: name_not_in_evidence", 0) > 0  # the invented company
    support = summary["support"]
    annotate_drops = summary["stages"]["annotate_h1"]["dropped"]
    assert support["checked"] == support["supported"] + sum(annotate_drops.values())
    assert support["supported"] == len(rows)
    assert summary["support_rate"]["overall"] == pytest.approx(support["supported"] / support["checked"])
    assert set(summary["support_rate"]) == {"overall", "attribute", "persona"}
    assert summary["documents"]["passages"] == 5
    assert summary["documents"]["license"] is None  # not declared: the card says so (summary.documents_license)
