"""Fast engine logic: factory, early errors, empty input, batch failures (no real model)."""

from __future__ import annotations

import pickle

import pytest

from synth_hf.models import (
    EngineError,
    FakeLLM,
    OpenAIEngine,
    TransformersEngine,
    VLLMEngine,
    available_engines,
    build_engine,
)
from synth_hf.models.resolve import ModelNotFoundError


def _no_cuda() -> bool:
    import torch

    return not torch.cuda.is_available()


# ---- build_engine / available_engines ----------------------------------------------------
def test_build_engine_from_dict_and_string() -> None:
    engine = build_engine({"engine": "vllm", "model": "/models/x", "max_model_len": 2048})
    assert isinstance(engine, VLLMEngine)
    assert engine.model == "/models/x" and engine.max_model_len == 2048
    assert isinstance(build_engine("transformers"), TransformersEngine)
    assert build_engine("vllm:/some/folder").model == "/some/folder"
    assert isinstance(build_engine({"engine": "openai", "base_url": "http://127.0.0.1:1/v1"}), OpenAIEngine)
    fake = build_engine({"engine": "fake", "default_reply": "hi"})
    assert isinstance(fake, FakeLLM) and fake.generate_texts(["x"]) == ["hi"]
    assert build_engine(fake) is fake


def test_build_engine_rejects_unknown_engine_and_fields() -> None:
    with pytest.raises(ValueError, match="Unknown engine 'llamacpp'.*vllm"):
        build_engine({"engine": "llamacpp"})
    with pytest.raises(ValueError):  # pydantic ValidationError is a ValueError
        build_engine({"engine": "vllm", "max_model_length": 10})


def test_available_engines_is_cheap_and_well_formed() -> None:
    status = available_engines()
    assert set(status) >= {"vllm", "transformers", "openai", "fake"}
    assert all(v == "available" or v.startswith("missing: ") for v in status.values())


def test_importing_models_does_not_import_vllm() -> None:
    import subprocess
    import sys

    code = "import sys, synth_hf.models as m; m.available_engines(); print('vllm' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().endswith("False")


# ---- early, clear errors --------------------------------------------------------------------
@pytest.mark.parametrize("engine_cls", [VLLMEngine, TransformersEngine])
def test_unknown_model_path_is_one_clear_error(engine_cls: type, tmp_path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(ModelNotFoundError, match="no-such-model"):
        engine_cls(model=missing).load()


@pytest.mark.skipif(not _no_cuda(), reason="needs a machine without CUDA")
@pytest.mark.parametrize("engine_cls", [VLLMEngine, TransformersEngine])
def test_cuda_on_cpu_machine_fails_before_loading(engine_cls: type) -> None:
    engine = engine_cls(device="cuda")
    with pytest.raises(ValueError, match="device='cuda'.*no CUDA GPU"):
        engine.load()
    assert getattr(engine, "_llm", None) is None and getattr(engine, "_model", None) is None


@pytest.mark.skipif(not _no_cuda(), reason="needs a machine without CUDA")
def test_tensor_parallel_without_gpus_fails_before_loading() -> None:
    with pytest.raises(ValueError, match="tensor_parallel_size=2 needs that many GPUs"):
        VLLMEngine(tensor_parallel_size=2).load()


# ---- empty input and failing batches ---------------------------------------------------------
@pytest.mark.parametrize(
    "engine", [FakeLLM(), VLLMEngine(), TransformersEngine(), OpenAIEngine(base_url="http://127.0.0.1:9/v1")]
)
def test_empty_prompt_list_gives_empty_result_without_loading(engine) -> None:
    assert engine.complete([]) == []
    assert engine.generate([]) == []
    assert engine.score_yes_no([]) == []
    assert engine.generate_json([], {"type": "object"}) == []
    assert getattr(engine, "_llm", None) is None and getattr(engine, "_model", None) is None


def test_failure_mid_batch_names_the_batch() -> None:
    engine = FakeLLM(fail_on="BOOM", batch_size=2, batch_retries=0)
    prompts = ["a", "b", "c", "BOOM d", "e"]
    with pytest.raises(EngineError, match=r"batch 1 \(prompts 2\.\.3\)"):
        engine.generate_texts(prompts)


def test_engines_pickle_before_load() -> None:
    for engine in (VLLMEngine(seed=3), TransformersEngine(), OpenAIEngine(model="m")):
        clone = pickle.loads(pickle.dumps(engine))
        assert clone.model_dump() == engine.model_dump()
