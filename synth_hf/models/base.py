"""Common engine contract: a distilabel `LLM` that can also score yes/no and emit JSON.

Engines implement two primitives (`_complete` and `_answer_token_probs`); everything a step
needs — prompt rendering, batching errors, structured output with lenient parsing and
bounded retry, yes/no renormalisation, usage counters — is written once here.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from distilabel.models.llms.base import LLM
from pydantic import Field, PrivateAttr

from synth_hf.models.prompts import PromptLike, prompt_messages, schema_instruction
from synth_hf.models.yesno import YesNoScore, renormalise

__all__ = [
    "BudgetExceeded",
    "Completion",
    "EngineError",
    "GenParams",
    "StructuredResult",
    "SynthLLM",
    "YesNoScore",
]


class EngineError(RuntimeError):
    """An engine failed on a batch; the message names the engine, batch and cause."""


class BudgetExceeded(EngineError):
    """The run budget (calls, tokens or cost) is spent: the request was refused before it was
    sent. Never retried; with on_batch_failure=skip the refused rows are counted, not raised."""

    retryable = False


@dataclass
class GenParams:
    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    n: int = 1
    stop: list[str] = field(default_factory=list)
    seed: int | None = None
    json_schema: dict | None = None  # only honoured by engines with native structured output


def request_seed(seed: int | None, prompt: Any) -> int | None:
    """The sampling seed of one prompt: `seed` mixed with the prompt's text (None stays None).

    One seed for every request of a batch made the server draw the same random stream for each,
    so prompts that differ in a word (AIDE's three operations on one parent) came back as the same
    text. Mixing in the prompt keeps runs reproducible and gives each distinct prompt its own stream.
    """
    if seed is None:
        return None
    import hashlib
    import json

    text = prompt if isinstance(prompt, str) else json.dumps(prompt, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{seed}\x00{text}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass
class Completion:
    """One prompt's result: `n` texts plus token counts."""

    texts: list[str]
    input_tokens: int
    output_tokens: list[int]


@dataclass
class StructuredResult:
    data: Any | None
    raw: str
    reason: str | None  # why `data` is None (or the last failure before success)
    attempts: int

    @property
    def ok(self) -> bool:
        return self.data is not None


class SynthLLM(LLM):
    """Base for synth_hf engines. Accepts distilabel chat inputs, plain strings, or
    `(chat, structured_output)` tuples as produced by distilabel structured tasks."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    batch_size: int = Field(default=16, ge=1, description="Prompts per engine call.")
    structured_retries: int = Field(default=2, ge=0, description="Re-asks for unparseable JSON.")
    use_chat_template: bool | None = Field(
        default=None, description="None: use the tokenizer's chat template when it has one."
    )
    batch_retries: int = Field(default=2, ge=0, description="Retries of a failing batch before giving up on it.")
    on_batch_failure: str = Field(
        default="raise",
        pattern="^(raise|skip)$",
        description="After the retries: 'raise' an EngineError, or 'skip' — return empty texts / "
        "NaN scores for that batch and count it as failed_calls, so one bad batch cannot end a run.",
    )

    _usage: dict = PrivateAttr(
        default_factory=lambda: {"calls": 0, "input_tokens": 0, "output_tokens": 0, "failed_calls": 0}
    )
    # Prompt tokens of the yes/no prompts scored since the last batch (engines add to it in
    # `_answer_token_probs`; `score_yes_no` moves it into the usage, so scoring counts like generation).
    _scored_prompt_tokens: int = PrivateAttr(default=0)
    # Set by `defer_load`: loads the engine just before its first call (then cleared).
    _deferred_load: Any = PrivateAttr(default=None)

    # ---- what engines implement -------------------------------------------------
    native_structured_output: bool = False

    def _complete(self, prompts: list[list[dict]], params: GenParams) -> list[Completion]:
        raise NotImplementedError

    def _answer_token_probs(self, prompts: list[list[dict]]) -> list[tuple[float, float]]:
        """Return (yes_mass, no_mass) of the first answer token per prompt."""
        raise NotImplementedError

    # ---- distilabel LLM API -------------------------------------------------------
    def generate(  # type: ignore[override]
        self,
        inputs: Sequence[Any],
        num_generations: int = 1,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        stop: list[str] | None = None,
        seed: int | None = None,
        json_schema: dict | None = None,
    ) -> list[dict]:
        params = self._params(num_generations, max_new_tokens, temperature, top_p, stop, seed)
        if not inputs:
            return []
        structured = [_structured_schema(item) or json_schema for item in inputs]
        messages = [prompt_messages(_strip_structured(item)) for item in inputs]
        if any(structured):
            return self._generate_with_schemas(messages, structured, params)
        return [_to_generate_output(c) for c in self.complete(messages, params)]

    # ---- synth_hf API ---------------------------------------------------------------
    def preflight(self) -> None:
        """Checks that need no model loaded (a dry run and the start of a run make them): engines
        override it to test their device and model reference. Raises ValueError naming the problem."""

    def defer_load(self, loader: Any = None) -> None:
        """Load at the first call instead of now: `loader()` (default `self.load`) runs once, just
        before the first batch is sent; an engine that is never called is never loaded. Errors of the
        load are raised at that call, unchanged."""
        self._deferred_load = loader or self.load

    def _load_if_deferred(self) -> None:
        loader, self._deferred_load = self._deferred_load, None
        if loader is not None:
            loader()

    @property
    def usage(self) -> dict:
        """Cumulative calls (prompts sent) and tokens since load; steps diff it per batch."""
        return dict(self._usage)

    def complete(self, prompts: Sequence[PromptLike], params: GenParams | None = None) -> list[Completion]:
        params = params or self._params()
        messages = [prompt_messages(p) for p in prompts]
        results: list[Completion] = []
        if messages:
            self._load_if_deferred()
        for start in range(0, len(messages), self.batch_size):
            batch = messages[start : start + self.batch_size]
            out = self._run_batch(lambda b=batch: self._complete(b, params), start, len(batch), "generation")
            if out is None:
                results.extend(Completion(texts=[""] * params.n, input_tokens=0, output_tokens=[0] * params.n)
                               for _ in batch)
                continue
            results.extend(out)
            self._usage["calls"] += len(batch)
            self._usage["input_tokens"] += sum(c.input_tokens for c in out)
            self._usage["output_tokens"] += sum(sum(c.output_tokens) for c in out)
        return results

    def generate_texts(self, prompts: Sequence[PromptLike], **kwargs: Any) -> list[str]:
        """First completion text per prompt — the common case for steps."""
        return [c.texts[0] if c.texts else "" for c in self.complete(prompts, self._params(**kwargs))]

    def generate_json(
        self, prompts: Sequence[PromptLike], schema: dict, **kwargs: Any
    ) -> list[StructuredResult]:
        """JSON per prompt: native constrained decoding where the engine has it, otherwise
        the schema goes into the prompt; unparseable rows are re-asked `structured_retries`
        times and then returned with their raw text and the reason, never raised. A greedy
        request (temperature 0) under native constrained decoding is not re-asked: its reply can
        only fail by being cut (max_new_tokens, a stop string), and the same greedy decode would be
        cut again."""
        params = self._params(**kwargs)
        messages = [prompt_messages(p) for p in prompts]
        results: list[StructuredResult | None] = [None] * len(messages)
        pending = list(range(len(messages)))
        repeats = self.native_structured_output and params.temperature == 0
        for attempt in range(1, (1 if repeats else self.structured_retries + 1) + 1):
            asked = [self._with_schema(messages[i], schema) for i in pending]
            texts = self.complete(asked, _with_json(params, schema, self.native_structured_output))
            still: list[int] = []
            for idx, completion in zip(pending, texts):
                raw = completion.texts[0] if completion.texts else ""
                data, reason = parse_against_schema(raw, schema)
                results[idx] = StructuredResult(data, raw, reason, attempt)
                if data is None:
                    still.append(idx)
            pending = still
            if not pending:
                break
        return [r for r in results if r is not None]

    def score_yes_no(self, prompts: Sequence[PromptLike]) -> list[YesNoScore]:
        """p(yes) renormalised over yes-like and no-like first tokens, plus covered mass.
        Prompts must end exactly where the answer starts."""
        messages = [prompt_messages(p) for p in prompts]
        scores: list[YesNoScore] = []
        if messages:
            self._load_if_deferred()
        for start in range(0, len(messages), self.batch_size):
            batch = messages[start : start + self.batch_size]
            masses = self._run_batch(
                lambda b=batch: self._answer_token_probs(b), start, len(batch), "yes/no scoring"
            )
            if masses is None:  # NaN marks "not scored"; callers count these, never average them
                scores.extend(YesNoScore(math.nan, 0.0, math.nan, math.nan) for _ in batch)
                continue
            scores.extend(renormalise(yes, no) for yes, no in masses)
            self._usage["calls"] += len(batch)
            self._usage["input_tokens"] += self._scored_prompt_tokens
            self._scored_prompt_tokens = 0
        return scores

    def _run_batch(self, call: Any, start: int, size: int, what: str) -> Any:
        """Run one engine batch with bounded retries; None means skipped after failing."""
        last: Exception | None = None
        for attempt in range(self.batch_retries + 1):
            try:
                out = call()
            except Exception as err:  # noqa: BLE001 - engines raise anything: OOM, HTTP, CUDA, parsing
                last = err
                # A spent budget or a 4xx the engine marked final fails the same way again.
                if getattr(err, "retryable", True) is False:
                    break
                if attempt < self.batch_retries:
                    time.sleep(min(2.0, 0.1 * 2**attempt))
                continue
            if len(out) != size:
                last = EngineError(f"{type(self).__name__} returned {len(out)} results for {size} prompts")
                continue
            return out
        where = f"batch {start // self.batch_size} (prompts {start}..{start + size - 1})"
        if isinstance(last, BudgetExceeded):
            first = not self._usage.get("budget_refusals")
            self._usage["budget_refusals"] = self._usage.get("budget_refusals", 0) + size
            error: EngineError = BudgetExceeded(
                f"{type(self).__name__}({self.model_name}) {what} refused at {where}: {last}"
            )
        else:
            first = True
            error = EngineError(
                f"{type(self).__name__}({self.model_name}) {what} failed on {where} "
                f"after {attempt + 1} attempts: {last}"
            )
        if self.on_batch_failure == "raise":
            raise error from last
        if first and self._logger:  # one line for a spent budget, not one per remaining batch
            self._logger.warning(str(error))
        self._usage["failed_calls"] += size
        return None

    # ---- helpers --------------------------------------------------------------------
    def _params(
        self,
        num_generations: int = 1,
        max_new_tokens: int | None = None,
        temperature: float | None = None,
        top_p: float | None = None,
        stop: list[str] | None = None,
        seed: int | None = None,
        json_schema: dict | None = None,
    ) -> GenParams:
        return GenParams(
            max_new_tokens=max_new_tokens or self.max_new_tokens,
            temperature=self.temperature if temperature is None else temperature,
            top_p=self.top_p if top_p is None else top_p,
            n=max(1, num_generations),
            stop=list(stop or []),
            seed=seed,
            json_schema=json_schema,
        )

    def _with_schema(self, messages: list[dict], schema: dict) -> list[dict]:
        if self.native_structured_output:
            return messages
        *head, last = messages
        return [*head, {**last, "content": last["content"] + schema_instruction(schema)}]

    def _generate_with_schemas(
        self, messages: list[list[dict]], schemas: list[dict | None], params: GenParams
    ) -> list[dict]:
        outputs: list[dict] = []
        for msg, schema in zip(messages, schemas):
            if schema is None:
                outputs.append(_to_generate_output(self.complete([msg], params)[0]))
                continue
            generations, parsed = [], []
            for _ in range(params.n):
                result = self.generate_json([msg], schema)[0]
                generations.append(json.dumps(result.data) if result.ok else result.raw)
                parsed.append({"ok": result.ok, "reason": result.reason, "attempts": result.attempts})
            outputs.append(
                {"generations": generations, "statistics": {}, "structured": parsed}  # type: ignore[typeddict-item]
            )
        return outputs


def parse_against_schema(raw: str, schema: dict) -> tuple[Any | None, str | None]:
    """Lenient JSON extraction, then a schema check; returns (data, reason)."""
    from synth_hf.text.parsing import extract_json

    parsed = extract_json(raw)
    if parsed.value is None:
        return None, f"no JSON: {parsed.reason}"
    try:
        import jsonschema

        jsonschema.validate(parsed.value, schema)
    except jsonschema.ValidationError as err:
        return None, f"schema: {err.message}"[:300]
    return parsed.value, None


def _with_json(params: GenParams, schema: dict, native: bool) -> GenParams:
    if not native:
        return params
    return GenParams(**{**params.__dict__, "json_schema": schema})


def _structured_schema(item: Any) -> dict | None:
    if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], dict):
        schema = item[1].get("schema")
        if isinstance(schema, str):
            return json.loads(schema)
        if isinstance(schema, dict):
            return schema
        if schema is not None and hasattr(schema, "model_json_schema"):
            return schema.model_json_schema()
    return None


def _strip_structured(item: Any) -> Any:
    return item[0] if isinstance(item, tuple) else item


def _to_generate_output(c: Completion) -> dict:
    return {
        "generations": list(c.texts),
        "statistics": {"input_tokens": [c.input_tokens] * len(c.texts), "output_tokens": list(c.output_tokens)},
    }
