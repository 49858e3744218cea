"""Engine for any OpenAI-compatible endpoint (OpenAI, `vllm serve`, TGI, llama.cpp server...).

The API key is read from the environment at load time and lives only inside the private
client object: it is never a field, so it is never dumped, logged or pickled.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import Field, PrivateAttr

from synth_hf.models.base import Completion, GenParams, SynthLLM
from synth_hf.models.prompts import render_plain
from synth_hf.models.yesno import classify_answer_token

# OpenAI's (and vLLM's default) ceiling for top_logprobs.
MAX_TOP_LOGPROBS = 20
# Fragments of the errors a chat endpoint gives when the served model cannot do chat.
# Module-level: a lock in the model would break pydantic's deepcopy and pickling.
_MODE_LOCK = threading.Lock()
_NO_CHAT_HINTS = ("chat template", "chat_template", "does not support chat", "not a chat model")


class OpenAIEngine(SynthLLM):
    base_url: str = Field(
        default="http://127.0.0.1:8000/v1", description="Endpoint root, usually ending in /v1."
    )
    model: str | None = Field(
        default=None, description="Served model id; None = the first one /models lists."
    )
    api_key_env: str = Field(default="OPENAI_API_KEY", description="Name of the env var holding the key.")
    timeout: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    concurrency: int = Field(default=8, ge=1, description="Requests in flight per batch.")
    use_completions_api: bool | None = Field(
        default=None,
        description="None: chat completions, falling back to /completions when the model has no chat template.",
    )
    top_logprobs: int = Field(default=MAX_TOP_LOGPROBS, ge=1, le=MAX_TOP_LOGPROBS)
    batch_size: int = Field(default=32, ge=1)
    native_structured_output: bool = True

    _client: Any = PrivateAttr(None)
    _served_model: str | None = PrivateAttr(None)
    _completions_mode: bool | None = PrivateAttr(None)

    @property
    def model_name(self) -> str:
        return self._served_model or self.model or f"openai-compatible@{self.base_url}"

    def __getstate__(self) -> dict[str, Any]:
        # The client holds the API key and a connection pool; workers rebuild it in load().
        state = super().__getstate__()
        private = dict(state.get("__pydantic_private__") or {})
        private["_client"] = None
        state["__pydantic_private__"] = private
        return state

    # ---- lifecycle ------------------------------------------------------------------
    def load(self) -> None:
        if self._client is None:
            from openai import OpenAI

            # Local servers ignore the key, but the client refuses an empty one.
            key = os.environ.get(self.api_key_env) or "EMPTY"
            self._client = OpenAI(
                base_url=self.base_url, api_key=key, timeout=self.timeout, max_retries=self.max_retries
            )
            self._served_model = self.model or self._first_served_model()
            self._completions_mode = self.use_completions_api
        super().load()

    def unload(self) -> None:
        if self._client is not None:
            self._client.close()
        self._client = None
        super().unload()

    def _first_served_model(self) -> str:
        try:
            models = list(self._client.models.list())
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
        return self._client.chat.completions.create(model=self._served_model, messages=messages, **kw)

    def _completion(
        self, messages: list[dict], *, logprobs: int | None = None, schema: dict | None = None, **kw: Any
    ) -> Any:
        if logprobs:
            kw["logprobs"] = logprobs
        if schema is not None:
            # Not in the official /completions schema; vLLM (and others) accept it.
            kw["extra_body"] = {"response_format": _response_format(schema)}
        return self._client.completions.create(model=self._served_model, prompt=render_plain(messages), **kw)

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
                kwargs["seed"] = params.seed
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
