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


def test_a_probe_that_says_yes_to_true_and_false_alike_carries_no_signal():
    from synth_hf.steps.graphgen.calibrate import probe_signal, separation_auc

    # the 270M trainee on invented facts: p(yes) varies, but false statements score like true ones
    guess = [(f"u{i}", i % 2 == 0, 0.55 + 0.01 * (i % 7), 0.6) for i in range(40)]
    signal = probe_signal(guess)
    assert signal["flat"] and 0.4 < signal["separation_auc"] < 0.55 and signal["p_yes_std"] < 0.05
    assert "does not separate true from false statements" in signal["warning"]
    knows = [(f"u{i}", i % 2 == 0, (0.7 if i % 2 == 0 else 0.3) + 0.01 * (i % 7), 0.6) for i in range(40)]
    assert separation_auc(knows) == 1.0 and not probe_signal(knows)["flat"]
    # knows a few facts well and guesses the rest (the fake trainee of the pipeline tests): a signal
    some = [(f"u{i}", i % 2 == 0, (0.95 if i % 2 == 0 else 0.05) if i < 2 else 0.6, 0.9) for i in range(40)]
    assert separation_auc(some) < 0.55 and not probe_signal(some)["flat"]
    few = guess[:12]  # 6 of each label: too few to judge, the other checks decide
    assert separation_auc(few) is None and not probe_signal(few)["flat"]
