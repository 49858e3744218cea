"""Every change synth_hf makes to distilabel's internals, in one place, for the one version it was
written against.

distilabel 1.5.3 is its last release; the patches below reach into private methods, so a different
version fails at import with a clear error instead of misbehaving quietly. Each patch says which
upstream behaviour it changes and why:

- `patches.stop_idle_replicas` — `BasePipeline._process_batch`: after a step's last batch, the stop
  flag goes to every replica, not only the one that took the batch (upstream, the others wait on
  their queue forever and the run never ends).
- `patches.accumulate_in_order` — `_BatchManagerStep._ready_to_create_batch_accumulate`: a global
  step starts only once batches 0..last all arrived (upstream, with replicas the last batch can
  overtake an earlier one and the global step runs on partial data).
- `patches.throttle_cache` — `BasePipeline._cache` / `_finalize_pipeline_execution`: a pipeline may
  space out its cache saves, or keep only the final one (upstream saves everything after every batch,
  O(batches²)); the final save always happens.
- `patches.poll_stage_loads` — `BasePipeline._run_stage_steps_and_wait` /
  `_wait_current_stage_to_finish`: the driver checks a load stage's status every 20 ms (upstream
  every 2.5 s, so each of a sequential run's stages cost up to 2.5 s; and it spun without sleeping
  while a stage unloaded).
- `patches.fix_cache_location` — `BasePipeline._cache_location` / `_output_queue_loop`: computed once
  per run loop (upstream hashes every step's dump for every batch the driver registers).
- `worker_start.use_fork_server` — `distilabel.pipeline.local.mp` / `_NoDaemonPool`: step workers
  start from a fork server (upstream forks the caller, whose dead OpenMP pool hangs the worker after
  the caller ran torch on several threads).
- `runtime_parameter.install` — `distilabel.mixins.runtime_parameters.RuntimeParameter`: the same
  alias with its None default in a FieldInfo subclass (upstream's plain `Field(default=None)` inside
  `Optional[...]` makes pydantic warn twice on every command that loads an engine). Installed by
  `synth_hf/__init__.py`, before distilabel's model modules import the alias.
- `fork_server_ready` — not a patch: imported last by the fork server, freezes its preloaded heap.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

PATCHED_VERSION = "1.5.3"


def check_version(installed: str | None = None) -> None:
    """Raise RuntimeError unless distilabel `installed` (default: the installed one) is PATCHED_VERSION."""
    if installed is None:
        try:
            installed = version("distilabel")
        except PackageNotFoundError as err:
            raise RuntimeError("synth_hf needs distilabel==1.5.3, which is not installed") from err
    if installed != PATCHED_VERSION:
        raise RuntimeError(
            f"synth_hf patches distilabel {PATCHED_VERSION} internals (synth_hf/distilabel_compat); "
            f"distilabel {installed} is installed: pip install distilabel=={PATCHED_VERSION}"
        )


check_version()


def apply() -> None:
    """Apply every patch of `patches` once (idempotent)."""
    from synth_hf.distilabel_compat import patches

    patches.apply()
