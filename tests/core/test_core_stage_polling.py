"""The driver notices a load stage's steps loading (and unloading) within the poll interval, not
upstream's 2.5 s, and still reports a failed load and a step that finished before it was seen."""

from __future__ import annotations

import threading
import time

from distilabel.pipeline import Pipeline
from distilabel.pipeline.base import _STEP_LOAD_FAILED_CODE, _STEP_NOT_LOADED_CODE, _STEP_UNLOADED_CODE
from distilabel.steps import LoadDataFromDicts

from synth_hf import distilabel_compat
from synth_hf.distilabel_compat import patches


def _pipeline(monkeypatch, becomes: int, after_s: float) -> tuple[Pipeline, list]:
    """A pipeline whose one step's load status turns `becomes` `after_s` seconds after it is run."""
    distilabel_compat.apply()
    with Pipeline(name="polling") as pipeline:
        LoadDataFromDicts(name="s", data=[{"a": 1}])
    pipeline._steps_load_status = {"s": _STEP_NOT_LOADED_CODE}
    pipeline._current_stage = 0
    pipeline._batch_manager = object()  # upstream asserts there is one; nothing here uses it
    checks: list = []

    def flip(**_: object) -> None:
        def set_status() -> None:
            with pipeline._steps_load_status_lock:
                pipeline._steps_load_status["s"] = becomes

        threading.Timer(after_s, set_status).start()

    original = pipeline._get_steps_load_status
    monkeypatch.setattr(pipeline, "_steps_to_be_loaded_in_stage", lambda stage: ["s"], raising=False)
    monkeypatch.setattr(pipeline, "_run_steps", flip, raising=False)
    monkeypatch.setattr(
        pipeline, "_get_steps_load_status", lambda steps: checks.append(1) or original(steps), raising=False
    )
    return pipeline, checks


def test_a_stage_counts_as_loaded_within_the_poll_interval(monkeypatch):
    pipeline, _ = _pipeline(monkeypatch, becomes=1, after_s=0.1)
    started = time.monotonic()
    assert pipeline._run_stage_steps_and_wait(stage=0) is True
    assert time.monotonic() - started < 1.0  # upstream sleeps 2.5 s after its first look


def test_a_failed_load_and_a_step_already_finished_are_still_told_apart(monkeypatch):
    pipeline, _ = _pipeline(monkeypatch, becomes=_STEP_LOAD_FAILED_CODE, after_s=0.05)
    assert pipeline._run_stage_steps_and_wait(stage=0) is False
    pipeline, _ = _pipeline(monkeypatch, becomes=_STEP_UNLOADED_CODE, after_s=0.05)
    assert pipeline._run_stage_steps_and_wait(stage=0) is True


def test_waiting_for_a_stage_to_unload_sleeps_between_checks(monkeypatch):
    pipeline, checks = _pipeline(monkeypatch, becomes=_STEP_UNLOADED_CODE, after_s=0.3)
    pipeline._run_steps()  # the step "unloads" 0.3 s from now
    started = time.monotonic()
    pipeline._wait_current_stage_to_finish()
    assert 0.25 < time.monotonic() - started < 1.0
    # 0.3 s at one check per LOAD_POLL_S; upstream re-checks in a busy loop (many thousands)
    assert len(checks) <= 0.3 / patches.LOAD_POLL_S + 5, len(checks)


def test_upstream_methods_are_kept_for_comparison():
    from distilabel.pipeline.base import BasePipeline

    distilabel_compat.apply()
    assert {"_run_stage_steps_and_wait", "_wait_current_stage_to_finish"} <= set(patches.UPSTREAM)
    for name in ("_run_stage_steps_and_wait", "_wait_current_stage_to_finish"):
        assert getattr(BasePipeline, name) is not patches.UPSTREAM[name]
        assert patches.UPSTREAM[name].__module__ == "distilabel.pipeline.base"
