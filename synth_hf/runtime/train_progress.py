"""Live progress of a LoRA training run on a quiet console: one `[progress]` line at most every
`interval_s` seconds (and at the last step) with the step, the last loss, seconds per step and an ETA,
instead of transformers' progress bar and its per-step dict of logs."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from transformers import TrainerCallback

from synth_hf.runtime.progress import PREFIX, _clock


class TrainProgress(TrainerCallback):
    """A `transformers.TrainerCallback` that prints training progress lines.

    Args:
        stream: where to print (default stderr).
        interval_s: seconds between two lines (the first and last steps always print).
    """

    def __init__(self, stream: TextIO | None = None, interval_s: float = 15.0) -> None:
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self._start = self._last_print = 0.0
        self._loss: float | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self._start = time.perf_counter()
        self._last_print = 0.0
        self._emit(f"{PREFIX} LoRA training: {state.max_steps} steps, started")

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        if logs and "loss" in logs:
            self._loss = float(logs["loss"])

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        now = time.perf_counter()
        step, total = state.global_step, max(state.max_steps, 1)
        if step < total and step > 1 and now - self._last_print < self.interval_s:
            return
        self._last_print = now
        per_step = (now - self._start) / max(step, 1)
        loss = f", loss {self._loss:.3f}" if self._loss is not None else ""
        eta = f", ETA {_clock(per_step * (total - step))}" if step < total else ""
        self._emit(
            f"{PREFIX} LoRA training: step {step}/{total} ({step / total:.0%}){loss}, {per_step:.1f} s/step{eta}, "
            f"{_clock(now - self._start)} elapsed"
        )

    def _emit(self, line: str) -> None:
        print(line, file=self.stream, flush=True)


def quiet_training(overrides: dict[str, Any]) -> dict[str, Any]:
    """SFTConfig fields for the console: on a quiet console (no -v / SYNTH_HF_LOG_LEVEL) transformers'
    progress bar is off, unless `overrides` set `disable_tqdm` themselves."""
    from synth_hf.runtime.logs import is_quiet

    return {"disable_tqdm": True} if is_quiet() and "disable_tqdm" not in overrides else {}


def attach(trainer: Any) -> None:
    """With transformers' bar off, replace its per-step printing of the logs dict by `TrainProgress`."""
    from transformers.trainer_callback import PrinterCallback

    if trainer.args.disable_tqdm:
        trainer.remove_callback(PrinterCallback)
        trainer.add_callback(TrainProgress())
