"""Deterministic fake engine for fast logic tests (same interface as the real ones)."""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Callable
from typing import Any

from pydantic import Field, PrivateAttr

from synth_hf.models.base import Completion, GenParams, SynthLLM


def _import(path: str) -> Callable:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def stable_unit(text: str) -> float:
    """A reproducible number in [0, 1) from text (no process-dependent hash seeds)."""
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0x100000000


class FakeLLM(SynthLLM):
    """Replies by rules: the first `regex: reply` whose regex matches the prompt wins,
    else `responder` ("module:function" taking (prompt, index) -> str), else `default_reply`.
    Yes/no scores come from `yes_scorer` ("module:function" -> p_yes) or a stable hash.
    Import paths rather than callables keep the engine picklable for distilabel's workers."""

    # regex -> reply, tried in insertion order. A dict (not a list of pairs) because
    # distilabel's cache signature cannot flatten lists of tuples.
    rules: dict[str, str] = Field(default_factory=dict)
    responder: str | None = None
    yes_scorer: str | None = None
    default_reply: str = "OK"
    covered_mass: float = 0.9
    fail_on: str | None = Field(default=None, description="Regex; matching prompts raise (fault tests).")
    name: str = "fake"

    _prompts_seen: list[str] = PrivateAttr(default_factory=list)

    @property
    def model_name(self) -> str:
        return self.name

    @property
    def prompts_seen(self) -> list[str]:
        return list(self._prompts_seen)

    def _reply(self, prompt: str, index: int) -> str:
        for pattern, reply in self.rules.items():
            if re.search(pattern, prompt, flags=re.DOTALL):
                return reply
        if self.responder:
            return _import(self.responder)(prompt, index)
        return self.default_reply

    def _complete(self, prompts: list[list[dict]], params: GenParams) -> list[Completion]:
        out = []
        for messages in prompts:
            prompt = "\n\n".join(m["content"] for m in messages)
            if self.fail_on and re.search(self.fail_on, prompt):
                raise RuntimeError(f"fake failure for prompt matching {self.fail_on!r}")
            self._prompts_seen.append(prompt)
            texts = [self._reply(prompt, i) for i in range(params.n)]
            out.append(
                Completion(
                    texts=texts,
                    input_tokens=len(prompt.split()),
                    output_tokens=[len(t.split()) for t in texts],
                )
            )
        return out

    def _answer_token_probs(self, prompts: list[list[dict]]) -> list[tuple[float, float]]:
        scorer: Any = _import(self.yes_scorer) if self.yes_scorer else None
        masses = []
        for messages in prompts:
            prompt = "\n\n".join(m["content"] for m in messages)
            self._prompts_seen.append(prompt)
            self._scored_prompt_tokens += len(prompt.split())
            p_yes = scorer(prompt) if scorer else 0.05 + 0.9 * stable_unit(prompt)
            masses.append((p_yes * self.covered_mass, (1 - p_yes) * self.covered_mass))
        return masses
