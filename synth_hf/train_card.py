"""The model card (README.md) of a LoRA adapter folder: what `train_lora` writes after training, and
what the recipes rewrite with the before/after evaluation once they have it.

The card names the base model by its name and Hub id, never by a local cache path: the embedded
model's folder is `google/gemma-3-270m` (licence `gemma`), a Hugging Face cache snapshot is its repo
id, and a local folder is named by its folder name (with the licence its own card declares, if any).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

# .../models--org--name/snapshots/<sha>: where the Hugging Face cache keeps a downloaded model
_HF_CACHE_SNAPSHOT = re.compile(r"models--(?P<org>[^/]+?)--(?P<name>[^/]+)/snapshots/[^/]+/?$")


def base_model_identity(base_model: str | Path) -> dict[str, Any]:
    """What the card says about the base model `base_model` (a resolved folder or a Hub id):
    `name` (title), `hub_id` (the card's `base_model:`, None for a plain local folder), `license`
    (None when unknown: the card then claims none), `load` (what the usage snippet loads) and
    `embedded` (the embedded Gemma-3-270M, which the snippet loads through synth_hf)."""
    from synth_hf.models.embedded import (
        EMBEDDED_LLM_HUB_ID,
        EMBEDDED_LLM_NAME,
        embedded_license,
        is_embedded_dir,
    )

    ref = str(base_model)
    if is_embedded_dir(ref):
        return {"name": EMBEDDED_LLM_NAME, "hub_id": EMBEDDED_LLM_HUB_ID, "license": embedded_license(EMBEDDED_LLM_NAME),
                "load": EMBEDDED_LLM_HUB_ID, "embedded": True}  # fmt: skip
    path = Path(ref).expanduser()
    if not path.exists():  # training loaded it, so a name not on disk is a Hub id
        return {"name": ref, "hub_id": ref, "license": embedded_license(ref), "load": ref, "embedded": False}
    cached = _HF_CACHE_SNAPSHOT.search(path.resolve().as_posix())
    hub_id = f"{cached['org']}/{cached['name']}" if cached else None
    license_id = _card_license(path) or embedded_license(hub_id)
    # a plain local folder is loaded by its name: its absolute path means nothing on another machine
    return {"name": hub_id or path.resolve().name, "hub_id": hub_id, "license": license_id,
            "load": hub_id or path.resolve().name, "embedded": False}  # fmt: skip


def shown_path(value: str, root: Path) -> str:
    """How a card names the local path `value`: relative to `root` (the run folder around the adapter)
    when inside it, else by its file or folder name; never absolute (that would publish the trainer's
    own folders and mean nothing elsewhere). A Hub id (neither absolute nor on disk) is kept as is."""
    path = Path(value).expanduser()
    if not (path.is_absolute() or path.exists()):
        return value
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().name or value


def _card_license(folder: Path) -> str | None:
    """The `license:` of a model folder's own card (README.md front matter), when it has one."""
    import yaml

    try:
        text = (folder / "README.md").read_text(encoding="utf-8")
        head = yaml.safe_load(text[4:].split("\n---", 1)[0]) if text.startswith("---\n") else None
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    value = head.get("license") if isinstance(head, dict) else None
    return str(value) if isinstance(value, str) and value.strip() else None


def hub_sources(sources: dict[str, str]) -> list[str]:
    """The data sources that are Hub ids: those not on disk (training loaded them, so a name that
    is not a path was read from the Hub)."""
    return [str(src) for src in sources.values() if src and not Path(str(src)).expanduser().exists()]


def example_prompt(dataset: Any, fmt: str, texts: list[str] | None) -> str:
    """A prompt for the card's usage snippet, taken from the training data: the first row's first
    user turn (messages), its prompt (prompt_completion), or the first words of the first text."""
    try:
        if fmt == "messages" and dataset is not None and len(dataset):
            turns = dataset[0]["messages"]
            text = next((t.get("content") for t in turns if t.get("role") == "user"), None)
        elif fmt == "prompt_completion" and dataset is not None and len(dataset):
            text = dataset[0]["prompt"]
        else:
            text = " ".join(" ".join(texts or []).split()[:8])
    except (KeyError, TypeError, AttributeError):  # rows the check would skip: no example, not a failure
        text = None
    text = " ".join(str(text).split()) if isinstance(text, str) else ""
    return text[:200] or "Your question here"


def write_adapter_card(out: str | Path, metrics: dict[str, Any] | None = None, repo_id: str | None = None,
                       evaluation: dict[str, Any] | None = None) -> Path:  # fmt: skip
    """Write `out/README.md`, the adapter's model card, from its training metrics (`metrics`, else
    `out/train_metrics.json`). `repo_id` is the Hub repo the snippet loads (default: the folder, or
    the metrics' `push_to_hub`). `evaluation` (optional): `{"table": markdown before/after table,
    "sets": {kind: file}}`, shown under "Evaluation". Returns the card's path."""
    import yaml

    from synth_hf.hub import CARDS_DIR, render_card, scrub

    out = Path(out)
    if metrics is None:
        metrics = json.loads((out / "train_metrics.json").read_text(encoding="utf-8"))
    metrics = scrub(metrics)
    model = base_model_identity(metrics["base_model"])
    root = out.resolve().parent  # the run folder (recipes: adapter/ beside hub/ and eval/)
    sources = {k: str(v) for k, v in (metrics.get("data_sources") or {}).items() if v}
    meta: dict[str, Any] = {}
    if model["hub_id"]:  # a local folder is not a Hub id: the card must not claim one
        meta["base_model"] = model["hub_id"]
    if model["license"]:
        meta["license"] = model["license"]  # an adapter of a model is bound by that model's terms
    # decided when training read them (a relative path is not on disk from another folder later)
    hub_datasets = metrics.get("hub_datasets")
    if hub_datasets is None:
        hub_datasets = hub_sources(sources)
    if hub_datasets:
        meta["datasets"] = hub_datasets
    sources = {k: shown_path(v, root) for k, v in sources.items()}  # after hub_sources read them as given
    if evaluation:
        sets = {kind: shown_path(str(src), root) for kind, src in (evaluation.get("sets") or {}).items()}
        evaluation = {**evaluation, "sets": sets}
    meta |= {"library_name": "peft", "pipeline_tag": "text-generation",
             "tags": ["synth_hf", "trl", "sft", "lora", "synthetic-data"]}  # fmt: skip
    card = render_card(
        CARDS_DIR / "model_card.md.jinja",
        front_matter=yaml.safe_dump(meta, sort_keys=False),
        repo_id=repo_id or metrics.get("push_to_hub") or shown_path(str(out), root),
        model=model,
        sources=sources,
        hub_datasets=hub_datasets,
        prompt_literal=json.dumps(metrics.get("example_prompt") or "Your question here"),  # a Python string literal
        evaluation=scrub(evaluation) if evaluation else None,
        m=metrics,
        hp=metrics["hyperparameters"],
    )
    path = out / "README.md"
    path.write_text(card, encoding="utf-8")
    return path
