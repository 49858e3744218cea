"""CLI wiring: publish dry-run stages a card; bad arguments give clear errors, exit 2."""

import json

from datasets import Dataset

from synth_hf.cli import main
from synth_hf.hub import load_staged
from synth_hf.steps.common.format import qa_messages


def _run_dir(tmp_path):
    run = tmp_path / "run"
    Dataset.from_list([
        {"messages": qa_messages("What lowers glucose?", "Metformin."), "mode": "atomic"},
        {"messages": qa_messages("What treats CAP?", "Amoxicillin."), "mode": "atomic"},
    ]).save_to_disk(str(run / "dataset"))
    (run / "summary.json").write_text(json.dumps({
        "stages": {"judge_0": {"in": 3, "out": 2, "dropped": {"ungrounded": 1}}},
        "models": {"synthesizer": "fake"},
    }))
    return run


def test_publish_dry_run_stages_card_and_data(tmp_path, capsys):
    run = _run_dir(tmp_path)
    assert main(["publish", str(run), "--method", "graphgen", "--license", "apache-2.0", "--dry-run"]) == 0
    staged = run / "hub"
    card = (staged / "README.md").read_text()
    assert "graphgen" in card and "synthetic" in card and "ungrounded" in card
    assert load_staged(staged)["train"]["mode"] == ["atomic", "atomic"]
    assert "nothing uploaded" in capsys.readouterr().out


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["publish", str(tmp_path / "missing")]) == 2
    assert "no saved dataset" in capsys.readouterr().err
    assert main(["eval", "--out", str(tmp_path)]) == 2
    assert "--mcq" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--model", "/no/such/model"]) == 2
    assert "/no/such/model" in capsys.readouterr().err
