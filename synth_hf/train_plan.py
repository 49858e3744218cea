"""How many optimizer steps a LoRA run will take, before it takes them (`synth-hf train --dry-run`).

The count follows `transformers.Trainer` (`set_initial_training_values`): one device, no packing
(TRL's default) and the last short batch kept, so an epoch is ceil(rows / batch) batches and
ceil(batches / gradient accumulation) optimizer steps (at least one); epochs multiply that and round
up; `max_steps`, when given, is the count.
"""

from __future__ import annotations

import math


def optimizer_steps(rows: int, batch_size: int, epochs: float = 1.0, max_steps: int | None = None,
                    grad_accum: int = 1) -> int:  # fmt: skip
    """Optimizer steps of a run over `rows` training rows; 0 when there are no rows to train on."""
    if max_steps:
        return int(max_steps)
    if rows <= 0:
        return 0
    batches = math.ceil(rows / batch_size)
    per_epoch = max(math.ceil(batches / max(grad_accum, 1)), 1)
    return math.ceil(epochs * per_epoch)


def describe_plan(rows: int, batch_size: int, epochs: float = 1.0, max_steps: int | None = None,
                  grad_accum: int = 1) -> str:  # fmt: skip
    """One line for the dry run: the optimizer steps and where the number comes from."""
    steps = optimizer_steps(rows, batch_size, epochs, max_steps, grad_accum)
    noun = "optimizer step" if steps == 1 else "optimizer steps"
    batch = f"batch {batch_size}" + (f" x gradient accumulation {grad_accum}" if grad_accum > 1 else "")
    if max_steps:
        passes = steps * batch_size * max(grad_accum, 1) / rows if rows else 0
        return f"training: {steps} {noun} (--max-steps; {batch}, about {passes:.3g} epochs over {rows} rows)"
    per_epoch = optimizer_steps(rows, batch_size, 1, None, grad_accum)
    return (f"training: {steps} {noun} ({rows} rows, {batch}: {per_epoch} per epoch x {epochs:g} "
            f"epoch{'' if epochs == 1 else 's'})")  # fmt: skip
