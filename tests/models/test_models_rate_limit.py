"""Rate limits, retry backoff and the run budget of OpenAIEngine.

Limiter maths run on a fake clock; the engine is driven through a real loopback HTTP server
that speaks the OpenAI chat/completions wire format and is scripted to fail first.
"""

from __future__ import annotations

import copy
import json
import pickle
import random
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import httpx
import openai
import pytest
from local_http import serving

from synth_hf.models import EngineError, OpenAIEngine
from synth_hf.models.rate_limit import (
    Backoff,
    BudgetExceeded,
    RateLimiter,
    RunBudget,
    classify,
    retry_after,
)
from synth_hf.steps.common.ledger import Ledger
from synth_hf.summary import build_summary, format_summary


class FakeClock:
    """Shared fake time: sleep() advances it instead of blocking (sleeps of several threads add
    up, so fake time runs ahead of real overlap; the limits must hold all the same)."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            now = self.now
        time.sleep(0.0001)  # a thread switch here exposes a limiter that checks without its lock
        return now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.sleeps.append(seconds)
        time.sleep(0.0005)  # let other threads interleave


def _max_in_window(grants: list[tuple[float, float]], window: float = 60.0) -> tuple[int, float]:
    """Most requests and tokens started within any `window` seconds."""
    worst_n, worst_tokens = 0, 0.0
    for t, _ in grants:
        inside = [tok for s, tok in grants if t - window < s <= t]
        worst_n, worst_tokens = max(worst_n, len(inside)), max(worst_tokens, sum(inside))
    return worst_n, worst_tokens


# ---- limiter maths (fake clock) ----------------------------------------------------------------
def test_rpm_window_waits_for_the_oldest_request() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=3, clock=clock.time, sleep=clock.sleep)
    starts = [limiter.acquire(1)[0][0] for _ in range(7)]
    assert starts == [0, 0, 0, 60, 60, 60, 120]


def test_tpm_waits_and_reported_usage_corrects_the_estimate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(tokens_per_minute=100, clock=clock.time, sleep=clock.sleep)
    _, waited = limiter.acquire(60)
    assert waited == 0
    second, waited = limiter.acquire(60)  # 120 > 100: waits for the first to leave the window
    assert second[0] == 60 and waited == 60
    limiter.correct(second, 10)  # the server reported far fewer tokens than estimated
    third, waited = limiter.acquire(80)  # 10 + 80 fits at once
    assert third[0] == 60 and waited == 0
    # One request over the whole limit waits for an empty window instead of forever.
    huge, _ = limiter.acquire(150)
    assert huge[0] == 120


def test_429_pause_holds_back_every_caller() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
    limiter.pause(5)
    entry, waited = limiter.acquire(1)
    assert entry[0] == pytest.approx(5) and waited == pytest.approx(5)


def test_concurrent_threads_never_exceed_rpm_or_tpm() -> None:
    clock = FakeClock()
    limiter = RateLimiter(requests_per_minute=4, tokens_per_minute=100, clock=clock.time, sleep=clock.sleep)
    grants: list[tuple[float, float]] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(6):
            tokens = rng.randint(5, 45)
            entry, _ = limiter.acquire(tokens)
            with lock:
                grants.append((entry[0], tokens))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert len(grants) == 36
    most, most_tokens = _max_in_window(grants)
    assert most <= 4 and most_tokens <= 100
    assert most == 4 or most_tokens > 60  # the limits were actually reached, not just idled under


def test_limiter_and_budget_survive_pickle_and_deepcopy() -> None:
    limiter = RateLimiter(requests_per_minute=2)
    limiter.acquire(1)
    for clone in (pickle.loads(pickle.dumps(limiter)), copy.deepcopy(limiter)):
        assert len(clone._log) == 1 and clone._lock is not limiter._lock
    budget = RunBudget(max_calls=1)
    clone = copy.deepcopy(budget)
    clone.reserve(1, 1)
    with pytest.raises(BudgetExceeded):
        clone.reserve(1, 1)


# ---- backoff policy ----------------------------------------------------------------------------
def _http_error(status: int, headers: dict[str, str] | None = None) -> openai.APIStatusError:
    request = httpx.Request("POST", "http://x/v1/chat/completions")
    response = httpx.Response(status, headers=headers or {}, request=request)
    return openai.APIStatusError("boom", response=response, body=None)


def test_backoff_honours_retry_after_headers() -> None:
    rng = random.Random(0)
    backoff = Backoff(base_s=0.5, max_s=4.0)
    assert 7 <= backoff.delay(0, _http_error(429, {"Retry-After": "7"}), rng) <= 7.7
    assert 1.5 <= backoff.delay(0, _http_error(429, {"retry-after-ms": "1500"}), rng) <= 1.65
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= retry_after(_http_error(429, {"retry-after": when})) <= 30  # type: ignore[operator]
    assert retry_after(_http_error(429, {"retry-after": "soon"})) is None
    # Without a hint: exponential, jittered within [ceiling/2, ceiling], capped at max_s.
    no_hint = _http_error(503)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (5, 4.0)]:
        delays = [backoff.delay(attempt, no_hint, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(set(delays)) > 1


def test_classify_retryable_failures() -> None:
    request = httpx.Request("POST", "http://x")
    assert classify(_http_error(429)) == "http_429"
    assert classify(_http_error(502)) == "http_5xx"
    assert classify(_http_error(408)) == "timeouts"
    assert classify(openai.APITimeoutError(request=request)) == "timeouts"
    assert classify(openai.APIConnectionError(request=request)) == "connection_errors"
    assert classify(ConnectionRefusedError()) == "connection_errors"
    for final in (_http_error(400), _http_error(401), _http_error(404), ValueError("x"), BudgetExceeded("x")):
        assert classify(final) is None


# ---- a scripted OpenAI-compatible server ---------------------------------------------------------
class ScriptedServer(ThreadingHTTPServer):
    script: list[tuple[int, dict[str, str]]]  # failures to return first, in order
    requests: list[dict]
    clock: FakeClock
    lock: threading.Lock


class Handler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, code: int, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with self.server.lock:
            self.server.requests.append({"path": self.path, "at": self.server.clock.time(), **body})
            failure = self.server.script.pop(0) if self.server.script else None
        if failure:
            status, headers = failure
            return self._send(status, {"error": {"message": f"scripted {status}", "code": status}}, headers)
        prompt = body["messages"][-1]["content"]
        n_prompt = len(prompt.split())
        self._send(
            200,
            {
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": f"echo:{prompt}"},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": n_prompt, "completion_tokens": 3, "total_tokens": n_prompt + 3},
            },
        )


@pytest.fixture()
def server() -> Iterator[ScriptedServer]:
    srv = ScriptedServer(("127.0.0.1", 0), Handler)
    srv.script, srv.requests, srv.clock, srv.lock = [], [], FakeClock(), threading.Lock()
    with serving(srv, poll_interval=0.05):
        yield srv


def _engine(srv: ScriptedServer, **kw: Any) -> OpenAIEngine:
    options = {"model": "fake", "use_completions_api": False, "concurrency": 1, "batch_retries": 0, **kw}
    engine = OpenAIEngine(base_url=f"http://127.0.0.1:{srv.server_address[1]}/v1", **options)
    engine._clock, engine._sleep = srv.clock.time, srv.clock.sleep  # no real waiting
    return engine


def test_429_then_success_waits_the_retry_after(server: ScriptedServer) -> None:
    server.script = [(429, {"retry-after": "2"})]
    engine = _engine(server, max_retries=3)
    assert engine.generate_texts(["hello there"]) == ["echo:hello there"]
    assert len(server.requests) == 2
    assert 2.0 <= server.requests[1]["at"] <= 2.2  # the retry went out after the server's hint
    assert engine._limiter is not None and engine._limiter._blocked_until >= 2.0  # other threads hold too
    usage = engine.usage
    assert usage["http_429"] == 1 and usage["retries"] == 1 and usage["http_5xx"] == 0
    assert usage["wait_seconds"] == pytest.approx(sum(server.clock.sleeps))
    assert usage["calls"] == 1 and usage["failed_calls"] == 0


def test_500_then_success_backs_off_exponentially(server: ScriptedServer) -> None:
    server.script = [(500, {}), (503, {})]
    engine = _engine(server, max_retries=3, backoff_base_s=1.0)
    assert engine.generate_texts(["hi"]) == ["echo:hi"]
    assert len(server.requests) == 3
    first, second = server.clock.sleeps[:2]
    assert 0.5 <= first <= 1.0 and 1.0 <= second <= 2.0
    assert engine.usage["http_5xx"] == 2 and engine.usage["retries"] == 2


def test_retries_are_bounded_and_4xx_fails_at_once(server: ScriptedServer) -> None:
    server.script = [(429, {})] * 5
    engine = _engine(server, max_retries=2)
    with pytest.raises(EngineError, match="scripted 429"):
        engine.generate_texts(["x"])
    assert len(server.requests) == 3 and engine.usage["http_429"] == 3 and engine.usage["retries"] == 2

    server.script, server.requests = [(400, {})], []
    engine = _engine(server, max_retries=3, batch_retries=2)
    with pytest.raises(EngineError, match="after 1 attempts.*scripted 400"):
        engine.generate_texts(["x"])
    assert len(server.requests) == 1  # neither the request nor the batch is retried
    assert engine.usage["retries"] == 0


def test_engine_threads_share_one_limiter(server: ScriptedServer) -> None:
    engine = _engine(server, concurrency=4, requests_per_minute=2)
    engine.load()
    assert engine._limiter is not None
    grants: list[tuple[float, float]] = []
    acquire = engine._limiter.acquire

    def recording(tokens: int) -> tuple[list[float], float]:
        entry, waited = acquire(tokens)
        grants.append((entry[0], 0.0))
        return entry, waited

    engine._limiter.acquire = recording  # type: ignore[method-assign]
    prompts = [f"p{i}" for i in range(6)]
    assert engine.generate_texts(prompts) == [f"echo:{p}" for p in prompts]
    assert len(grants) == len(server.requests) == 6 and _max_in_window(grants)[0] <= 2
    assert max(t for t, _ in grants) >= 120  # 6 requests at 2/min: the last pair starts at minute 2
    assert engine.usage["rate_limited_waits"] >= 1 and engine.usage["wait_seconds"] >= 120


def test_budget_stops_after_max_calls_without_batch_retries(server: ScriptedServer, tmp_path: Any) -> None:
    engine = _engine(server, max_calls=3, batch_size=2, batch_retries=2, budget_file=str(tmp_path / "b.json"))
    with pytest.raises(BudgetExceeded, match=r"refused at batch 1 \(prompts 2\.\.3\).*max_calls=3"):
        engine.generate_texts(["a", "b", "c", "d", "e"])
    assert len(server.requests) == 3  # the refused request was never sent, nor retried
    assert engine.usage["budget_refusals"] == 2


def test_budget_skip_counts_refused_rows_and_cost(server: ScriptedServer, tmp_path: Any) -> None:
    engine = _engine(
        server,
        budget_file=str(tmp_path / "b.json"),
        batch_size=1,
        max_tokens_total=20,
        max_new_tokens=4,
        prompt_usd_per_1m=1000.0,
        completion_usd_per_1m=2000.0,
        on_batch_failure="skip",
    )
    # Each "a b c" is estimated at 10 tokens and billed at 6 (3 prompt + 3 completion):
    # 0+10 and 6+10 fit under 20, 12+10 does not.
    texts = engine.generate_texts(["a b c"] * 5)
    assert texts == ["echo:a b c"] * 2 + [""] * 3
    assert len(server.requests) == 2
    usage = engine.usage
    assert usage["budget_refusals"] == 3 and usage["failed_calls"] == 3 and usage["calls"] == 2
    assert usage["cost_usd"] == pytest.approx(2 * (3 * 0.001 + 3 * 0.002))
    assert engine._budget is not None and engine._budget.spent()["tokens"] == 12


def test_budget_is_shared_by_pickled_copies(
    server: ScriptedServer, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the default budget file goes
    engine = _engine(server, max_calls=2)
    assert engine.generate_texts(["one"]) == ["echo:one"]
    assert engine.budget_file is None and str(engine._budget_path).startswith(str(tmp_path))
    engine._clock, engine._sleep = time.monotonic, time.sleep  # the fake clock does not pickle
    worker_copy = pickle.loads(pickle.dumps(engine))  # what a pipeline worker receives
    worker_copy._clock, worker_copy._sleep = server.clock.time, server.clock.sleep
    assert worker_copy.generate_texts(["two"]) == ["echo:two"]
    with pytest.raises(BudgetExceeded, match="max_calls=2"):
        engine.generate_texts(["three"])
    assert len(server.requests) == 2


def test_max_cost_needs_prices() -> None:
    with pytest.raises(ValueError, match="max_cost_usd needs"):
        OpenAIEngine(max_cost_usd=1.0)


def test_engine_counters_reach_the_run_summary(tmp_path: Any) -> None:
    ledger = Ledger(tmp_path)
    base = {"calls": 2, "input_tokens": 10, "output_tokens": 4, "failed_calls": 0}
    ledger.record("generate", "k1", 2, 2, usage={**base, "http_429": 1, "retries": 1, "cost_usd": 0.1})
    ledger.record("generate", "k2", 2, 2, usage={**base, "http_429": 2, "retries": 0, "cost_usd": 0.2})
    ledger.record("judge", "k3", 2, 2, usage={**base, "budget_refusals": 2, "wait_seconds": 1.5})
    summary = build_summary(tmp_path, final_rows=4)
    assert summary["stages"]["generate"]["usage"] == {"cost_usd": 0.3, "http_429": 3, "retries": 1}
    assert summary["stages"]["judge"]["usage"] == {"budget_refusals": 2, "wait_seconds": 1.5}
    assert summary["llm_usage"] == {
        "budget_refusals": 2,
        "cost_usd": 0.3,
        "http_429": 3,
        "retries": 1,
        "wait_seconds": 1.5,
    }
    assert "http_429=3" in format_summary(summary)


def test_fresh_engine_reports_all_counters() -> None:
    usage = OpenAIEngine().usage
    for key in ("rate_limited_waits", "wait_seconds", "retries", "http_429", "http_5xx", "timeouts"):
        assert usage[key] == 0
    assert usage["cost_usd"] == 0 and usage["budget_refusals"] == 0


def test_retry_after_reads_plain_objects() -> None:
    err = SimpleNamespace(response=SimpleNamespace(headers={"retry-after": "3"}))
    assert retry_after(err) == 3.0  # type: ignore[arg-type]
