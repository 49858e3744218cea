"""benchmarks/aide_ablation.py on the fake model: one table row per variant and hop plus an overall
row, the metrics filled in, and the ablations visible in the counts."""

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ablation_table_shape_and_effects(tmp_path, capsys):
    sys.path.insert(0, str(ROOT))
    from benchmarks.aide_ablation import COLUMNS, VARIANTS, main

    out = tmp_path / "abl"
    args = ["--engine", "fake", "--documents", "none", "--seeds", "2", "--depth", "2", "--max-rows", "0"]
    # the config grades by embedding (no call); the fake's rewrites share few words with their seed, so
    # under the lexical stand-in embedder every child would fail: the fake engine grades instead
    args += ["--set", "reflection.grader=llm"]
    assert main(args + ["--out", str(out)]) == 0
    report = json.loads((out / "ablation.json").read_text())
    table = report["table"]
    assert [(r["variant"], r["hop"]) for r in table] == [(v, h) for v in VARIANTS for h in ("1", "2", "all")]
    for row in table:
        assert set(COLUMNS) <= set(row) and row["rows"] > 0
        assert 0 <= row["self_bleu"] <= 1 and 0 < row["distinct_2"] <= 1 and row["embedding_spread"] > 0
        assert row["relevance"] is not None and row["support_rate"] is None  # ungrounded: nothing checked
    overall = {r["variant"]: r for r in table if r["hop"] == "all"}
    assert overall["no_personas"]["rows"] < overall["full"]["rows"]  # 2 seeds x (3 + 1) -> x 3 per node
    assert overall["no_reflection"]["calls_per_kept_row"] < overall["full"]["calls_per_kept_row"]
    assert all(r["rows_per_minute"] > 0 for r in overall.values())
    printed = capsys.readouterr().out
    assert printed.startswith("[") and "| variant | hop | rows | relevance" in printed


def test_ablation_overrides_reach_every_variant_and_bad_ones_are_one_line(tmp_path):
    sys.path.insert(0, str(ROOT))
    import pytest

    from benchmarks.aide_ablation import main

    out = tmp_path / "abl"
    args = ["--engine", "fake", "--documents", "none", "--seeds", "1", "--depth", "1", "--max-rows", "0",
            "--variants", "no_reflection", "--out", str(out), "--set", "expansion.attributes_from=llm"]  # fmt: skip
    assert main(args) == 0
    report = json.loads((out / "ablation.json").read_text())
    assert report["overrides"] == ["expansion.attributes_from=llm"]
    config = (out / "no_reflection" / "config.yaml").read_text()
    assert "attributes_from: llm" in config and "answer_source: annotator" in config  # ungrounded
    with pytest.raises(SystemExit, match="aide_ablation: --set expects key.path=value"):
        main(args[:-1] + ["no-equals-sign"])


def test_an_invalid_override_stops_before_any_variant_runs(tmp_path):
    sys.path.insert(0, str(ROOT))
    import pytest

    from benchmarks.aide_ablation import main

    out = tmp_path / "abl"
    args = ["--engine", "fake", "--documents", "none", "--seeds", "1", "--depth", "1", "--out", str(out),
            "--variants", "no_reflection", "--set", "annotation.answer_source=bogus"]  # fmt: skip
    with pytest.raises(SystemExit, match="aide_ablation: no_reflection: .*answer_source"):
        main(args)
    assert not (out / "no_reflection").exists()  # refused before the run started
