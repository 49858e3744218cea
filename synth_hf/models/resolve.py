"""Turn a user's model reference into something loadable, failing early and clearly."""

from __future__ import annotations

import re
from pathlib import Path

EMBEDDED_ALIASES = {None, "", "embedded", "default", "gemma-3-270m-embedded"}
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


class ModelNotFoundError(ValueError):
    pass


def resolve_model(reference: str | None) -> str:
    """Local folder path or Hub id for `reference`; the embedded model when none is named."""
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
    return str(reference)


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
