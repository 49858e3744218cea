"""OpenAIEngine against a tiny in-process HTTP server that speaks the OpenAI wire format.

Covers the protocol logic (chat -> completions fallback, top-logprob classification, missing
logprobs, JSON response_format, key hygiene, batch failures) in milliseconds; the real
`vllm serve` run lives in test_models_openai_serve.py (slow).
"""

from __future__ import annotations

import json
import math
import pickle
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from local_http import serving

from synth_hf.models import EngineError, OpenAIEngine

SECRET = "sk-test-secret-value-123"


class FakeOpenAI(ThreadingHTTPServer):
    chat_ok = True  # False: behave like `vllm serve` of a base model (no chat template)
    logprobs_ok = True
    requests: list[dict]
    auth: list[str]


class Handler(BaseHTTPRequestHandler):
    server: FakeOpenAI

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send(200, {"object": "list", "data": [{"id": "fake-base", "object": "model", "owned_by": "t"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"path": self.path, **body})
        self.server.auth.append(self.headers.get("Authorization", ""))
        chat = self.path.endswith("/chat/completions")
        prompt = body["messages"][-1]["content"] if chat else body["prompt"]
        if "BOOM" in prompt:
            return self._send(500, {"error": {"message": "engine exploded", "code": 500}})
        if chat and not self.server.chat_ok:
            msg = "default chat template is no longer allowed, so you must provide a chat template"
            return self._send(400, {"error": {"message": msg, "type": "BadRequestError", "code": 400}})
        text = '{"name": "Ada", "age": 36}' if body.get("response_format") else f"echo:{prompt[-10:]}"
        top = {" Yes": math.log(0.5), " No": math.log(0.2), "yes": math.log(0.1), " Maybe": math.log(0.15)}
        want_lp = body.get("logprobs") and self.server.logprobs_ok
        choices = []
        for i in range(body.get("n") or 1):
            if chat:
                lp = {
                    "content": [
                        {
                            "token": " Yes",
                            "logprob": top[" Yes"],
                            "bytes": None,
                            "top_logprobs": [
                                {"token": t, "logprob": v, "bytes": None} for t, v in top.items()
                            ],
                        }
                    ]
                }
                choices.append(
                    {
                        "index": i,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                        "logprobs": lp if want_lp else None,
                    }
                )
            else:
                lp = {
                    "tokens": [" Yes"],
                    "token_logprobs": [top[" Yes"]],
                    "top_logprobs": [top],
                    "text_offset": [0],
                }
                choices.append(
                    {"index": i, "text": text, "finish_reason": "stop", "logprobs": lp if want_lp else None}
                )
        self._send(
            200,
            {
                "id": "x",
                "object": "chat.completion" if chat else "text_completion",
                "created": 0,
                "model": body["model"],
                "choices": choices,
                "usage": {
                    "prompt_tokens": len(prompt.split()),
                    "completion_tokens": 3 * len(choices),
                    "total_tokens": len(prompt.split()) + 3 * len(choices),
                },
            },
        )


@pytest.fixture()
def server() -> Iterator[FakeOpenAI]:
    srv = FakeOpenAI(("127.0.0.1", 0), Handler)
    srv.requests, srv.auth = [], []
    with serving(srv):
        yield srv


def _engine(srv: FakeOpenAI, **kw: Any) -> OpenAIEngine:
    return OpenAIEngine(base_url=f"http://127.0.0.1:{srv.server_address[1]}/v1", max_retries=0, **kw)


def test_chat_generation_with_served_model_and_key(
    server: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MY_KEY", SECRET)
    engine = _engine(server, api_key_env="MY_KEY", concurrency=4)
    out = engine.complete([f"prompt {i}" for i in range(10)])
    assert engine.model_name == "fake-base"  # taken from /models
    assert [c.texts[0] for c in out] == [f"echo:prompt {i}" for i in range(10)]  # order kept
    assert all(p["path"] == "/v1/chat/completions" for p in server.requests)
    assert set(server.auth) == {f"Bearer {SECRET}"}
    # The key is never a field, never dumped, never pickled.
    assert SECRET not in json.dumps(engine.model_dump(), default=str)
    assert SECRET.encode() not in pickle.dumps(engine)
    assert SECRET not in repr(engine)


def test_falls_back_to_completions_without_chat_template(server: FakeOpenAI) -> None:
    server.chat_ok = False
    engine = _engine(server)
    texts = engine.generate_texts(["one", "two", "three"])
    assert texts == ["echo:one", "echo:two", "echo:three"]
    paths = [r["path"] for r in server.requests]
    assert paths[0] == "/v1/chat/completions" and paths.count("/v1/chat/completions") == 1
    assert engine._completions_mode is True


def test_yes_no_from_top_logprobs_on_both_routes(server: FakeOpenAI) -> None:
    for completions in (False, True):
        engine = _engine(server, use_completions_api=completions)
        score = engine.score_yes_no(["Is the sky blue? Answer:"])[0]
        assert score.yes_mass == pytest.approx(0.6) and score.no_mass == pytest.approx(0.2)
        assert score.p_yes == pytest.approx(0.75) and score.covered_mass == pytest.approx(0.8)
    request = server.requests[-1]
    assert request["max_tokens"] == 1 and request["logprobs"] == 20


def test_missing_logprobs_is_a_clear_error(server: FakeOpenAI) -> None:
    server.logprobs_ok = False
    engine = _engine(server, batch_retries=0)
    with pytest.raises(EngineError, match="does not provide logprobs"):
        engine.score_yes_no(["Is it? Answer:"])


def test_json_schema_goes_as_response_format(server: FakeOpenAI) -> None:
    schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
        "required": ["name", "age"],
    }
    for completions in (False, True):
        engine = _engine(server, use_completions_api=completions)
        result = engine.generate_json(["Who?"], schema)[0]
        assert result.ok and result.data == {"name": "Ada", "age": 36}
        fmt = server.requests[-1]["response_format"]
        assert fmt["type"] == "json_schema" and fmt["json_schema"]["schema"] == schema
        assert "JSON:" not in json.dumps(server.requests[-1])  # native: no schema text in the prompt


def test_n_generations_and_token_counts(server: FakeOpenAI) -> None:
    out = _engine(server).complete(["a b c"], None)
    assert out[0].input_tokens == 3 and out[0].output_tokens == [3]
    gen = _engine(server).generate(["a b"], num_generations=3, temperature=0.7)
    assert len(gen[0]["generations"]) == 3 and gen[0]["statistics"]["output_tokens"] == [3, 3, 3]


def test_failure_mid_batch_names_the_batch(server: FakeOpenAI) -> None:
    engine = _engine(server, batch_size=2, batch_retries=0)
    with pytest.raises(EngineError, match=r"failed on batch 2 \(prompts 4\.\.5\).*engine exploded"):
        engine.generate_texts(["a", "b", "c", "d", "e", "BOOM"])
    with pytest.raises(EngineError, match=r"yes/no scoring failed on batch 1 \(prompts 2\.\.3\)"):
        engine.score_yes_no(["a", "b", "BOOM", "d"])


def test_each_prompt_gets_its_own_reproducible_seed(server: FakeOpenAI) -> None:
    """One run seed, but a distinct sampling seed per distinct prompt (the same seed for every
    request made near-identical prompts come back as the same text); same prompt, same seed."""
    from synth_hf.models.base import request_seed

    engine = _engine(server)
    engine.generate_texts(["rewrite: concretize", "rewrite: add constraints", "rewrite: concretize"], seed=7, temperature=0.7)
    sent = [((r.get("messages") or [{}])[-1].get("content") or r.get("prompt"), r["seed"]) for r in server.requests]
    by_prompt = {}
    for prompt, seed in sent:  # requests run concurrently: match them by prompt, not by order
        by_prompt.setdefault(prompt, set()).add(seed)
    assert len(by_prompt) == 2 and all(len(seeds) == 1 for seeds in by_prompt.values())
    assert by_prompt["rewrite: concretize"] != by_prompt["rewrite: add constraints"]
    assert request_seed(7, "x") == request_seed(7, "x") != request_seed(8, "x")
    assert request_seed(None, "x") is None and 0 <= request_seed(7, "x") < 2**31


def test_preflight_fails_in_one_line_when_nothing_answers_and_passes_any_http_reply(server: FakeOpenAI) -> None:
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = OpenAIEngine(base_url=f"http://127.0.0.1:{port}/v1?key={SECRET}", model="m")
    with pytest.raises(ValueError, match=rf"nothing answers at http://127.0.0.1:{port}/v1 ") as err:
        dead.preflight()
    assert SECRET not in str(err.value) and "\n" not in str(err.value)
    _engine(server).preflight()  # the fake server answers /models


def test_a_run_against_a_dead_endpoint_stops_before_any_stage() -> None:
    from synth_hf.config import EngineConfig
    from synth_hf.pipelines.engines import build_engines

    spec = EngineConfig(engine="openai", model="m", options={"base_url": "http://127.0.0.1:9/v1"})
    with pytest.raises(ValueError, match=r"^synthesizer engine openai:m: nothing answers at http://127.0.0.1:9/v1"):
        build_engines({"synthesizer": spec})
