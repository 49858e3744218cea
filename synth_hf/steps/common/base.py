"""Base classes for synth_hf steps: the batch frame (empty-stream guard, per-batch memo for
hard-kill resume, see `frame`), ledger accounting and engine lifecycle, written once for
GraphGen and AIDE alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

from distilabel.steps import GlobalStep, Step
from pydantic import Field

from synth_hf.models.base import SynthLLM
from synth_hf.steps.common.frame import (
    PLACEHOLDER,
    BatchMemo,
    capture_ledger_lines,
    captured_line,
    flagged,
    placeholder,
    real_rows,
)
from synth_hf.steps.common.ledger import Ledger, batch_key
from synth_hf.steps.common.trace import trace_engine

DROP_REASON = "drop_reason"


class AccountingMixin:
    """Every batch leaves one ledger line: rows in/out, drops with reasons, LLM usage.

    The frame around `process` (distilabel calls `process_applying_mappings`): placeholder rows
    are removed before the step sees its batch and an empty output becomes one placeholder row
    (never at the leaf: `is_leaf`), so an empty stream finishes instead of hanging; with
    `memo_dir` set, a batch finished before (same step signature, same input rows) is answered
    from disk and its ledger lines are written again (`use_memo = False` opts a step out)."""

    ledger_dir: str | None = Field(default=None, description="Folder for per-stage accounting.")
    memo_dir: str | None = Field(default=None, description="Folder of per-batch results (hard-kill resume).")

    use_memo: ClassVar[bool] = True
    is_leaf: ClassVar[bool] = False  # the pipeline's output step: emits no placeholder
    replaces_columns: ClassVar[bool] = False  # output rows are new rows with exactly `outputs` as keys

    def memo_valid(self) -> bool:
        """False when a memo hit would skip a side effect that is missing (e.g. a deleted file)."""
        return True

    def process_applying_mappings(self, *args: list[dict]) -> Iterator[list[dict]]:
        inputs = tuple(real_rows(rows) for rows in args)
        key_rows = [row for rows in inputs for row in rows]
        memo = (
            BatchMemo(self.memo_dir, self.name, self.signature)  # type: ignore[attr-defined]
            if self.memo_dir and self.use_memo
            else None
        )
        hit = memo.get(key_rows) if memo is not None and self.memo_valid() else None
        if hit is not None:
            out, lines = hit
            if self.ledger_dir:
                for line in lines:
                    Ledger(self.ledger_dir).write(line)
            self._logger.info(  # type: ignore[attr-defined]
                f"{self.name}: {len(key_rows)} rows -> {len(out)} (finished before, reused)"  # type: ignore[attr-defined]
            )
        else:
            with capture_ledger_lines() as lines:
                # distilabel's mapping wrapper cannot take an empty batch (it divides by its
                # length); our steps use no column mappings, so call `process` directly then.
                steps_out = (
                    super().process_applying_mappings(*inputs)  # type: ignore[misc]
                    if all(inputs)
                    else self.process(*inputs)  # type: ignore[attr-defined]
                )
                out = next(iter(steps_out), [])
            if memo is not None:
                memo.put(key_rows, out, lines)
        if self.is_leaf:
            yield [row for row in out if not row.get(PLACEHOLDER)]
        elif out:
            yield flagged(out)
        else:
            yield [placeholder(self._placeholder_columns(args))]

    def _placeholder_columns(self, args: tuple[list[dict], ...]) -> list[str]:
        """The keys this step's real rows have (so a placeholder never changes a table's columns)."""
        outputs = list(self.outputs)  # type: ignore[attr-defined]
        first = next((rows[0] for rows in args if rows), None)
        if self.replaces_columns or first is None:
            return outputs
        return [k for k in dict.fromkeys([*first, *outputs]) if k != PLACEHOLDER]

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
        line = Ledger(self.ledger_dir).record(
            self.name,  # type: ignore[attr-defined]
            batch_key(inputs),
            len(inputs),
            n_out,
            dropped,
            usage,
            extra,
        )
        captured_line(line)


class SynthStep(AccountingMixin, Step):
    pass


class SynthGlobalStep(AccountingMixin, GlobalStep):
    pass


class LLMMixin:
    llm: SynthLLM

    def may_call(self) -> bool:
        """False when the step may well make no engine call (AIDE's annotation answered from the
        evidence; merge, which summarises only over-budget units): its engine then loads at the first
        call, if one comes."""
        return True

    def load(self) -> None:
        super().load()  # type: ignore[misc]
        if not self.may_call():
            # a model load costs ~30-50 s per step for in-process vLLM on CPU: pay it at the first call
            self.llm.defer_load(self.load_llm)
        else:
            self.load_llm()
        # Benchmarks only ($SYNTH_HF_TRACE_DIR): every engine field (llm, a separate grader, ...)
        # logs its calls under this step's name. Done here, in the worker, so nothing is pickled.
        for field in type(self).model_fields:  # type: ignore[attr-defined]
            engine = getattr(self, field, None)
            if isinstance(engine, SynthLLM):
                trace_engine(engine, self.name)  # type: ignore[attr-defined]

    def load_llm(self) -> None:
        """Load the step's engine (engines' `load` is idempotent); the live display shows
        "loading <engine>" for this stage until it is up."""
        ledger = Ledger(self.ledger_dir) if getattr(self, "ledger_dir", None) else None
        engine = f"{type(self.llm).__name__}:{getattr(self.llm, 'model_name', '?')}"
        if ledger is not None:
            ledger.mark_loading(self.name, engine)  # type: ignore[attr-defined]
        self.llm.load()
        if ledger is not None:
            ledger.mark_loading(self.name, engine, done=True)  # type: ignore[attr-defined]

    def unload(self) -> None:
        self.llm.unload()
        super().unload()  # type: ignore[misc]


class LLMStep(LLMMixin, SynthStep):
    """A step that calls an engine. Subclasses call `self.llm.generate_texts / generate_json
    / score_yes_no` and finish each batch with `self.account(..., usage_before=...)`."""


class LLMGlobalStep(LLMMixin, SynthGlobalStep):
    pass
