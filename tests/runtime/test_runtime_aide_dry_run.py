"""`synth-hf aide --dry-run` validates and lists stages but writes nothing."""

from __future__ import annotations

import json

from synth_hf.cli import main


def test_aide_dry_run_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    config = {
        "run": {"output_dir": str(out), "name": "dry"},
        "engine": {"engine": "fake"},
        "seeds": {"rows": [{"question": "How do volcanoes form?", "answer": "magma rises"}]},
        "personas": {"source": None, "embedder": "hashing", "cache_dir": str(tmp_path / "emb")},
    }
    cfg_path = tmp_path / "aide.yaml"
    cfg_path.write_text(json.dumps(config))
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["aide", "--config", str(cfg_path), "--dry-run"]) == 0
    stages = json.loads(capsys.readouterr().out)["stages"]
    assert stages[0] == "load_seeds" and "persona_pool" in stages and stages[-1] == "format_aide"
    assert not out.exists()  # no seeds file, ledger line, persona pool or cache
    assert sorted(p.name for p in tmp_path.iterdir()) == before
