"""Client-side request pacing for HTTP engines: rate limits, retry backoff and a run budget.

Clocks and sleeps are injectable so tests run on fake time. Locks are dropped when an object is
pickled or deep-copied (pydantic deep-copies private attributes) and recreated on the other side.
"""

from __future__ import annotations

import json
import math
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from synth_hf.models.base import BudgetExceeded

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: the budget stays per process
    fcntl = None  # type: ignore[assignment]

# A Retry-After longer than this is a server misconfiguration, not a reason to hang a run.
MAX_RETRY_AFTER_S = 600.0


def estimate_tokens(messages: list[dict], max_tokens: int, n: int = 1) -> tuple[int, int]:
    """(prompt, completion) token estimate before sending: ~3 characters per token (errs high
    for English) plus per-message overhead, and the full max_tokens for every choice."""
    chars = sum(len(str(m.get("content") or "")) for m in messages)
    return math.ceil(chars / 3) + 4 * len(messages), max_tokens * max(1, n)


class _Locked:
    """Holds a threading lock that is recreated rather than copied or pickled."""

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lock"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()


class RateLimiter(_Locked):
    """Sliding 60 s window over requests and tokens, shared by all threads of one engine.

    A request may start only if, counting it, the last `window` seconds hold at most
    `requests_per_minute` requests and `tokens_per_minute` tokens. One request larger than the
    whole token limit waits for an empty window instead of waiting forever.
    """

    def __init__(
        self,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        window: float = 60.0,
    ) -> None:
        self.rpm, self.tpm, self.window = requests_per_minute, tokens_per_minute, window
        self.clock, self.sleep = clock, sleep
        self._log: deque[list[float]] = deque()  # [start time, tokens, still counted], oldest first
        self._tokens = 0.0
        self._blocked_until = -math.inf
        self._lock = threading.Lock()

    def acquire(self, tokens: int) -> tuple[list[float], float]:
        """Block until the request fits; returns (entry for `correct`, seconds waited)."""
        waited = 0.0
        while True:
            with self._lock:
                now = self.clock()
                self._expire(now)
                delay = self._delay(now, tokens)
                if delay <= 0:
                    entry = [now, float(tokens), 1.0]
                    self._log.append(entry)
                    self._tokens += tokens
                    return entry, waited
            self.sleep(delay)
            waited += delay

    def correct(self, entry: list[float], tokens: int) -> None:
        """Replace the estimate with the tokens the server reported."""
        with self._lock:
            if entry[2]:  # still in the window: the running total must follow
                self._tokens += tokens - entry[1]
            entry[1] = float(tokens)

    def pause(self, seconds: float) -> None:
        """Hold every thread back, e.g. after a 429 with Retry-After."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.clock() + seconds)

    def _expire(self, now: float) -> None:
        while self._log and self._log[0][0] <= now - self.window:
            entry = self._log.popleft()
            self._tokens -= entry[1]
            entry[2] = 0.0

    def _delay(self, now: float, tokens: int) -> float:
        delay = self._blocked_until - now
        if self.rpm and len(self._log) >= self.rpm:  # the oldest surplus request must leave
            delay = max(delay, self._log[len(self._log) - self.rpm][0] + self.window - now)
        excess = self._tokens + tokens - self.tpm if self.tpm else 0
        if excess > 0 and self._log:
            # Wait until enough of the oldest tokens leave; a request over the whole limit
            # waits for the newest one, i.e. an empty window.
            freed, start = 0.0, self._log[-1][0]
            for t, used, _ in self._log:
                freed += used
                if freed >= excess:
                    start = t
                    break
            delay = max(delay, start + self.window - now)
        return delay


@dataclass
class Backoff:
    """Exponential backoff with jitter; a server's Retry-After wins when it sends one."""

    base_s: float = 0.5
    max_s: float = 30.0

    def delay(self, attempt: int, err: BaseException, rng: random.Random) -> float:
        hint = retry_after(err)
        if hint is not None:  # at least what the server asked; jitter so threads do not stampede
            return min(hint, MAX_RETRY_AFTER_S) * (1 + 0.1 * rng.random())
        ceiling = min(self.max_s, self.base_s * 2**attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def classify(err: BaseException) -> str | None:
    """The usage counter of a retryable failure, or None when retrying cannot help."""
    status = getattr(err, "status_code", None)
    if isinstance(status, int):
        if status == 429:
            return "http_429"
        if status >= 500:
            return "http_5xx"
        return "timeouts" if status == 408 else None
    names = {cls.__name__ for cls in type(err).__mro__}
    if names & {"APITimeoutError", "TimeoutException", "TimeoutError"}:
        return "timeouts"
    if names & {"APIConnectionError", "TransportError", "ConnectionError"}:
        return "connection_errors"
    return None


def retry_after(err: BaseException) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date), if sent."""
    headers = getattr(getattr(err, "response", None), "headers", None)
    if not headers:
        return None
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            continue
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        return max(0.0, (when - datetime.now(UTC)).total_seconds())
    return None


class RunBudget(_Locked):
    """Caps on calls, tokens and USD for a run. A request reserves its estimate before it is sent
    (so concurrent threads cannot overshoot together) and settles to the reported usage after.

    With `path`, the spend lives in a JSON file under an advisory lock, so every process holding a
    copy of the engine (pipeline step workers) draws on one budget.
    """

    def __init__(
        self,
        max_calls: int | None = None,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
        prompt_usd_per_1m: float = 0.0,
        completion_usd_per_1m: float = 0.0,
        path: str | None = None,
    ) -> None:
        self.max_calls, self.max_tokens, self.max_cost_usd = max_calls, max_tokens, max_cost_usd
        self.prices = (prompt_usd_per_1m / 1e6, completion_usd_per_1m / 1e6)
        self.path = path if fcntl is not None else None
        self._state = {"calls": 0, "tokens": 0, "cost_usd": 0.0}
        self._lock = threading.Lock()

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return prompt_tokens * self.prices[0] + completion_tokens * self.prices[1]

    def spent(self) -> dict[str, float]:
        return self._update(dict)

    def reserve(self, prompt_tokens: int, completion_tokens: int) -> tuple[int, float]:
        """Book one call and its estimate, or raise BudgetExceeded without booking anything."""
        ticket = (prompt_tokens + completion_tokens, self.cost(prompt_tokens, completion_tokens))

        def book(state: dict) -> None:
            over = self._over(state, *ticket)
            if over:
                raise BudgetExceeded(
                    f"run budget spent ({over}; so far {state['calls']} calls, {state['tokens']} tokens, "
                    f"${state['cost_usd']:.4f}): request refused"
                )
            self._apply(state, 1, *ticket)

        self._update(book)
        return ticket

    def settle(self, ticket: tuple[int, float], prompt_tokens: int, completion_tokens: int) -> float:
        """Swap the reserved estimate for the real usage; returns the real cost."""
        cost = self.cost(prompt_tokens, completion_tokens)
        self._update(
            lambda s: self._apply(s, 0, prompt_tokens + completion_tokens - ticket[0], cost - ticket[1])
        )
        return cost

    def release(self, ticket: tuple[int, float]) -> None:
        """A failed request costs nothing: give its reservation back."""
        self._update(lambda s: self._apply(s, -1, -ticket[0], -ticket[1]))

    def _over(self, state: dict, tokens: int, cost: float) -> str | None:
        if self.max_calls is not None and state["calls"] + 1 > self.max_calls:
            return f"max_calls={self.max_calls}"
        if self.max_tokens is not None and state["tokens"] + tokens > self.max_tokens:
            return f"max_tokens_total={self.max_tokens} (this request needs up to {tokens})"
        if self.max_cost_usd is not None and state["cost_usd"] + cost > self.max_cost_usd:
            return f"max_cost_usd={self.max_cost_usd} (this request may cost ${cost:.4f})"
        return None

    @staticmethod
    def _apply(state: dict, calls: int, tokens: int, cost: float) -> None:
        state["calls"] += calls
        state["tokens"] += tokens
        state["cost_usd"] += cost

    def _update(self, fn: Callable[[dict], Any]) -> Any:
        with self._lock:
            if self.path is None:
                return fn(self._state)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                raw = os.read(fd, 1 << 16)
                state = {**self._state, **json.loads(raw)} if raw.strip() else dict(self._state)
                result = fn(state)
                data = json.dumps(state).encode()
                os.lseek(fd, 0, os.SEEK_SET)
                os.ftruncate(fd, 0)
                os.write(fd, data)
                return result
            finally:
                os.close(fd)  # closing releases the flock
