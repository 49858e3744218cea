"""Base classes for synth_hf steps: ledger accounting and engine lifecycle written once."""

from __future__ import annotations

from typing import Any

from distilabel.steps import GlobalStep, Step
from pydantic import Field

from synth_hf.models.base import SynthLLM
from synth_hf.steps.common.ledger import Ledger, batch_key
from synth_hf.steps.common.trace import trace_engine

DROP_REASON = "drop_reason"


class AccountingMixin:
    """Every batch leaves one ledger line: rows in/out, drops with reasons, LLM usage."""

    ledger_dir: str | None = Field(default=None, description="Folder for per-stage accounting.")

    def account(
        self,
        inputs: list[dict],
        n_out: int,
        dropped: list[tuple[dict, str]] | None = None,
        usage_before: dict | None = None,
        extra: dict | None = None,
    ) -> None:
        if not self.ledger_dir:
            return
        usage: dict[str, Any] = {}
        llm = getattr(self, "llm", None)
        if usage_before is not None and llm is not None:
            now = llm.usage
            usage = {k: now[k] - usage_before.get(k, 0) for k in now}
        Ledger(self.ledger_dir).record(
            self.name,  # type: ignore[attr-defined]
            batch_key(inputs),
            len(inputs),
            n_out,
            dropped,
            usage,
            extra,
        )


class SynthStep(AccountingMixin, Step):
    pass


class SynthGlobalStep(AccountingMixin, GlobalStep):
    pass


class LLMMixin:
    llm: SynthLLM

    def load(self) -> None:
        super().load()  # type: ignore[misc]
        self.llm.load()
        # Benchmarks only ($SYNTH_HF_TRACE_DIR): every engine field (llm, a separate grader, ...)
        # logs its calls under this step's name. Done here, in the worker, so nothing is pickled.
        for field in type(self).model_fields:  # type: ignore[attr-defined]
            engine = getattr(self, field, None)
            if isinstance(engine, SynthLLM):
                trace_engine(engine, self.name)  # type: ignore[attr-defined]

    def unload(self) -> None:
        self.llm.unload()
        super().unload()  # type: ignore[misc]


class LLMStep(LLMMixin, SynthStep):
    """A step that calls an engine. Subclasses call `self.llm.generate_texts / generate_json
    / score_yes_no` and finish each batch with `self.account(..., usage_before=...)`."""


class LLMGlobalStep(LLMMixin, SynthGlobalStep):
    pass
