"""Torch's CPU thread pool for the work synth_hf does in its own process (LoRA training, evaluation).

An engine or library that ran earlier in the process can leave torch on fewer threads than the
machine has (vLLM drops its scheduler process to 1; a user may have called set_num_threads), and
training or evaluation then uses one core of several. `use_all_cores` restores the pool to every
usable core unless the user pinned it with OMP_NUM_THREADS.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger(__name__)


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask; the machine's count where unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def use_all_cores() -> int:
    """Set torch's intra-op threads to the usable cores when fewer are in use and OMP_NUM_THREADS
    is not set; returns the thread count in use afterwards. Never lowers a larger pool."""
    import torch

    threads = torch.get_num_threads()
    if os.environ.get("OMP_NUM_THREADS"):
        return threads
    cores = usable_cores()
    if threads < cores:
        log.info("torch was on %d thread(s) of %d usable cores; using all of them", threads, cores)
        torch.set_num_threads(cores)
    return torch.get_num_threads()
