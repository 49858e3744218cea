"""Patches of distilabel 1.5.3 pipeline internals (the version is checked by the package).

Each function changes one upstream behaviour; `apply()` installs all of them once.
"""

from __future__ import annotations

import math
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
    poll_stage_loads(BasePipeline)
    fix_cache_location(BasePipeline)
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
    Patched: a pipeline with `_synth_cache_interval_s` saves at most that often in between (`math.inf`:
    never in between); the final save (normal end or Ctrl-C) always happens. Only a hard kill sees an
    older cache, so only pipelines whose steps keep their own per-batch results (the step frame's memo)
    should set it."""
    save, finalize = pipeline_cls._cache, pipeline_cls._finalize_pipeline_execution

    def _cache(self: Any) -> None:
        interval = getattr(self, "_synth_cache_interval_s", 0.0)
        if interval and not getattr(self, "_synth_finalizing", False):
            now = time.monotonic()
            if math.isinf(interval) or now - getattr(self, "_synth_cache_saved_at", float("-inf")) < interval:
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


# How often the driver checks that a stage's steps have loaded or unloaded (see poll_stage_loads).
LOAD_POLL_S = 0.02
# Upstream's BasePipeline attributes that poll_stage_loads and fix_cache_location replaced, by name:
# tests run a pipeline with them to show the patched run's output is upstream's.
UPSTREAM: dict[str, Any] = {}


def poll_stage_loads(pipeline_cls: Any) -> None:
    """Upstream: `_run_stage_steps_and_wait` looks at a stage's load status every 2.5 s, so each load
    stage costs up to 2.5 s however fast its steps load (a sequential AIDE run has 15 stages: ~37 s of
    its 62 s on the fake engine); `_wait_current_stage_to_finish` re-checks the unload status in a
    loop without sleeping, taking a core from the worker that is unloading.
    Patched: both check every `_synth_load_poll_s` seconds (default LOAD_POLL_S); what they wait
    for, what they log and return, and the stop lock they hold while waiting are upstream's."""
    from distilabel.pipeline.base import _STEP_LOAD_FAILED_CODE, _STEP_UNLOADED_CODE

    def _run_stage_steps_and_wait(self: Any, stage: int) -> bool:
        assert self._batch_manager, "Batch manager is not set"
        steps = self._steps_to_be_loaded_in_stage(stage)
        self._run_steps(steps=steps)
        self._logger.info(f"⏳ Waiting for all the steps of stage {stage} to load...")
        previous_message = None
        with self._stop_called_lock:
            while not self._stop_called:
                with self._steps_load_status_lock:
                    status = self._get_steps_load_status(steps)
                    if any(replicas == _STEP_LOAD_FAILED_CODE for replicas in status.values()):
                        self._logger.error(f"❌ Failed to load all the steps of stage {stage}")
                        return False
                    # a fast step may have finished (unloaded) before it is seen loaded
                    loaded = [
                        name
                        for name, replicas in status.items()
                        if replicas in (self.dag.get_step_replica_count(name), _STEP_UNLOADED_CODE)
                    ]
                    message = f"⏳ Steps from stage {stage} loaded: {len(loaded)}/{len(status)}" + "".join(
                        f"\n * '{name}' replicas: {max(0, replicas)}/{self.dag.get_step_replica_count(name)}"
                        for name, replicas in status.items()
                    )
                    if loaded and message != previous_message:
                        self._logger.info(message)
                        previous_message = message
                    if len(loaded) == len(status):
                        self._logger.info(f"✅ All the steps from stage {stage} have been loaded!")
                        return True
                time.sleep(getattr(self, "_synth_load_poll_s", LOAD_POLL_S))
        return not self._stop_called

    def _wait_current_stage_to_finish(self: Any) -> None:
        stage = self._current_stage
        steps = self._steps_to_be_loaded_in_stage(stage)
        self._logger.info(f"⏳ Waiting for stage {stage} to finish...")
        with self._stop_called_lock:
            while not self._stop_called:
                status = self._get_steps_load_status(steps)
                if all(replicas == _STEP_UNLOADED_CODE for replicas in status.values()):
                    self._logger.info(f"✅ Stage {stage} has finished!")
                    break
                time.sleep(getattr(self, "_synth_load_poll_s", LOAD_POLL_S))

    for name, patched in (
        ("_run_stage_steps_and_wait", _run_stage_steps_and_wait),
        ("_wait_current_stage_to_finish", _wait_current_stage_to_finish),
    ):
        UPSTREAM.setdefault(name, getattr(pipeline_cls, name))
        setattr(pipeline_cls, name, patched)


def fix_cache_location(pipeline_cls: Any) -> None:
    """Upstream: `_cache_location` hashes every step's dump (pipeline and aggregated step signatures)
    each time it is read, and the driver reads it for every batch it registers (`_register_batch`):
    0.1-0.3 s of the driver's CPU per batch of an AIDE run on 2 cores.
    Patched: while `_output_queue_loop` runs (stage loads, batches, the final save) it reuses the
    location computed when the loop started; outside the loop it is computed as upstream. Upstream
    already fixes the location for a run: the batch-data folder and the log file are read from it once
    at the start, so a location that changed mid-run would already split the run's files."""
    UPSTREAM.setdefault("_cache_location", pipeline_cls._cache_location)
    UPSTREAM.setdefault("_output_queue_loop", pipeline_cls._output_queue_loop)
    compute = UPSTREAM["_cache_location"].fget
    loop = UPSTREAM["_output_queue_loop"]

    def _cache_location(self: Any) -> Any:
        fixed = getattr(self, "_synth_cache_location", None)
        return dict(fixed) if fixed is not None else compute(self)

    def _output_queue_loop(self: Any) -> None:
        self._synth_cache_location = compute(self)
        try:
            loop(self)
        finally:
            self._synth_cache_location = None

    pipeline_cls._cache_location = property(_cache_location, doc=pipeline_cls._cache_location.__doc__)
    pipeline_cls._output_queue_loop = _output_queue_loop
