"""Pydantic configuration shared by CLI, recipes and the Python API (loadable from YAML).

`ConfigBase` is the one mechanism every config uses: strict fields, YAML loading, dotted `--set`
overrides and flags applied *before* validation, and errors blamed on where the bad value came from
(the file, a `--set` item or a flag). `TrainConfig` declares LoRA training once: `synth-hf train`'s
flags are generated from it (`synth_hf.cli.args`), a YAML file or the recipe block's `train:` fill
it, and `synth_hf.train.train_with_config` runs it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from synth_hf.config_yaml import _lookup, _validate, apply_dotted, parse_set, read_yaml_mapping

EngineName = Literal["transformers", "vllm", "openai", "fake"]
T = TypeVar("T", bound=BaseModel)


def _hub_license(value: str | None) -> str | None:
    from synth_hf.hub.licenses import check_license  # lazy: synth_hf.hub imports datasets

    return None if value is None else check_license(value, "licence")


# The licence of an input (documents, corpus): a Hub licence id the dataset card inherits; None = not
# declared, which the card says rather than leaving those terms out unmentioned.
SourceLicense = Annotated[str | None, AfterValidator(_hub_license)]
SOURCE_LICENSE_HELP = ("Hub licence id of these documents (e.g. cc-by-4.0), which the dataset card inherits; "
                       "None = not declared: the card then says their licence is unknown.")  # fmt: skip


class ConfigBase(BaseModel):
    """Strict config (unknown keys are errors) loadable from YAML with overrides.

    Precedence: the YAML file, then `--set key.path=value` items, then flags; all are applied to the
    raw mapping before validation, so they can supply required fields. Every error is one ValueError
    naming its source, e.g. `invalid graphgen config: --set generation.modez=3: generation.modez:
    unknown key (did you mean 'modes'?)`.
    """

    model_config = ConfigDict(extra="forbid")
    config_name: ClassVar[str] = "config"  # how errors name this config

    @classmethod
    def load(
        cls,
        path: str | Path | None = None,
        set_items: list[str] | dict[str, Any] | None = None,
        flags: dict[str, Any] | None = None,
        flag_names: dict[str, str] | None = None,
        required: dict[str, str] | None = None,
        data: dict[str, Any] | None = None,
        positional: list[str] | None = None,
    ) -> Self:
        """Read YAML (or start empty), apply `set_items` (`"a.b=3"` strings or a dotted mapping), then
        `flags` (dotted mapping; `flag_names` maps a dotted key to the flag that set it), then validate.
        `required` maps dotted keys to the message raised when none of the sources gave a value.
        `data`: the file's mapping when the caller has read it already (`path` then only names it).
        `positional`: `key.path=value` items typed without `--set` (a command's trailing overrides),
        applied before `set_items` and blamed on the item as typed.

        Raises FileNotFoundError (missing file) or ValueError (invalid YAML, --set item or field).
        """
        if data is None:
            data = read_yaml_mapping(path) if path is not None else {}
        origins: dict[str, str] = {}
        if isinstance(set_items, dict):
            overrides = dict(set_items)
            origins.update({key: f"override {key}" for key in overrides})
        else:
            overrides = parse_set(positional, label="override") | parse_set(set_items)
            origins.update({item.partition("=")[0].strip(): f"override {item}" for item in positional or []})
            origins.update({item.partition("=")[0].strip(): f"--set {item}" for item in set_items or []})
        for key in flags or {}:
            origins[key] = (flag_names or {}).get(key, f"flag {key}")
        merged = apply_dotted(apply_dotted(data, overrides), flags or {})
        where = str(path) if path is not None else None
        for key, message in (required or {}).items():
            if _lookup(merged, key) in (None, ""):
                if set(merged) - set(cls.model_fields):  # a misspelt block ("inptu:") is the likelier fix
                    _validate(cls, merged, cls.config_name, where, origins)
                raise ValueError(message)
        return _validate(cls, merged, cls.config_name, where, origins)

    @classmethod
    def from_yaml(cls, path: str | Path, overrides: dict[str, Any] | None = None) -> Self:
        """Load a YAML config; dotted `overrides` are applied before validation (ValueError if invalid)."""
        return cls.load(path, overrides or {})

    def with_overrides(self, overrides: dict[str, Any]) -> Self:
        """`{"generation.modes.atomic": 3, "run.name": "x"}` -> a new validated config."""
        return type(self).load(set_items=overrides, data=self.model_dump(mode="json"))


class EngineConfig(ConfigBase):
    """Which engine and model; `options` go to the engine class (batch_size, base_url, ...)."""

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
        """`engine:model` for messages; without a model, the embedded model for the engines that load it
        (transformers, vllm) and the engine alone otherwise (`fake` runs no model)."""
        from synth_hf.models.embedded import EMBEDDED_LLM_NAME

        if self.model:
            return f"{self.engine}:{self.model}"
        if self.engine == "openai" and self.options.get("base_url"):  # the model the server serves
            shown = str(self.options["base_url"]).split("?", 1)[0]  # a query may carry a key
            return f"openai:the model served at {shown}"
        return f"{self.engine}:{EMBEDDED_LLM_NAME}" if self.engine in ("transformers", "vllm") else self.engine


class RunConfig(ConfigBase):
    """Where a pipeline run writes (`output_dir/name`), its executor, batching, exports and seed."""

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

    @field_validator("name")
    @classmethod
    def _one_folder(cls, value: str) -> str:
        # the run folder is output_dir/name: "../.." or "a/b" would write (and clear caches) elsewhere
        if not value.strip() or value.strip() in (".", "..") or any(c in value for c in "/\\"):
            raise ValueError("run name must be one folder name: not empty, no '/', not '.' or '..'")
        return value

    @property
    def run_dir(self) -> Path:
        return Path(self.output_dir) / self.name

    @property
    def ledger_dir(self) -> Path:
        return self.run_dir / "ledger"


class TrainConfig(ConfigBase):
    """LoRA SFT with TRL, declared once: `synth-hf train` flags (one per field, `--lora-r` for
    `lora_r`), a YAML file (`synth-hf train --config`), a recipe's `recipe.train` block and Python
    (`train_with_config(TrainConfig(dataset=..., out=...))`). Sizing: `epochs` passes over the data
    unless `max_steps` is given. `dataset` and `out` are filled in by the recipes."""

    config_name: ClassVar[str] = "train config"

    @field_validator("dataset", "out", "raw_text")
    @classmethod
    def _home(cls, value: str | None) -> str | None:
        """`~/x` as the user's home, as a shell would (a YAML value or a quoted flag keeps the `~`)."""
        return os.path.expanduser(value) if isinstance(value, str) and value.startswith("~") else value

    dataset: str | None = Field(
        default=None, description="messages / prompt-completion data: a saved or staged folder, a data file "
        "or a Hub id (may be left out when raw text is given: --raw-text)"
    )
    model: str | None = Field(default=None, description="base model folder or Hub id (default: embedded Gemma-3-270M)")
    out: str | None = Field(default=None, description="folder the adapter is written to")
    epochs: float = Field(
        default=1.0, gt=0, allow_inf_nan=False, description="passes over the data (unused when --max-steps is given)"
    )
    max_steps: int | None = Field(
        default=None, ge=1, description="fixed optimizer-step count; when given it wins over --epochs "
        "(as transformers' max_steps overrides num_train_epochs)"
    )
    raw_text: str | None = Field(
        default=None, description="documents (folder, file or Hub id) trained as plain text, alone or beside the "
        "dataset"
    )
    raw_text_column: str = Field(default="text", description="text column when --raw-text is a table (jsonl, csv, ...)")
    lr: float = Field(
        default=2e-4, gt=0, allow_inf_nan=False,
        description="learning rate; one default for this command, the recipes and train_lora; the demo config "
        "(recipes/configs/) graphgen_medqa.yaml trains the embedded 270M model at 0.002",
    )
    lora_r: int = Field(default=8, ge=1, description="LoRA rank")
    lora_alpha: int = Field(default=16, ge=1, description="LoRA alpha")
    max_length: int = Field(default=512, ge=8, description="tokens per row (longer rows are truncated, counted)")
    batch_size: int = Field(default=8, ge=1, description="rows per optimizer step")
    push_to_hub: str | None = Field(default=None, description="repo id for the adapter")
    invalid_rows: Literal["skip", "error"] = Field(
        default="skip", description="rows that cannot be trained on (null content, wrong roles, ...): skip and "
        "count them, or refuse the dataset"
    )
    include_unverified: bool = Field(
        default=False, description="also train on rows with verified=false (AIDE answers not checked against documents)"
    )

    def lora_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of `synth_hf.train.train_lora` this config sets."""
        return {
            "max_steps": self.max_steps, "epochs": self.epochs, "lr": self.lr, "lora_r": self.lora_r,
            "lora_alpha": self.lora_alpha, "max_length": self.max_length, "batch_size": self.batch_size,
            "push_to_hub": self.push_to_hub, "invalid_rows": self.invalid_rows,
            "include_unverified": self.include_unverified,
        }  # fmt: skip


# A recipe trains longer on smaller batches than `synth-hf train` does by default.
RECIPE_TRAIN_DEFAULTS = {"epochs": 3.0, "batch_size": 4}
# Flat keys of the recipe block before it had `train:`; still read, as their `train.*` field.
LEGACY_RECIPE_KEYS = {"train_steps": "max_steps", "train_epochs": "epochs", "batch_size": "batch_size",
                      "learning_rate": "lr", "include_unverified": "include_unverified"}


class RecipeConfig(ConfigBase):
    """The `recipe:` block of a recipe YAML: what `recipes/*.py` do after the pipeline (train, evaluate).

    The pipeline commands (`synth-hf graphgen` / `aide`) accept and ignore it, so one YAML serves both.
    `train` is a TrainConfig (recipe defaults: 3 epochs, batch 4); the older flat keys (`train_epochs`,
    `train_steps`, `batch_size`, `learning_rate`, `include_unverified`) are read into it.
    """

    config_name: ClassVar[str] = "recipe block"

    num_seeds: int = Field(default=10, ge=1, description="AIDE: seeds taken from the MCQ file; the rest evaluate.")
    train: TrainConfig = Field(default_factory=lambda: TrainConfig(**RECIPE_TRAIN_DEFAULTS))
    mix_raw_text: bool = Field(default=False, description="Also train on the source documents as plain text.")
    open_qa: str | None = Field(default=None, description="Open-QA eval file, relative to synth_hf/data.")
    licenses: list[str] = Field(default_factory=list, description="Extra licences for the dataset card.")

    @model_validator(mode="before")
    @classmethod
    def _train_block(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        train = data.get("train")
        if train is not None and not isinstance(train, dict):
            return data  # pydantic reports the wrong type
        train = {**RECIPE_TRAIN_DEFAULTS, **(train or {})}
        for old, new in LEGACY_RECIPE_KEYS.items():
            if old in data:
                if new in (data.get("train") or {}):
                    raise ValueError(f"recipe: give {old} or train.{new}, not both")
                train[new] = data.pop(old)
        data["train"] = train
        return data


def load_config(path: str | Path | None, cls: type[T], overrides: dict[str, Any] | None = None) -> T:
    """Read YAML (or start empty when `path` is None), apply dotted overrides, then validate as `cls`."""
    return cls.load(path, overrides or {})  # type: ignore[attr-defined]


def dump_config(config: BaseModel) -> str:
    """The config as YAML (what `load` reads back)."""
    return yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False)
