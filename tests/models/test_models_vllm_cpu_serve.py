"""The embedded local vLLM server starts with the intended core settings, as its own log reports."""

from __future__ import annotations

import json
import os
import time
import urllib.request

import pytest

from synth_hf.models.serve import start_local_vllm_server
from synth_hf.models.vllm_cpu import RESERVED, find_preload_libraries, reserved_cores, usable_cores
from synth_hf.steps.aide.synthesis_prompts import extraction_schema

pytestmark = pytest.mark.slow


def _one_physical_thread_per_core() -> bool:
    siblings = "/sys/devices/system/cpu/cpu0/topology/thread_siblings_list"
    try:
        with open(siblings) as fh:
            return fh.read().strip() == "0"
    except OSError:
        return False


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="CPU backend settings")
def test_embedded_server_runs_the_model_on_the_intended_cores(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(RESERVED, raising=False)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    log = tmp_path / "server.log"
    schema = extraction_schema(1)  # AIDE's, compiled in the start as a recipe's server compiles it
    with start_local_vllm_server(log_path=log, max_model_len=1024, kv_cache_gb=1, warm_schemas=[schema]) as server:
        body = json.dumps({"model": _model_id(server.url), "prompt": "Water is", "max_tokens": 4})
        request = urllib.request.Request(
            server.url + "/completions", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            assert json.loads(response.read())["choices"][0]["text"] is not None
        # the same schema sent as a step sends it: constrained by the compiled grammar
        format_ = {"type": "json_schema", "json_schema": {"name": "extract", "schema": schema}}
        body = json.dumps({"model": _model_id(server.url), "prompt": "Question: Which drug lowers blood pressure?\nJSON:",
                           "max_tokens": 64, "response_format": format_})  # fmt: skip
        request = urllib.request.Request(
            server.url + "/completions", data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            text = json.loads(response.read())["choices"][0]["text"]
        assert text.lstrip().startswith("{") and '"topic"' in text, text
        report = _wait_for_binding_report(server)
        entry = server.engine_load()

    cores = usable_cores()
    reserved = int(entry["env"][RESERVED])  # decided at start: depends on how busy the machine was
    assert reserved == reserved_cores(cores, busy=0.0 if reserved == 0 else 99.0)
    assert report["reserve_cpu_num"] == reserved, log.read_text()[-3000:]
    assert report["omp_bind"] == "auto"
    if _one_physical_thread_per_core():  # with SMT vLLM binds one thread per physical core
        assert report["core_ids"] == [sorted(os.sched_getaffinity(0))[: cores - reserved]]
    for lib in ("libtcmalloc", "libiomp"):
        if any(lib in path for path in find_preload_libraries()):
            assert lib not in report["not_preloaded"], f"{lib} installed but not preloaded"
    assert entry["mode"] == "eager"
    assert entry["vllm_report"] == report and entry["load_s"] > 0
    # the first plain, logprob and JSON-schema requests were answered during the start
    assert entry["warm_up"]["ok"] is True and entry["warm_up"]["schemas"] == 1, entry["warm_up"]
    assert 0 < entry["warm_up"]["warm_up_s"] < entry["load_s"]


def _wait_for_binding_report(server, wait_s: float = 30.0) -> dict:
    """The core report once vLLM's OpenMP binding record is in the log (its engine process writes
    the log through its own buffer); fails with the log's tail when it never appears."""
    deadline = time.monotonic() + wait_s
    while True:
        report = server.core_report()
        if "reserve_cpu_num" in report or time.monotonic() > deadline:
            break
        time.sleep(1.0)
    tail = server.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
    assert "reserve_cpu_num" in report, f"no OpenMP binding record in the server log; its tail:\n{tail}"
    return report


def _model_id(base_url: str) -> str:
    with urllib.request.urlopen(base_url + "/models", timeout=30) as response:
        return json.loads(response.read())["data"][0]["id"]
