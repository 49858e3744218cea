"""`synth-hf train --dry-run` says how many optimizer steps the run would take (fresh-user review), and
the count is the one the trainer then runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset
from test_loop_model import tiny_model  # noqa: F401 - the tiny Llama fixture

from synth_hf.cli import main
from synth_hf.train import train_lora
from synth_hf.train_plan import describe_plan, optimizer_steps


@pytest.mark.parametrize(
    ("rows", "batch", "epochs", "max_steps", "accum", "steps"),
    [
        (23, 8, 1, None, 1, 3),  # the last short batch is a step
        (23, 8, 3, None, 1, 9),
        (23, 8, 1.5, None, 1, 5),  # fractional epochs round up, as Trainer does
        (23, 8, 1, None, 2, 2),  # 3 batches, 2 per step: the last step takes one
        (3, 8, 2, None, 4, 2),  # at least one step per epoch
        (23, 8, 3, 100, 1, 100),  # --max-steps is the count
        (0, 8, 1, None, 1, 0),
    ],
)
def test_optimizer_steps(rows, batch, epochs, max_steps, accum, steps) -> None:
    assert optimizer_steps(rows, batch, epochs, max_steps, accum) == steps


def test_describe_plan_says_where_the_number_comes_from() -> None:
    assert describe_plan(23, 8, 3) == "training: 9 optimizer steps (23 rows, batch 8: 3 per epoch x 3 epochs)"
    line = describe_plan(20, 4, 1, max_steps=10)
    assert line.startswith("training: 10 optimizer steps (--max-steps; batch 4, about 2 epochs over 20 rows)")


def _rows(n: int) -> list[dict]:
    return [{"messages": [{"role": "user", "content": f"What treats pneumonia {i}?"},
                          {"role": "assistant", "content": "Amoxicillin."}]} for i in range(n)]  # fmt: skip


def test_dry_run_prints_the_steps_the_real_run_takes(tiny_model: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    data = tmp_path / "rows.jsonl"
    bad = {"messages": [{"role": "user", "content": "no answer"}]}  # skipped by the check: not counted
    Dataset.from_list([*_rows(5), bad]).to_json(str(data))
    argv = ["train", str(data), "--model", str(tiny_model), "--batch-size", "2", "--epochs", "2", "--dry-run"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "training: 6 optimizer steps (5 rows, batch 2: 3 per epoch x 2 epochs)" in out
    result = train_lora(str(data), tiny_model, tmp_path / "adapter", epochs=2, batch_size=2)
    assert result.global_step == 6  # the trainer agrees with the dry run
