"""Pydantic configuration shared by CLI, recipes and the Python API (loadable from YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field

EngineName = Literal["transformers", "vllm", "openai", "fake"]
T = TypeVar("T", bound=BaseModel)


class EngineConfig(BaseModel):
    """Which engine and model; `options` go to the engine class (batch_size, base_url, ...)."""

    model_config = ConfigDict(extra="forbid")

    engine: EngineName = "transformers"
    model: str | None = None  # None = the embedded Gemma-3-270M
    options: dict[str, Any] = Field(default_factory=dict)

    def build(self):  # -> SynthLLM
        from synth_hf.models import build_engine

        # Inside a pipeline a failing batch is retried, then skipped and counted, so one
        # bad batch cannot end a long run; set options.on_batch_failure=raise to fail fast.
        options = {"on_batch_failure": "skip", **self.options}
        if self.model is not None:  # engines without a model field (fake) must not get one
            options["model"] = self.model
        return build_engine({"engine": self.engine, **options})

    def describe(self) -> str:
        from synth_hf.models.embedded import EMBEDDED_LLM_NAME

        return f"{self.engine}:{self.model or EMBEDDED_LLM_NAME}"


class RunConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output_dir: str = "outputs"
    name: str = "run"
    use_cache: bool = True
    executor: Literal["local", "ray"] = "local"
    ray_address: str | None = None  # None: start a local Ray cluster; "auto" or ray://host:10001 to join one
    ray_num_cpus: int | None = None  # local cluster size; None = all cores
    replicas: dict[str, int] = Field(default_factory=dict)  # step-name prefix -> replicas (Ray and local)
    input_batch_size: int = Field(default=16, ge=1)
    exports: list[str] = Field(default_factory=lambda: ["prompt_completion", "alpaca", "sharegpt"])
    seed: int = 0

    @property
    def run_dir(self) -> Path:
        return Path(self.output_dir) / self.name

    @property
    def ledger_dir(self) -> Path:
        return self.run_dir / "ledger"


def load_config(path: str | Path, cls: type[T]) -> T:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")  # noqa: TRY004 - CLI reports ValueErrors
    return cls.model_validate(data)


def dump_config(config: BaseModel) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
