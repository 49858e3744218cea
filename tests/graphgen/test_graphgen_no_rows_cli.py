"""`synth-hf graphgen` on a corpus where nothing is extracted (fresh-user review): exit 2 like every
error the user can act on, and one plain line about the probe: nothing was probed because nothing
was extracted (not "flat trainee probe (only 0 statement(s) probed)", said twice)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from graphgen_fakes import fake_config

from synth_hf.cli import main


@pytest.mark.timeout(600)
def test_nothing_extracted_exits_2_and_says_nothing_was_probed(tmp_path, fakes_on_worker_path, capsys):
    config = fake_config(str(tmp_path), ["no names in this text at all.", "nor in this one, sadly."])
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config.model_dump(mode="json")), encoding="utf-8")
    assert main(["graphgen", "--config", str(path)]) == 2
    captured = capsys.readouterr()
    console = captured.out + captured.err
    assert "synth-hf: error: the run produced no rows" in captured.err
    assert console.count("the trainee was not probed: nothing was extracted from the input") == 1, console
    assert "statement(s) probed" not in console and "flat trainee probe" not in console


def test_a_flat_probe_is_one_plain_line():
    from synth_hf.pipelines.graphgen import probe_warning

    signal = {"flat": True, "warning": "the trainee gave every statement nearly the same p(yes) (std 0.0010)"}
    line = probe_warning(signal, 40, {"nodes": 12})
    assert line == ("flat trainee probe: the trainee gave every statement nearly the same p(yes) (std 0.0010); "
                    "subgraphs follow graph order, not the loss")  # fmt: skip
    assert line.count("nearly the same") == 1
    assert probe_warning({"flat": False}, 40, {"nodes": 12}) is None
    assert "nothing was extracted" in probe_warning({"flat": True, "warning": "only 0"}, 0, {"nodes": 0})
