"""What every GraphGen step shares: `run_batch`, failed-call counting and engine-call shorthands.
The batch frame (empty-stream guard, per-batch memo) is the shared one in `steps.common.base`."""

from typing import Any

from distilabel.steps import StepInput


class GraphGenMixin:
    """Subclasses implement `run_batch(rows) -> rows` (accounting included)."""

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

    def process(self, batch: StepInput):  # type: ignore[override]
        # Placeholders, memo and the empty-stream guard are the shared frame's (common.base).
        yield self.run_batch(list(batch))
