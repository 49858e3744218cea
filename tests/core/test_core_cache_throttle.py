"""distilabel saves its cache after every batch; a pipeline can space those saves out, and the
final save still always happens."""

from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts

from synth_hf import distilabel_compat


def _pipeline(monkeypatch, interval: float | None) -> tuple[Pipeline, list]:
    distilabel_compat.apply()
    with Pipeline(name=f"throttle-{interval}") as pipeline:
        LoadDataFromDicts(data=[{"a": 1}])
    saves: list = []
    monkeypatch.setattr(pipeline, "save", lambda **kw: saves.append(kw), raising=False)
    monkeypatch.setattr(pipeline, "_save_stages_status", lambda: None, raising=False)
    # What finalisation waits on, stubbed: no step is running in this test.
    monkeypatch.setattr(pipeline, "_notify_steps_to_stop", lambda: None, raising=False)
    monkeypatch.setattr(pipeline, "_is_step_running", lambda name: False, raising=False)
    monkeypatch.setattr(pipeline, "_add_batch_for_recovering_offline_batch_generation", lambda: None, raising=False)
    pipeline._batch_manager = None
    if interval is not None:
        pipeline._synth_cache_interval_s = interval
    return pipeline, saves


def test_saves_between_batches_are_spaced_but_the_final_one_is_not(monkeypatch):
    pipeline, saves = _pipeline(monkeypatch, interval=3600.0)
    for _ in range(5):  # five batches inside one interval: one save
        pipeline._cache()
    assert len(saves) == 1
    pipeline._finalize_pipeline_execution()
    assert len(saves) == 2
    pipeline._cache()  # after finalisation the throttle applies again
    assert len(saves) == 2


def test_without_an_interval_every_batch_saves(monkeypatch):
    pipeline, saves = _pipeline(monkeypatch, interval=None)
    for _ in range(3):
        pipeline._cache()
    assert len(saves) == 3


def test_the_patches_refuse_another_distilabel_version():
    import pytest

    distilabel_compat.check_version("1.5.3")
    with pytest.raises(RuntimeError, match=r"patches distilabel 1\.5\.3 .*distilabel 1\.6\.0 is installed"):
        distilabel_compat.check_version("1.6.0")


def test_an_infinite_interval_keeps_only_the_final_save(monkeypatch):
    import math

    pipeline, saves = _pipeline(monkeypatch, interval=math.inf)
    for _ in range(3):  # no save in between, not even the first
        pipeline._cache()
    assert saves == []
    pipeline._finalize_pipeline_execution()
    assert len(saves) == 1


def test_aide_keeps_only_distilabels_final_cache_save(tmp_path):
    import math

    from synth_hf.pipelines.aide import build_aide
    from synth_hf.pipelines.aide_config import AIDEConfig

    config = AIDEConfig.model_validate({
        "run": {"output_dir": str(tmp_path), "name": "r"},
        "engine": {"engine": "fake"},
        "seeds": {"rows": [{"question": "Why is the sky blue?", "answer": "Rayleigh scattering."}]},
        "personas": {"source": None, "embedder": "hashing", "cache_dir": str(tmp_path / "emb")},
    })  # fmt: skip
    assert build_aide(config)._synth_cache_interval_s == math.inf
