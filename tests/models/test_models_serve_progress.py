"""The local server start shows its elapsed time while waiting (a stand-in server, fast)."""

from __future__ import annotations

import contextlib
import io
import json
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


# answers /health, and every POST with a completion, writing each request's path and body to argv[2]
RECORDING_SERVER = """
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.end_headers()
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        with open(sys.argv[2], "a") as fh:
            fh.write(json.dumps({"path": self.path, "auth": self.headers.get("Authorization"), **body}) + "\\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b'{"choices": [{"text": " 100"}]}')
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
"""


def test_server_gets_its_first_plain_logprob_and_json_requests_before_it_is_used(monkeypatch, tmp_path) -> None:
    import json

    real_popen = subprocess.Popen
    seen = tmp_path / "requests.jsonl"
    served = []

    def fake_popen(cmd, **kwargs):
        port = cmd[cmd.index("--port") + 1]
        served.append(cmd[cmd.index("--model") + 1])
        return real_popen([sys.executable, "-c", RECORDING_SERVER, port, str(seen)], **kwargs)

    monkeypatch.setattr(serve.subprocess, "Popen", fake_popen)
    with serve.start_local_vllm_server(enforce_eager=True) as server:
        requests = [json.loads(line) for line in seen.read_text().splitlines()]
        assert server.warmed["ok"] is True and server.engine_load()["warm_up"] == server.warmed
    assert [r["path"] for r in requests] == ["/v1/completions"] * 3
    assert {r["model"] for r in requests} == {served[0]}  # the id the server serves its model under
    assert "logprobs" in requests[1] and requests[2]["response_format"]["type"] == "json_schema"
    with serve.start_local_vllm_server(enforce_eager=True, warm=False) as server:
        assert server.warmed is None
    assert len(seen.read_text().splitlines()) == 3  # warm=False sends nothing
    # a server serving its model under another name and asking for a key is warmed with both
    args = ["--served-model-name", "mine", "--api-key", "k1"]
    with serve.start_local_vllm_server(enforce_eager=True, extra_args=args) as server:
        assert server.warmed["ok"] is True
    later = [json.loads(line) for line in seen.read_text().splitlines()[3:]]
    assert {(r["model"], r["auth"]) for r in later} == {("mine", "Bearer k1")}


def test_a_server_that_cannot_answer_the_warm_up_still_starts_and_says_why(monkeypatch) -> None:
    real_popen = subprocess.Popen

    def fake_popen(cmd, **kwargs):  # the GET-only server: every POST is refused (501)
        port = cmd[cmd.index("--port") + 1]
        return real_popen([sys.executable, "-c", FAKE_SERVER.replace("2.5", "0"), port], **kwargs)

    monkeypatch.setattr(serve.subprocess, "Popen", fake_popen)
    with serve.start_local_vllm_server(enforce_eager=True) as server:
        assert server.warmed["ok"] is False and "501" in server.warmed["error"]


def test_the_run_schemas_are_compiled_once_each_in_the_start(monkeypatch, tmp_path) -> None:
    from synth_hf.steps.aide.synthesis_prompts import GRADE_SCHEMA, extraction_schema

    real_popen = subprocess.Popen
    seen = tmp_path / "requests.jsonl"

    def fake_popen(cmd, **kwargs):
        port = cmd[cmd.index("--port") + 1]
        return real_popen([sys.executable, "-c", RECORDING_SERVER, port, str(seen)], **kwargs)

    monkeypatch.setattr(serve.subprocess, "Popen", fake_popen)
    schemas = [extraction_schema(2), GRADE_SCHEMA, extraction_schema(2), serve.WARM_UP_SCHEMA]
    with serve.start_local_vllm_server(enforce_eager=True, warm_schemas=schemas) as server:
        assert server.warmed["ok"] is True and server.warmed["schemas"] == 2
    requests = [json.loads(line) for line in seen.read_text().splitlines()]
    compiled = requests[3:]  # after plain, logprobs and the warm-up's own schema
    assert [r["response_format"]["json_schema"]["schema"] for r in compiled] == [extraction_schema(2), GRADE_SCHEMA]
    assert {r["max_tokens"] for r in compiled} == {1}  # a grammar is compiled before the first token


def test_a_refused_schema_is_named_and_the_others_are_still_compiled(monkeypatch) -> None:
    calls = []

    def refuse_the_first_schema(request, timeout):
        calls.append(json.loads(request.data))
        if len(calls) == 4:  # after plain, logprobs and the warm-up's own schema
            raise OSError("HTTP Error 400: Bad Request")
        return contextlib.nullcontext(io.BytesIO(b"{}"))

    monkeypatch.setattr(serve.urllib.request, "urlopen", refuse_the_first_schema)
    first = {"type": "object", "properties": {"topic": {"type": "string"}}}
    warmed = serve.warm_up("http://127.0.0.1:1/v1", "m", schemas=[first, {"title": "grade", "type": "object"}])
    assert warmed["ok"] is False and warmed["schemas"] == 1 and len(calls) == 5
    assert warmed["error"] == "schema {topic}: HTTP Error 400: Bad Request"


def test_schemas_that_are_not_json_dicts_are_named_and_skipped_not_raised(monkeypatch) -> None:
    sent = []

    def answer(request, timeout):
        sent.append(json.loads(request.data))
        return contextlib.nullcontext(io.BytesIO(b"{}"))

    monkeypatch.setattr(serve.urllib.request, "urlopen", answer)
    good = {"type": "object"}
    warmed = serve.warm_up("http://127.0.0.1:1/v1", "m", schemas=[{"x": {1, 2}}, None, '{"type": "object"}', good])
    assert warmed["ok"] is False and warmed["schemas"] == 1
    assert [r["response_format"]["json_schema"]["schema"] for r in sent[3:]] == [good]
    assert "schema 0: Object of type set" in warmed["error"] and "schema 1: not a dict but NoneType" in warmed["error"]
    assert "schema 2: not a dict but str" in warmed["error"]


def test_a_server_refusing_the_first_requests_gets_no_schema_request(monkeypatch) -> None:
    calls = []

    def refuse(request, timeout):
        calls.append(request)
        raise OSError("connection refused")

    monkeypatch.setattr(serve.urllib.request, "urlopen", refuse)
    warmed = serve.warm_up("http://127.0.0.1:1/v1", "m", schemas=[{"type": "object"}])
    assert warmed == {"warm_up_s": warmed["warm_up_s"], "ok": False, "schemas": 0, "error": "connection refused"}
    assert len(calls) == 1
