"""LoRA supervised fine-tuning with TRL's SFTTrainer on a synth_hf dataset.

`train_lora(...)` is the Python form of this TRL command line (same hyper-parameters):

    trl sft --model_name_or_path <base_model> --dataset_name <staged_dir_or_repo_id> \\
        --use_peft --lora_r 8 --lora_alpha 16 --lora_target_modules all-linear \\
        --learning_rate 2e-4 --num_train_epochs 1 --per_device_train_batch_size 8 \\
        --max_length 512 --output_dir <out_dir> --report_to none \\
        --chat_template_path <out_dir>/chat_template.jinja --assistant_only_loss True
    # on a CPU-only machine add: --use_cpu True --bf16 False --gradient_checkpointing False

(`--chat_template_path` is only needed for a base model without a chat template, such as the
embedded Gemma-3-270M: point it at the `chat_template.jinja` a previous `train_lora` run saved, or
at a file holding `PLAIN_CHAT_TEMPLATE`.)

Chat template for base models: a `messages` dataset needs a chat template and the embedded model
has none. We then install `PLAIN_CHAT_TEMPLATE` on the tokenizer - plain text turns

    <bos>User: {question}\\nAssistant: {answer}<eos>\\n

with `{% generation %}` markers, so only the assistant's tokens are trained
(`assistant_only_loss=True`). The tokenizer is saved with the adapter, template included, and
`synth_hf.evaluation` formats its prompts with that same template, so training and evaluation agree.
The template starts with `<bos>` on purpose: Gemma scores text without its BOS token far worse.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets import Dataset, DatasetDict

from synth_hf.compute_threads import use_all_cores
from synth_hf.config import TrainConfig

PLAIN_CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{ message['content'] + '\n\n' }}"
    "{% elif message['role'] == 'assistant' %}{{ 'Assistant:' }}"
    "{% generation %}{{ ' ' + message['content'] + eos_token }}{% endgeneration %}{{ '\n' }}"
    "{% else %}{{ 'User: ' + message['content'] + '\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}"
)

_FILE_LOADERS = {".jsonl": "json", ".json": "json", ".parquet": "parquet", ".csv": "csv"}
# train_lora's defaults are TrainConfig's: one source for the CLI, the recipes and the Python API
_DEFAULTS = TrainConfig()
ADAPTER_FILES = ("adapter_config.json",)  # what marks a folder as an earlier adapter (train --out)


@dataclass
class TrainResult:
    output_dir: Path
    global_step: int
    train_loss: float
    seconds_per_step: float
    metrics: dict[str, Any] = field(default_factory=dict)
    hub_url: str | None = None


def ensure_chat_template(tokenizer: Any) -> bool:
    """Install PLAIN_CHAT_TEMPLATE when the tokenizer has none; True if it was installed."""
    if getattr(tokenizer, "chat_template", None):
        return False
    tokenizer.chat_template = PLAIN_CHAT_TEMPLATE
    return True


def adds_bos(tokenizer: Any) -> bool:
    """Whether plain `tokenizer(text)` starts with BOS (the GGUF-converted Gemma tokenizer does not)."""
    bos = getattr(tokenizer, "bos_token_id", None)
    return bos is None or tokenizer("a").input_ids[:1] == [bos]


def load_sft_dataset(dataset_or_path: Dataset | DatasetDict | str | Path) -> Dataset:
    """A train split from a Dataset, DatasetDict, staged/saved folder, data file, run folder or Hub repo id.

    A run folder (with `dataset/` and `summary.json`, as graphgen/aide write) is read as its `dataset/`,
    said on stderr. Raises FileNotFoundError for a path that is neither on disk nor a loadable Hub id,
    ValueError for an unsupported file or a DatasetDict without a 'train' split.
    """
    data = dataset_or_path
    if isinstance(data, (str, Path)):
        path = Path(data)
        if path.is_dir():
            data = _load_dir(path)
        elif path.is_file():
            if path.suffix.lower() not in _FILE_LOADERS:
                raise ValueError(f"unsupported dataset file {path.name}; use one of {sorted(_FILE_LOADERS)}")
            from synth_hf.io.readers import load_table

            data = load_table(str(path))  # errors name the file, and the line of a jsonl/csv
        else:
            from synth_hf.io.readers import _load_hub, _looks_like_path

            if _looks_like_path(str(data)):
                raise FileNotFoundError(f"no such file or directory: {str(data)!r}")
            data = _load_hub(str(data), split=None)  # a Hub repo id; failures name the id, one error
    if isinstance(data, DatasetDict):
        if "train" not in data:
            raise ValueError(f"no 'train' split; splits are {list(data)}")
        data = data["train"]
    if not isinstance(data, Dataset):
        raise TypeError(f"expected a datasets.Dataset, got {type(data).__name__}")
    return data


def _load_dir(path: Path) -> Dataset | DatasetDict:
    from datasets import load_dataset, load_from_disk

    from synth_hf.hub import load_staged

    if (path / "dataset").is_dir() and (path / "summary.json").is_file():
        print(f"[train] {path} is a run folder: reading its dataset/", file=sys.stderr, flush=True)
        path = path / "dataset"
    if (path / "dataset_dict.json").exists() or (path / "state.json").exists():
        return load_from_disk(str(path))
    if (path / "data").is_dir() and any((path / "data").glob("*.parquet")):
        return load_staged(path)  # a stage_dataset folder: read its shards, never a stale cache
    # any other folder: a private cache so a same-named folder's cached rows cannot leak in
    with tempfile.TemporaryDirectory(prefix="synth_hf_ds_") as cache:
        return load_dataset(str(path), cache_dir=cache, keep_in_memory=True)


def detect_format(dataset: Dataset) -> str:
    """'messages' (conversational) or 'prompt_completion'; anything else is a ValueError."""
    cols = dataset.column_names
    if "messages" in cols:
        return "messages"
    if "prompt" in cols and "completion" in cols:
        return "prompt_completion"
    raise ValueError(
        f"cannot train on this dataset: it needs a 'messages' column or 'prompt' + 'completion' columns; "
        f"columns found: {cols}"
    )


def _device_args() -> dict[str, Any]:
    import torch

    if torch.cuda.is_available():
        bf16 = torch.cuda.is_bf16_supported()
        return {"bf16": bf16, "fp16": not bf16, "gradient_checkpointing": True, "use_cpu": False}
    # CPU: no bf16 autocast, no recompute (it only costs time without a memory limit to respect)
    return {"bf16": False, "fp16": False, "gradient_checkpointing": False, "use_cpu": True}


def _load_model(base_model: str | Path, on_gpu: bool) -> Any:
    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(str(base_model))
    kwargs: dict[str, Any] = {"dtype": torch.bfloat16 if on_gpu else torch.float32}
    if str(getattr(config, "model_type", "")).startswith("gemma"):
        kwargs["attn_implementation"] = "eager"  # recommended for Gemma training (soft-capping/sliding)
    model = AutoModelForCausalLM.from_pretrained(str(base_model), **kwargs)
    model.config.use_cache = False
    return model


def _prepare(dataset: Dataset, fmt: str, tokenizer: Any) -> tuple[Dataset, str | None]:
    """Keep only the training columns and make the text start with BOS; returns (dataset, template note)."""
    if fmt == "messages":
        installed = ensure_chat_template(tokenizer)
        return dataset.select_columns(["messages"]), ("plain (synth_hf)" if installed else "tokenizer's own")
    dataset = dataset.select_columns(["prompt", "completion"])
    if isinstance(dataset[0]["prompt"], list):  # conversational prompt/completion
        installed = ensure_chat_template(tokenizer)
        return dataset, ("plain (synth_hf)" if installed else "tokenizer's own")
    if not adds_bos(tokenizer):
        bos = tokenizer.bos_token

        def _with_bos(row: dict) -> dict:
            return {"prompt": row["prompt"] if row["prompt"].startswith(bos) else bos + row["prompt"]}

        dataset = dataset.map(_with_bos)
    return dataset, None


def train_lora(
    dataset_or_path: Dataset | DatasetDict | str | Path | None,
    base_model: str | Path,
    out_dir: str | Path,
    *,
    max_steps: int | None = None,
    epochs: float = _DEFAULTS.epochs,
    raw_text: Iterable[str] | None = None,
    lr: float = _DEFAULTS.lr,
    lora_r: int = _DEFAULTS.lora_r,
    lora_alpha: int = _DEFAULTS.lora_alpha,
    target_modules: str | list[str] = "all-linear",
    max_length: int = _DEFAULTS.max_length,
    batch_size: int = _DEFAULTS.batch_size,
    push_to_hub: str | None = None,
    seed: int = 42,
    invalid_rows: str = _DEFAULTS.invalid_rows,
    include_unverified: bool = _DEFAULTS.include_unverified,
    data_sources: dict[str, str] | None = None,
    **sft_overrides: Any,
) -> TrainResult:
    """Train a LoRA adapter with TRL SFTTrainer; save adapter, tokenizer, metrics and model card.

    `dataset_or_path` has `messages` or `prompt`/`completion`; `push_to_hub` is a model repo id to
    upload the adapter folder to. Extra keyword arguments override SFTConfig fields.
    Rows are checked first (synth_hf.train_data): `invalid_rows="skip"` trains on the valid rows and
    counts the others by id; `"error"` raises TrainingDataError (a ValueError) naming the bad rows.
    Rows with `verified` False (ungrounded AIDE answers) are left out unless `include_unverified`.
    Sizing: `epochs` passes over the data (the default); `max_steps`, when given, overrides it.
    `raw_text`: plain texts (e.g. the source documents) trained as language modelling beside the
    `messages` rows, or alone when `dataset_or_path` is None (see `synth_hf.train_mix`); mixing
    needs a `messages` dataset (ValueError otherwise). `data_sources` names where the data came from
    for the card ({"dataset": path or Hub id, "raw text": source}); a path given as `dataset_or_path`
    is named without it.
    Writes into out_dir: adapter_model.safetensors, adapter_config.json, tokenizer files
    (with chat_template.jinja), train_metrics.json and README.md (the model card).
    """
    import torch
    from peft import LoraConfig
    from transformers import AutoTokenizer
    from trl import SFTConfig, SFTTrainer

    from synth_hf.runtime.train_progress import attach, quiet_training
    from synth_hf.train_card import example_prompt, hub_sources, write_adapter_card

    out = Path(out_dir)
    if isinstance(raw_text, str):
        raise TypeError("raw_text is a list of texts, not one string")
    from synth_hf.train_mix import training_format

    texts = None if raw_text is None else list(raw_text)
    if data_sources is None and isinstance(dataset_or_path, (str, Path)):
        data_sources = {"dataset": str(dataset_or_path)}
    dataset = None if dataset_or_path is None else load_sft_dataset(dataset_or_path)
    fmt = training_format(dataset, texts)
    tokenizer = AutoTokenizer.from_pretrained(str(base_model))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    data_check = None
    if dataset is not None:
        dataset, data_check = check_training_rows(
            dataset, fmt, tokenizer, max_length, invalid_rows, include_unverified=include_unverified
        )
    prompt = example_prompt(dataset, fmt, texts)  # the card's usage snippet asks what the data asks
    mix = None
    if texts is not None:
        from synth_hf.train_mix import build_mixed_dataset

        installed = ensure_chat_template(tokenizer)
        template_note = "plain (synth_hf)" if installed else "tokenizer's own"
        marked = "{% generation %}" in (tokenizer.chat_template or "")
        assistant_only = fmt == "messages" and marked
        dataset, mix = build_mixed_dataset(dataset, texts, tokenizer, max_length, assistant_only=marked)
    else:
        dataset, template_note = _prepare(dataset, fmt, tokenizer)
        # assistant-only loss needs {% generation %} markers; our template has them, most others do not
        assistant_only = fmt == "messages" and "{% generation %}" in (tokenizer.chat_template or "")

    device_args = _device_args()
    threads = use_all_cores()  # an engine that ran earlier in this process may have shrunk the pool
    args = SFTConfig(
        output_dir=str(out),
        max_steps=max_steps if max_steps else -1,
        num_train_epochs=epochs,
        learning_rate=lr,
        per_device_train_batch_size=batch_size,
        max_length=max_length,
        assistant_only_loss=assistant_only and mix is None,  # a mix carries its masks in the rows
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        seed=seed,
        **{**device_args, **quiet_training(sft_overrides), **sft_overrides},
    )
    peft_config = LoraConfig(
        r=lora_r,
        lora_alpha=lora_alpha,
        lora_dropout=0.05,
        target_modules=target_modules,
        task_type="CAUSAL_LM",
    )
    model = _load_model(base_model, on_gpu=not device_args["use_cpu"])
    trainer = SFTTrainer(
        model=model, args=args, train_dataset=dataset, processing_class=tokenizer, peft_config=peft_config
    )
    attach(trainer)  # our progress line on a quiet console
    start = time.perf_counter()
    output = trainer.train()
    runtime = time.perf_counter() - start
    trainer.save_model(str(out))
    tokenizer.save_pretrained(str(out))

    steps = int(output.global_step)
    # read back from the trainer's own arguments: the card states what training used, not what was asked
    hyperparameters = {"max_steps": max_steps, "epochs": epochs, "lr": args.learning_rate, "lora_r": lora_r}
    hyperparameters |= {"lora_alpha": lora_alpha, "target_modules": target_modules, "max_length": args.max_length}
    hyperparameters |= {"batch_size": args.per_device_train_batch_size, "seed": args.seed, "raw_text": texts is not None}
    losses = [{"step": h["step"], "loss": h["loss"]} for h in trainer.state.log_history if "loss" in h]
    metrics: dict[str, Any] = {
        "base_model": str(base_model),
        "data_sources": dict(data_sources or {}),
        "hub_datasets": hub_sources(data_sources or {}),
        "example_prompt": prompt,
        "push_to_hub": push_to_hub,
        "dataset_format": fmt,
        "chat_template": template_note,
        "assistant_only_loss": assistant_only,
        "n_examples": len(dataset),  # what the trainer iterates: data rows + raw-text passages
        "n_rows": mix.chat_rows if mix else len(dataset),  # the data rows alone (after the check)
        "data_check": data_check.to_dict() if data_check else None,
        "raw_text_mix": mix.to_dict() if mix else None,
        "global_step": steps,
        "epochs_done": round(float(trainer.state.epoch or 0), 3),
        "train_loss": float(output.training_loss),
        "train_runtime_s": round(runtime, 3),
        "seconds_per_step": round(runtime / max(steps, 1), 3),
        "loss_history": losses,
        "device": "cuda" if torch.cuda.is_available() else "cpu",
        "torch_threads": threads,
        "hyperparameters": hyperparameters,
        "versions": _versions(),
    }
    (out / "train_metrics.json").write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    write_adapter_card(out, metrics, push_to_hub)
    result = TrainResult(out, steps, metrics["train_loss"], metrics["seconds_per_step"], metrics)
    if push_to_hub:
        from synth_hf.hub import upload_folder

        result.hub_url = upload_folder(
            out, push_to_hub, repo_type="model", commit_message="Upload LoRA adapter (synth_hf)"
        )
    return result


def train_with_config(config: TrainConfig, raw_text: Iterable[str] | None = None) -> TrainResult:
    """`train_lora` driven by a TrainConfig (what `synth-hf train` and the recipes run).

    The texts of `config.raw_text` (a corpus source) and `raw_text` are trained as plain text beside
    `config.dataset`. Raises ValueError when there is nothing to train on or no `config.out`.
    """
    from synth_hf.models.resolve import resolve_model
    from synth_hf.train_mix import read_raw_text

    texts = list(raw_text or [])
    if config.raw_text:
        texts += read_raw_text(config.raw_text, config.raw_text_column)
    if config.dataset is None and not texts:
        raise ValueError("nothing to train on: give a dataset, --raw-text SOURCE, or both")
    if config.out is None:
        raise ValueError("no output folder for the adapter: set out (--out)")
    from synth_hf.workflow import require_output_folder

    require_output_folder(config.out, keeps=ADAPTER_FILES)  # a file there is one line now, not [Errno 17] after loading the model
    base_model = resolve_model(config.model)
    # read the data before torch and TRL are imported: a wrong name fails in seconds
    dataset = None if config.dataset is None else load_sft_dataset(config.dataset)
    sources = {"dataset": config.dataset, "raw text": config.raw_text}  # named on the adapter card
    return train_lora(dataset, base_model, config.out, raw_text=texts or None,
                      data_sources={k: v for k, v in sources.items() if v}, **config.lora_kwargs())  # fmt: skip


def check_training_rows(
    dataset: Dataset,
    fmt: str,
    tokenizer: Any,
    max_length: int,
    policy: str,
    announce: bool = True,
    include_unverified: bool = False,
) -> tuple:
    """Validate rows before TRL sees them (see synth_hf.train_data); prints the outcome when rows are skipped."""
    from synth_hf.train_data import validate_training_data

    template = None if getattr(tokenizer, "chat_template", None) else PLAIN_CHAT_TEMPLATE
    dataset, report = validate_training_data(
        dataset, fmt, policy=policy, tokenizer=tokenizer, max_length=max_length, chat_template=template,
        include_unverified=include_unverified,
    )
    if announce and (report.dropped or report.truncated or report.unverified):
        print(f"[train] {report.describe()}", flush=True)
    return dataset, report


def _versions() -> dict[str, str]:
    import peft
    import transformers
    import trl

    return {"trl": trl.__version__, "peft": peft.__version__, "transformers": transformers.__version__}
