"""What every GraphGen step shares: placeholder handling (see `placeholder`) and per-batch memo."""

from typing import Any, ClassVar

from distilabel.steps import StepInput
from pydantic import Field

from synth_hf.steps.graphgen.memo import BatchMemo
from synth_hf.steps.graphgen.placeholder import PLACEHOLDER, flagged, placeholder, real_rows


class GraphGenMixin:
    """Subclasses implement `run_batch(rows) -> rows` (accounting included); `process` adds the rest."""

    memo_dir: str | None = Field(default=None, description="Folder of per-batch results (hard-kill resume).")
    use_memo: ClassVar[bool] = True
    is_leaf: ClassVar[bool] = False
    replaces_columns: ClassVar[bool] = False  # output rows are new rows with exactly `outputs` as keys

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        raise NotImplementedError

    def failed_since(self, usage_before: dict) -> int:
        """Prompts the engine gave up on (empty text / NaN score) since `usage_before`."""
        now = self.llm.usage  # type: ignore[attr-defined]
        return int(now.get("failed_calls", 0) - usage_before.get("failed_calls", 0))

    def account(self, inputs, n_out, dropped=None, usage_before=None, extra=None) -> None:  # type: ignore[no-untyped-def]
        if usage_before is not None and getattr(self, "llm", None) is not None:
            failed = self.failed_since(usage_before)
            if failed:  # the shared summary has no column for it: keep it as a stage counter
                extra = {**(extra or {}), "engine_failed_calls": failed}
        super().account(inputs, n_out, dropped, usage_before=usage_before, extra=extra)  # type: ignore[misc]

    # Shorthands for the engine calls (tracing for benchmarks is applied in `LLMMixin.load`).
    def gen(self, prompts: list[str], **params: Any) -> list[str]:
        return self.llm.generate_texts(prompts, **params) if prompts else []  # type: ignore[attr-defined]

    def score(self, prompts: list[str]) -> list[Any]:
        return self.llm.score_yes_no(prompts) if prompts else []  # type: ignore[attr-defined]

    def gen_json(self, prompts: list[str], schema: dict, **params: Any) -> list[Any]:
        return self.llm.generate_json(prompts, schema, **params) if prompts else []  # type: ignore[attr-defined]

    def memo_valid(self) -> bool:
        """False when a memo hit would skip a side effect that is missing (e.g. a deleted graph)."""
        return True

    def process(self, batch: StepInput):  # type: ignore[override]
        inputs = real_rows(batch)
        memo = (
            BatchMemo(self.memo_dir, self.name, self.signature) if self.memo_dir and self.use_memo else None
        )  # type: ignore[attr-defined]
        out = memo.get(inputs) if memo is not None and self.memo_valid() else None
        if out is not None:
            self._logger.info(  # type: ignore[attr-defined]
                f"[graphgen] {self.name}: {len(inputs)} rows -> {len(out)} (finished before, reused)"  # type: ignore[attr-defined]
            )
        else:
            out = self.run_batch(inputs)
            if memo is not None:
                memo.put(inputs, out)
        if self.is_leaf:
            yield out
        elif out:
            yield flagged(out)
        else:
            yield [placeholder(self._columns(batch))]

    def _columns(self, batch: list[dict]) -> list[str]:
        """The keys this step's real rows have (so a placeholder never changes a table's columns)."""
        outputs = list(self.outputs)  # type: ignore[attr-defined]
        if self.replaces_columns or not batch:
            return outputs
        return [k for k in dict.fromkeys([*batch[0], *outputs]) if k != PLACEHOLDER]
