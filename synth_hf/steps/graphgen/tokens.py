"""Token counting with the synthesizer's tokenizer, loadable inside distilabel worker processes."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from synth_hf.text.chunking import token_counter, whitespace_token_counter

WHITESPACE = "whitespace"


def tokenizer_reference(engine: Any) -> str:
    """What to count tokens with for an `EngineConfig`: a model reference, or "whitespace" for engines
    without a local tokenizer (fake, OpenAI-compatible unless `options.tokenizer` names one)."""
    options = getattr(engine, "options", {}) or {}
    if options.get("tokenizer"):
        return str(options["tokenizer"])
    if engine.engine in ("transformers", "vllm"):
        return engine.model or "embedded"
    return WHITESPACE


@lru_cache(maxsize=4)
def load_token_counter(reference: str) -> Callable[[str], int]:
    if reference == WHITESPACE:
        return whitespace_token_counter
    from transformers import AutoTokenizer

    from synth_hf.models.resolve import resolve_model

    return token_counter(AutoTokenizer.from_pretrained(resolve_model(reference)))
