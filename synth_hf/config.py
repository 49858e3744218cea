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


class RecipeConfig(BaseModel):
    """The `recipe:` block of a recipe YAML: what `recipes/*.py` do after the pipeline (train, evaluate).

    The pipeline commands (`synth-hf graphgen` / `aide`) accept and ignore it, so one YAML serves both.
    """

    model_config = ConfigDict(extra="forbid")

    num_seeds: int = Field(default=10, ge=1, description="AIDE: seeds taken from the MCQ file; the rest evaluate.")
    train_steps: int | None = Field(default=None, ge=1, description="Fixed step count; overrides train_epochs.")
    train_epochs: float = Field(default=3.0, gt=0, description="Passes over the data (the default sizing).")
    mix_raw_text: bool = Field(default=False, description="Also train on the source documents as plain text.")
    batch_size: int = Field(default=4, ge=1)
    learning_rate: float = Field(default=2e-4, gt=0)
    open_qa: str | None = Field(default=None, description="Open-QA eval file, relative to synth_hf/data.")
    licenses: list[str] = Field(default_factory=list, description="Extra licences for the dataset card.")
    include_unverified: bool = Field(
        default=False, description="AIDE: also train on rows whose answer was not checked against documents."
    )


def parse_set(items: list[str] | None) -> dict[str, Any]:
    """`["a.b=3", "c=[x, y]"]` -> `{"a.b": 3, "c": ["x", "y"]}`; values are parsed as YAML.

    Raises ValueError for an item without `=` or with an empty key.
    """
    overrides: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects key.path=value, got {item!r}")
        try:
            overrides[key.strip()] = yaml.safe_load(value)  # "3" -> 3, "[a, b]" -> list, "null" -> None
        except yaml.YAMLError as err:
            raise ValueError(f"--set {key.strip()}: value {value!r} is not valid YAML: {err}") from err
    return overrides


def apply_dotted(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of the mapping `data` with `{"a.b.c": value}` overrides set (missing levels are created).

    Applied to raw mappings *before* validation, so an override can supply a required field.
    """
    out = _copy_mapping(data)
    for dotted, value in overrides.items():
        node = out
        *parents, leaf = dotted.split(".")
        for key in parents:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[leaf] = value
    return out


def _copy_mapping(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _copy_mapping(v) if isinstance(v, dict) else v for k, v in data.items()}


def read_yaml_mapping(path: str | Path) -> dict[str, Any]:
    """The top-level mapping of a YAML file ({} for an empty file).

    Raises FileNotFoundError (missing file) or ValueError (invalid YAML, not a mapping).
    """
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ValueError(f"{path} is not valid YAML: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping at the top level")  # noqa: TRY004 - CLI reports ValueErrors
    return data


def validate_config(cls: type[T], data: dict[str, Any], where: str = "config") -> T:
    """`cls.model_validate(data)`, with pydantic's error re-raised as one ValueError naming `where`."""
    from pydantic import ValidationError

    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise ValueError(f"invalid {where}: {describe_validation_error(err)}") from err


def describe_validation_error(err: Any) -> str:
    """pydantic's errors on one line: `run.name: Input should be a valid string (got 3); ...`."""
    problems = []
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        value = item.get("input")
        got = f" (got {value!r})" if isinstance(value, (str, int, float, bool)) and len(repr(value)) < 60 else ""
        problems.append(f"{where}: {item['msg']}{got}")
    return "; ".join(problems)


def load_config(path: str | Path | None, cls: type[T], overrides: dict[str, Any] | None = None) -> T:
    """Read YAML (or start empty when `path` is None), apply dotted overrides, then validate as `cls`."""
    data = read_yaml_mapping(path) if path is not None else {}
    return validate_config(cls, apply_dotted(data, overrides or {}), where=f"{cls.__name__} ({path or 'flags'})")


def dump_config(config: BaseModel) -> str:
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
