"""Turn a user's model reference into something loadable, failing early and clearly."""

from __future__ import annotations

import re
from pathlib import Path

EMBEDDED_ALIASES = {None, "", "embedded", "default", "gemma-3-270m-embedded"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class ModelNotFoundError(ValueError):
    pass


def resolve_model(reference: str | None) -> str:
    """Local folder path or Hub id for `reference`; the embedded model when none is named.

    A Hub id is checked where it would be downloaded (`hub_model`): without the Hub it fails in seconds
    unless the Hugging Face cache holds it. Raises ModelNotFoundError (a ValueError) with one line."""
    if reference in EMBEDDED_ALIASES:
        from synth_hf.models.embedded import ensure_embedded_model

        return str(ensure_embedded_model())
    path = Path(str(reference)).expanduser()
    if path.exists():
        if path.is_dir() and not (path / "config.json").exists():
            raise ModelNotFoundError(f"Model folder '{reference}' has no config.json")
        return str(path)
    looks_like_path = str(reference).startswith((".", "/", "~")) or str(reference).count("/") > 1
    if looks_like_path or not _HUB_ID.match(str(reference)):
        raise ModelNotFoundError(f"Unknown model path or id '{reference}': no such folder")
    return hub_model(str(reference))


def hub_model(repo_id: str) -> str:
    """`repo_id` when the Hub can be reached, else its snapshot folder in the Hugging Face cache.

    Offline (HF_HUB_OFFLINE) only the cache is asked; otherwise one TCP check (a few seconds, skipped
    behind a proxy: `synth_hf.io.hub_load.hub_reachable`) replaces the minute of retries transformers
    spends before failing. Raises ModelNotFoundError when neither the Hub nor the cache has it."""
    from huggingface_hub import constants

    from synth_hf.io.hub_load import hub_reachable

    offline = constants.HF_HUB_OFFLINE
    if not offline and hub_reachable():
        return repo_id
    cached = cached_model(repo_id)
    if cached is not None:
        return cached
    why = "HF_HUB_OFFLINE is set" if offline else f"the Hub ({constants.ENDPOINT}) cannot be reached from here"
    raise ModelNotFoundError(
        f"model '{repo_id}' is not a local folder nor in the Hugging Face cache ({constants.HF_HUB_CACHE}), "
        f"and {why}: download it where the Hub is reachable (`hf download {repo_id}`) or give a local "
        "model folder"
    )


def cached_model(repo_id: str) -> str | None:
    """The folder of `repo_id`'s cached snapshot (it holds config.json), or None when not cached."""
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, "config.json")
    except ValueError:  # not a valid repo id for huggingface_hub
        return None
    return str(Path(found).parent) if isinstance(found, str) else None


def is_embedded(reference: str | None) -> bool:
    return reference in EMBEDDED_ALIASES


def load_error(reference: str | None, err: Exception) -> ModelNotFoundError:
    return ModelNotFoundError(f"Unknown model path or id '{reference}': {type(err).__name__}: {err}")


def check_device(device: str) -> None:
    """A GPU-only option on a CPU machine must fail before any loading starts."""
    if device.startswith("cuda"):
        import torch

        if not torch.cuda.is_available():
            raise ValueError(f"device='{device}' was requested but no CUDA GPU is available on this machine")
