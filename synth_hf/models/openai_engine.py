"""Engine for any OpenAI-compatible endpoint (OpenAI, `vllm serve`, TGI, llama.cpp server...).

The API key is read from the environment at load time and lives only inside the private
client object: it is never a field, so it is never dumped, logged or pickled.

Retries are ours, not the client's (it gets max_retries=0): each request waits for the shared
rate limiter, books the run budget, and 429 / 5xx / timeouts / connection errors back off.
"""

from __future__ import annotations

import logging
import math
import os
import random
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import Field, PrivateAttr, model_validator

from synth_hf.models.base import Completion, GenParams, SynthLLM, request_seed
from synth_hf.models.prompts import render_plain
from synth_hf.models.rate_limit import Backoff, RateLimiter, RunBudget, classify, estimate_tokens
from synth_hf.models.yesno import classify_answer_token

# OpenAI's (and vLLM's default) ceiling for top_logprobs.
MAX_TOP_LOGPROBS = 20
# Fragments of the errors a chat endpoint gives when the served model cannot do chat.
# Module-level: a lock in the model would break pydantic's deepcopy and pickling.
_MODE_LOCK = threading.Lock()
_NO_CHAT_HINTS = ("chat template", "chat_template", "does not support chat", "not a chat model")
_USAGE_LOCK = threading.Lock()
# Usage counters of this engine on top of the base ones; the run summary sums them per stage.
PACING_USAGE = {
    "retries": 0,
    "http_429": 0,
    "http_5xx": 0,
    "timeouts": 0,
    "connection_errors": 0,
    "rate_limited_waits": 0,
    "wait_seconds": 0.0,
    "cost_usd": 0.0,
    "budget_refusals": 0,
}


PREFLIGHT_TIMEOUT_S = 10.0


class OpenAIEngine(SynthLLM):
    base_url: str = Field(
        default="http://127.0.0.1:8000/v1", description="Endpoint root, usually ending in /v1."
    )
    model: str | None = Field(
        default=None, description="Served model id; None = the first one /models lists."
    )
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Name of the env var holding the key.")
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(
        default=3, ge=0, description="Retries of one request on 429, 5xx, timeouts and connection errors."
    )
    backoff_base_s: float = Field(
        default=0.5, gt=0, description="First backoff; doubles per retry, jittered."
    )
    backoff_max_s: float = Field(default=30.0, gt=0, description="Longest backoff without a Retry-After.")
    requests_per_minute: int | None = Field(default=None, ge=1, description="Client-side request rate cap.")
    tokens_per_minute: int | None = Field(
        default=None, ge=1, description="Client-side token rate cap (prompt estimate + max_tokens)."
    )
    max_calls: int | None = Field(default=None, ge=0, description="Budget: answered requests per run.")
    max_tokens_total: int | None = Field(default=None, ge=0, description="Budget: tokens per run.")
    max_cost_usd: float | None = Field(
        default=None, ge=0, description="Budget: USD per run, from the prices."
    )
    prompt_usd_per_1m: float = Field(default=0.0, ge=0, description="Price of 1M prompt tokens.")
    completion_usd_per_1m: float = Field(default=0.0, ge=0, description="Price of 1M completion tokens.")
    budget_file: str | None = Field(
        default=None,
        description="JSON file holding the budget's spend, shared by every process using it; None = "
        "a fresh temp file per engine object, shared by its copies in the pipeline's workers.",
    )
    concurrency: int = Field(default=8, ge=1, description="Requests in flight per batch.")
    use_completions_api: bool | None = Field(
        default=None,
        description="None: chat completions, falling back to /completions when the model has no chat template.",
    )
    top_logprobs: int = Field(default=MAX_TOP_LOGPROBS, ge=1, le=MAX_TOP_LOGPROBS)
    batch_size: int = Field(default=32, ge=1)
    native_structured_output: bool = True
    display_name: str | None = Field(
        default=None,
        description="Name in labels, cards and progress lines (e.g. the local server's model); requests "
        "still name `model` or the server's first model.",
    )

    _client: Any = PrivateAttr(None)
    _served_model: str | None = PrivateAttr(None)
    _completions_mode: bool | None = PrivateAttr(None)
    _limiter: RateLimiter | None = PrivateAttr(None)
    _budget: RunBudget | None = PrivateAttr(None)
    _budget_path: str | None = PrivateAttr(None)
    _rng: random.Random = PrivateAttr(default_factory=random.Random)
    # Injectable for tests; must be set before the first request.
    _clock: Callable[[], float] = PrivateAttr(time.monotonic)
    _sleep: Callable[[float], None] = PrivateAttr(time.sleep)

    @model_validator(mode="after")
    def _check_prices(self) -> OpenAIEngine:
        if self.max_cost_usd is not None and not (self.prompt_usd_per_1m or self.completion_usd_per_1m):
            raise ValueError("max_cost_usd needs prompt_usd_per_1m and/or completion_usd_per_1m")
        return self

    def model_post_init(self, context: Any) -> None:
        super().model_post_init(context)
        self._usage.update(PACING_USAGE)
        capped = (self.max_calls, self.max_tokens_total, self.max_cost_usd) != (None, None, None)
        if self.budget_file is None and capped:  # chosen here so pickled copies share it
            name = f"synth_hf-budget-{uuid.uuid4().hex}.json"
            self._budget_path = os.path.join(tempfile.gettempdir(), name)
        else:
            self._budget_path = self.budget_file

    @property
    def model_name(self) -> str:
        return self.display_name or self._served_model or self.model or f"openai-compatible@{self.base_url}"

    def __getstate__(self) -> dict[str, Any]:
        # The client holds the API key and a connection pool; workers rebuild it in load().
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private.update(_client=None, _limiter=None, _budget=None)  # rebuilt in load()
        state["__pydantic_private__"] = private
        return state

    # ---- lifecycle ------------------------------------------------------------------
    def preflight(self) -> None:
        """The endpoint answers at all (GET <base_url>/models, `PREFLIGHT_TIMEOUT_S`): a dead or mistyped
        server fails here, in one line, instead of as every call of the run failing after its retries.
        Any HTTP reply counts as reachable (a 401 or 404 is the server's to explain at the first call).

        Raises:
            ValueError: nothing answers at `base_url` (refused, unknown host, timed out)."""
        import urllib.error
        import urllib.request

        url = self.base_url.rstrip("/") + "/models"
        shown = self.base_url.split("?", 1)[0]  # a query may carry a key: never in a message
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method="GET"), timeout=PREFLIGHT_TIMEOUT_S):
                pass
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError, ValueError) as err:
            why = getattr(err, "reason", err)
            raise ValueError(f"nothing answers at {shown} ({why}); is the server running and the URL right?") from None

    def load(self) -> None:
        if self._client is None:
            from openai import OpenAI

            # Local servers ignore the key, but the client refuses an empty one.
            key = os.environ.get(self.api_key_env) or "EMPTY"
            # max_retries=0: our backoff retries, so attempts are not multiplied.
            self._client = OpenAI(base_url=self.base_url, api_key=key, timeout=self.timeout, max_retries=0)
            self._served_model = self.model or self._first_served_model()
            self._completions_mode = self.use_completions_api
        if self._limiter is None:
            self._limiter = RateLimiter(
                self.requests_per_minute, self.tokens_per_minute, clock=self._clock, sleep=self._sleep
            )
        if self._budget is None:
            self._budget = RunBudget(
                self.max_calls,
                self.max_tokens_total,
                self.max_cost_usd,
                self.prompt_usd_per_1m,
                self.completion_usd_per_1m,
                path=self._budget_path,
            )
        super().load()

    def unload(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        super().unload()

    def _first_served_model(self) -> str:
        try:
            # Our backoff only wraps generation requests; let the client retry this one.
            models = list(self._client.with_options(max_retries=self.max_retries).models.list())
        except Exception as err:
            raise ConnectionError(f"Cannot list models at {self.base_url}: {err}") from err
        if not models:
            raise ValueError(f"The endpoint {self.base_url} serves no models; pass model=...")
        return models[0].id

    # ---- request plumbing -------------------------------------------------------------
    def _map(self, fn: Callable[[list[dict]], Any], prompts: list[list[dict]]) -> list[Any]:
        if self._client is None:
            self.load()
        if not prompts:
            return []
        # The first request may decide chat vs completions; run it alone so the others
        # do not all hit the failing route at once.
        first = [fn(prompts[0])] if self._completions_mode is None else []
        rest = prompts[len(first) :]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(rest)))) as pool:
            return first + list(pool.map(fn, rest))

    def _request(self, messages: list[dict], **kwargs: Any) -> tuple[Any, bool]:
        """Send one prompt on the chosen route; returns (response, used_completions)."""
        if self._completions_mode is None:
            with _MODE_LOCK:
                if self._completions_mode is None:
                    try:
                        response = self._chat(messages, **kwargs)
                    except Exception as err:
                        if not _is_no_chat_error(err):
                            raise
                        self._completions_mode = True  # base model: no chat template served
                        self._usage["chat_fallbacks"] = self._usage.get("chat_fallbacks", 0) + 1
                        logging.getLogger("synth_hf").warning(
                            "%s: no chat template served; sending prompts to /completions", self.model_name
                        )
                    else:
                        self._completions_mode = False
                        return response, False
        if self._completions_mode:
            return self._completion(messages, **kwargs), True
        return self._chat(messages, **kwargs), False

    def _chat(
        self, messages: list[dict], *, logprobs: int | None = None, schema: dict | None = None, **kw: Any
    ) -> Any:
        if logprobs:
            kw.update(logprobs=True, top_logprobs=logprobs)
        if schema is not None:
            kw["response_format"] = _response_format(schema)
        create = self._client.chat.completions.create
        return self._send(messages, kw, lambda: create(model=self._served_model, messages=messages, **kw))

    def _completion(
        self, messages: list[dict], *, logprobs: int | None = None, schema: dict | None = None, **kw: Any
    ) -> Any:
        if logprobs:
            kw["logprobs"] = logprobs
        if schema is not None:
            # Not in the official /completions schema; vLLM (and others) accept it.
            kw["extra_body"] = {"response_format": _response_format(schema)}
        create = self._client.completions.create
        prompt = render_plain(messages)
        return self._send(messages, kw, lambda: create(model=self._served_model, prompt=prompt, **kw))

    def _send(self, messages: list[dict], kw: dict, request: Callable[[], Any]) -> Any:
        """One request under the budget and rate limits, retried with backoff when retrying can help."""
        assert self._limiter is not None and self._budget is not None  # set by load()
        prompt_est, completion_est = estimate_tokens(messages, kw.get("max_tokens") or 0, kw.get("n") or 1)
        backoff = Backoff(self.backoff_base_s, self.backoff_max_s)
        for attempt in range(self.max_retries + 1):
            ticket = self._budget.reserve(prompt_est, completion_est)  # BudgetExceeded: nothing sent
            entry, waited = self._limiter.acquire(prompt_est + completion_est)
            if waited:
                self._count(rate_limited_waits=1, wait_seconds=waited)
            try:
                response = request()
            except Exception as err:
                self._budget.release(ticket)
                kind = None if _is_no_chat_error(err) else classify(err)
                if kind:
                    self._count(**{kind: 1})
                if kind is None or attempt == self.max_retries:
                    if kind is None and getattr(err, "status_code", None):
                        err.retryable = False  # type: ignore[attr-defined]  # a 4xx: no batch retry either
                    raise
                delay = backoff.delay(attempt, err, self._rng)
                if kind == "http_429":  # the server is full: hold back every thread, not just this one
                    self._limiter.pause(delay)
                self._count(retries=1, wait_seconds=delay)
                self._sleep(delay)
                continue
            usage = getattr(response, "usage", None)  # without it, bill the (high) estimate
            prompt = (usage.prompt_tokens or 0) if usage else prompt_est
            completion = (usage.completion_tokens or 0) if usage else completion_est
            self._limiter.correct(entry, prompt + completion)
            self._count(cost_usd=self._budget.settle(ticket, prompt, completion))
            return response
        raise AssertionError("unreachable")

    def _count(self, **deltas: float) -> None:
        with _USAGE_LOCK:  # worker threads of one batch update these together
            for key, value in deltas.items():
                self._usage[key] = self._usage.get(key, 0) + value

    # ---- primitives -----------------------------------------------------------------
    def _complete(self, prompts: list[list[dict]], params: GenParams) -> list[Completion]:
        def one(messages: list[dict]) -> Completion:
            kwargs: dict[str, Any] = {
                "max_tokens": params.max_new_tokens,
                "temperature": params.temperature,
                "n": params.n,
                "schema": params.json_schema,
            }
            if params.temperature > 0:
                kwargs["top_p"] = params.top_p
            if params.stop:
                kwargs["stop"] = params.stop
            if params.seed is not None:
                kwargs["seed"] = request_seed(params.seed, messages)
            response, plain = self._request(messages, **kwargs)
            choices = sorted(response.choices, key=lambda c: c.index)
            texts = [(c.text if plain else c.message.content) or "" for c in choices]
            usage = response.usage
            total_out = usage.completion_tokens if usage else 0
            # The API reports one total for all n choices; split it evenly.
            share, extra = divmod(total_out, max(1, len(texts)))
            counts = [share + (1 if i < extra else 0) for i in range(len(texts))]
            return Completion(
                texts=texts, input_tokens=usage.prompt_tokens if usage else 0, output_tokens=counts
            )

        return self._map(one, prompts)

    def _answer_token_probs(self, prompts: list[list[dict]]) -> list[tuple[float, float]]:
        def one(messages: list[dict]) -> tuple[float, float]:
            response, plain = self._request(
                messages, max_tokens=1, temperature=0.0, logprobs=self.top_logprobs
            )
            usage = getattr(response, "usage", None)
            with _USAGE_LOCK:
                self._scored_prompt_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
            candidates = _first_token_candidates(response.choices[0], plain)
            if not candidates:
                raise RuntimeError(
                    f"the endpoint {self.base_url} does not provide logprobs (top_logprobs) for "
                    f"model '{self._served_model}'; yes/no scoring needs them"
                )
            yes = no = 0.0
            for token, logprob in candidates:
                kind = classify_answer_token(token)
                if kind == "yes":
                    yes += math.exp(logprob)
                elif kind == "no":
                    no += math.exp(logprob)
            return yes, no

        return self._map(one, prompts)


def _response_format(schema: dict) -> dict:
    name = str(schema.get("title") or "output").replace(" ", "_")[:64]
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def _first_token_candidates(choice: Any, plain: bool) -> list[tuple[str, float]]:
    """(token text, logprob) alternatives for the first generated token, either API shape."""
    logprobs = getattr(choice, "logprobs", None)
    if logprobs is None:
        return []
    if plain:  # /completions: top_logprobs is a list of {token: logprob} dicts
        tops = getattr(logprobs, "top_logprobs", None) or []
        return [(t, float(lp)) for t, lp in (tops[0] or {}).items()] if tops else []
    content = getattr(logprobs, "content", None) or []
    if not content:
        return []
    return [(alt.token, float(alt.logprob)) for alt in (content[0].top_logprobs or [])]


def _is_no_chat_error(err: Exception) -> bool:
    status = getattr(err, "status_code", None)
    text = str(err).lower()
    if status == 404:  # no chat route at all
        return True
    return status in (400, 422, 500) and any(hint in text for hint in _NO_CHAT_HINTS)
