"""The driver hashes the pipeline (its cache location) once per run loop, not once per batch, and
outside the loop the location is computed afresh as upstream does."""

from __future__ import annotations

from distilabel.pipeline import Pipeline
from distilabel.pipeline.base import BasePipeline
from distilabel.steps import KeepColumns, LoadDataFromDicts

from synth_hf import distilabel_compat
from synth_hf.distilabel_compat import patches


def _pipeline(monkeypatch, reads_in_loop: int) -> tuple[Pipeline, list, list]:
    """A pipeline whose run loop only reads its cache location `reads_in_loop` times; returns it,
    the signatures computed and the locations read."""
    distilabel_compat.apply()
    with Pipeline(name="location") as pipeline:
        LoadDataFromDicts(name="load", data=[{"a": 1}]) >> KeepColumns(name="keep", columns=["a"])
    hashed: list = []
    seen: list = []
    upstream_signature = BasePipeline.signature.fget

    def counting_signature(self):
        hashed.append(1)
        return upstream_signature(self)

    monkeypatch.setattr(Pipeline, "signature", property(counting_signature))

    def create_queues() -> None:  # the first thing the loop does; stands in for the batches
        seen.extend(pipeline._cache_location for _ in range(reads_in_loop))

    monkeypatch.setattr(pipeline, "_create_steps_input_queues", create_queues, raising=False)
    monkeypatch.setattr(pipeline, "_initialize_pipeline_execution", lambda: False, raising=False)
    return pipeline, hashed, seen


def test_the_run_loop_hashes_the_pipeline_once_however_many_batches(monkeypatch):
    pipeline, hashed, seen = _pipeline(monkeypatch, reads_in_loop=20)
    pipeline._output_queue_loop()
    assert len(seen) == 20 and all(loc == seen[0] for loc in seen)
    assert len(hashed) == 1  # upstream: 20 (once per read)
    assert seen[0] == patches.UPSTREAM["_cache_location"].fget(pipeline)  # the same place as upstream's


def test_outside_the_loop_the_location_follows_the_pipeline(monkeypatch):
    pipeline, hashed, _ = _pipeline(monkeypatch, reads_in_loop=1)
    pipeline._output_queue_loop()
    before = pipeline._cache_location
    pipeline.name = "renamed"  # not a memo left over from the loop
    after = pipeline._cache_location
    assert after["pipeline"] != before["pipeline"] and "renamed" in str(after["pipeline"])
    assert len(hashed) == 3
    after["pipeline"] = None  # a copy: the caller cannot change the run's location
    assert pipeline._cache_location["pipeline"] is not None
