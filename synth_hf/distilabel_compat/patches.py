"""Patches of distilabel 1.5.3 pipeline internals (the version is checked by the package).

Each function changes one upstream behaviour; `apply()` installs all of them once.
"""

from __future__ import annotations

import time
from typing import Any

_APPLIED = False


def apply() -> None:
    """Install every patch below, once per process."""
    global _APPLIED
    if _APPLIED:
        return
    from distilabel.pipeline.base import BasePipeline
    from distilabel.pipeline.batch_manager import _BatchManagerStep

    stop_idle_replicas(BasePipeline)
    accumulate_in_order(_BatchManagerStep)
    throttle_cache(BasePipeline)
    _APPLIED = True


def stop_idle_replicas(pipeline_cls: Any) -> None:
    """Upstream: when a step runs as several replicas, only the replica that handled the final batch
    stops; the others keep waiting on their input queue and the pipeline never finishes.
    Patched: after a step's last batch, the stop flag is sent to each remaining replica."""
    from distilabel.constants import LAST_BATCH_SENT_FLAG

    original = pipeline_cls._process_batch

    def _process_batch(self: Any, batch: Any, send_last_batch_flag: bool = True) -> None:
        original(self, batch, send_last_batch_flag)
        step_name = batch.step_name
        if not batch.last_batch or self.dag.get_step_replica_count(step_name) <= 1:
            return
        # One flag per replica still waiting; the finished replica never reads its queue again.
        for _ in range(self.dag.get_step_replica_count(step_name) - 1):
            self._send_to_step(step_name, LAST_BATCH_SENT_FLAG)

    pipeline_cls._process_batch = _process_batch


def accumulate_in_order(batch_manager_step_cls: Any) -> None:
    """Upstream: a global (accumulating) step starts once the last batch arrived; with replicas the
    last batch can overtake an earlier one, so the step would run on partial data.
    Patched: it also waits until the sequence numbers 0..last have all arrived."""

    def _ready_to_create_batch_accumulate(self: Any) -> bool:
        for step, batches in self.data.items():
            if step not in self.last_batch_received or sum(len(b.data[0]) for b in batches) == 0:
                return False
            seq_nos = sorted(b.seq_no for b in batches)
            if seq_nos != list(range(seq_nos[0], seq_nos[0] + len(seq_nos))) or seq_nos[0] != 0:
                return False
        return True

    batch_manager_step_cls._ready_to_create_batch_accumulate = _ready_to_create_batch_accumulate


def throttle_cache(pipeline_cls: Any) -> None:
    """Upstream: the whole pipeline and every buffered batch are saved after each batch, which grows
    with the run (O(batches²)) and dominated the driver's time in benchmarks/memory_scale.py.
    Patched: a pipeline with `_synth_cache_interval_s` saves at most that often in between; the final
    save (normal end or Ctrl-C) always happens. Only a hard kill sees an older cache, so only pipelines
    whose steps keep their own per-batch results (the step frame's memo) should set it."""
    save, finalize = pipeline_cls._cache, pipeline_cls._finalize_pipeline_execution

    def _cache(self: Any) -> None:
        interval = getattr(self, "_synth_cache_interval_s", 0.0)
        if interval and not getattr(self, "_synth_finalizing", False):
            now = time.monotonic()
            if now - getattr(self, "_synth_cache_saved_at", float("-inf")) < interval:
                return
            self._synth_cache_saved_at = now
        save(self)

    def _finalize_pipeline_execution(self: Any) -> None:
        self._synth_finalizing = True  # its save is the one that must never be skipped
        try:
            finalize(self)
        finally:
            self._synth_finalizing = False

    pipeline_cls._cache = _cache
    pipeline_cls._finalize_pipeline_execution = _finalize_pipeline_execution
