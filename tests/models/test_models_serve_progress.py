"""The local server start shows its elapsed time while waiting (a stand-in server, fast)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from synth_hf.models import serve
from synth_hf.runtime import spinner

# answers /health with 200 once it has "loaded" (after 2.5 s)
FAKE_SERVER = """
import http.server, sys, time
time.sleep(2.5)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_server_start_prints_elapsed_lines_off_a_terminal(monkeypatch, capsys) -> None:
    real_popen = subprocess.Popen

    def fake_popen(cmd, **kwargs):
        port = cmd[cmd.index("--port") + 1]
        return real_popen([sys.executable, "-c", FAKE_SERVER, port], **kwargs)

    monkeypatch.setattr(serve.subprocess, "Popen", fake_popen)
    monkeypatch.setattr(spinner, "LINE_INTERVAL_S", 1.0)
    monkeypatch.setenv("SYNTH_HF_PROGRESS", "1")
    with serve.start_local_vllm_server(enforce_eager=True) as server:
        assert server.load_s >= 2.5
    lines = [line for line in capsys.readouterr().err.splitlines() if "starting vLLM server" in line]
    assert lines[0] == "[progress] starting vLLM server (eager): started"
    assert any("running" in line and "elapsed" in line for line in lines[1:-1])
    assert lines[-1].startswith("[progress] starting vLLM server (eager): done, in 0:0")
    assert len(lines) <= 2 + 6  # about one per second of a ~3 s start


def test_server_that_dies_while_starting_is_reported(monkeypatch, capsys) -> None:
    real_popen = subprocess.Popen
    monkeypatch.setattr(
        serve.subprocess,
        "Popen",
        lambda cmd, **kw: real_popen([sys.executable, "-c", "raise SystemExit(3)"], **kw),
    )
    monkeypatch.setenv("SYNTH_HF_PROGRESS", "1")
    with (
        pytest.raises(RuntimeError, match="exited with code 3"),
        serve.start_local_vllm_server(enforce_eager=True),
    ):
        pass
    assert "starting vLLM server (eager): stopped (RuntimeError)" in capsys.readouterr().err
