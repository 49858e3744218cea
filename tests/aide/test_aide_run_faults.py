"""AIDE runs that used to go wrong: a hard-killed run resumed (the record must equal an
uninterrupted run's), a hop that produces nothing (must finish, not hang), and a call budget
(must cap the whole run, not each stage)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "models"))

from aide_fakes import config_data
from harness import kill_when, rerun_resumes, run_record
from local_http import serving

from synth_hf.pipelines.aide import _build, run_aide
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.steps.aide.fake_responder import respond

pytestmark = pytest.mark.usefixtures("fakes_on_worker_path")


def _calls(path: Path) -> Counter:
    """(kind, generation of the item) -> calls, from the fake model's call log."""
    if not path.exists():
        return Counter()
    return Counter(tuple(line.split()) for line in path.read_text().splitlines())


def _record(run_dir: Path) -> dict:
    """What must not depend on whether the run was interrupted."""
    from datasets import load_from_disk

    dataset = load_from_disk(str(run_dir / "dataset"))
    rows = sorted(zip(dataset["row_id"], dataset["question"], dataset["answer"]))
    return {**run_record(run_dir, summary_keys=("invalid_seeds",)), "rows": rows}


@pytest.mark.timeout(900)
def test_hard_killed_run_resumes_with_the_uninterrupted_record(tmp_path):
    """SIGKILL the run (and its distilabel workers) at hop 2, rerun the same command: hop-1 work
    is not redone, and summary, drops by reason and dropped rows equal an uninterrupted run's
    (before: the ledgers of finished stages were deleted and the seed drop vanished)."""
    script = HERE / "aide_fake_run.py"
    reference = json.dumps(config_data(str(tmp_path / "ref"), "run"))
    ref_env = {**os.environ, "AIDE_FAKE_LOG": str(tmp_path / "calls_ref.log")}
    done = subprocess.run(
        [sys.executable, str(script), reference],
        check=False,
        env=ref_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = _record(tmp_path / "ref" / "run")
    assert expected["drops_by_reason"].get("empty_question") == 1  # the invalid seed
    assert any(r.startswith("synthesis_") for r in expected["drops_by_reason"])
    assert len(expected["rows"]) > 10

    args = [sys.executable, str(script), json.dumps(config_data(str(tmp_path / "out"), "run"))]
    env = {**os.environ, "AIDE_FAKE_LOG": str(tmp_path / "calls1.log"), "AIDE_FAKE_DELAY": "0.2"}
    kill_when(args, env, tmp_path / "out" / "run" / "ledger" / "synthesize_h2.jsonl", lines=2, deadline_s=400, poll_s=0.2)
    assert (tmp_path / "out" / "run" / "RUNNING").exists()

    rerun_resumes(args, {**os.environ, "AIDE_FAKE_LOG": str(tmp_path / "calls2.log")})

    calls1, calls2 = _calls(tmp_path / "calls1.log"), _calls(tmp_path / "calls2.log")
    hop1 = [k for k in calls1 if k[1] == "0" or (k[0] == "solve" and k[1] == "1")]
    assert hop1 and all(calls2[k] == 0 for k in hop1), (calls1, calls2)  # finished before the kill
    assert 0 < sum(calls2.values()) < sum(_calls(tmp_path / "calls_ref.log").values())
    assert _record(tmp_path / "out" / "run") == expected
    assert not (tmp_path / "out" / "run" / "RUNNING").exists()


def _finishes_empty(tmp_path: Path, name: str, **sections: Any) -> None:
    config = AIDEConfig.model_validate(config_data(str(tmp_path), name, responder="no_synthesis", **sections))
    result = run_aide(config)  # before: hung in dedup_h1, waiting for rows that never came
    assert len(result.dataset) == 0 and result.summary["final_rows"] == 0
    assert result.summary["drops_by_reason"]["synthesis_empty_question"] > 0
    assert "synth_placeholder" not in result.dataset.column_names
    stages = result.summary["stages"]
    assert stages["synthesize_h1"]["out"] == 0 and stages["format_aide"]["in"] == 0


@pytest.mark.timeout(240)
def test_a_hop_that_produces_nothing_finishes(tmp_path):
    """Every synthesis reply is garbage: hop 1 yields zero rows, the run must still end cleanly."""
    _finishes_empty(tmp_path, "empty", expansion={"personas_per_node": 0})


@pytest.mark.timeout(240)
def test_an_empty_stream_finishes_with_personas_reflection_and_row_budget(tmp_path):
    """Neighbours: the same with the global budgeted planner, personas and reflection in the chain."""
    pool = tmp_path / "personas.jsonl"
    pool.write_text("".join(json.dumps({"persona": f"A person of kind {i}"}) + "\n" for i in range(5)))
    _finishes_empty(
        tmp_path,
        "empty_all",
        expansion={"max_rows": 20},
        reflection={"enabled": True, "max_attempts": 1},
        personas={"source": str(pool)},
    )


# ------------------------------------------------------------------------------------ budget
class AideServer(ThreadingHTTPServer):
    """An OpenAI-compatible /v1/completions endpoint that answers like the fake AIDE model."""

    requests: list[str]


class AideHandler(BaseHTTPRequestHandler):
    server: AideServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        prompt = body["prompt"] if isinstance(body["prompt"], str) else body["prompt"][0]
        self.server.requests.append(prompt)
        choices = [
            {"index": i, "text": respond(prompt, i), "finish_reason": "stop", "logprobs": None}
            for i in range(body.get("n") or 1)
        ]
        usage = {"prompt_tokens": len(prompt.split()), "completion_tokens": 5, "total_tokens": 0}
        data = json.dumps(
            {"id": "x", "object": "text_completion", "created": 0, "model": body["model"], "choices": choices,
             "usage": usage}
        ).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.mark.timeout(600)
def test_max_calls_caps_the_whole_depth_2_run(tmp_path):
    """max_calls=N over a depth-2 run that needs far more: at most N requests reach the server in
    all (before: each of the six LLM stages had its own budget of N), refusals are counted, the
    run finishes cleanly."""
    cap = 12
    server = AideServer(("127.0.0.1", 0), AideHandler)
    server.requests = []
    with serving(server):
        engine = {
            "engine": "openai",
            "model": "fake-aide",
            "options": {
                "base_url": f"http://127.0.0.1:{server.server_port}/v1",
                "use_completions_api": True,
                "max_calls": cap,
                "max_retries": 0,
                "concurrency": 2,
            },
        }
        data = config_data(str(tmp_path), "budget", engine=engine)
        data["engine"] = engine  # replace, not merge, the fake engine's options
        data["run"]["use_cache"] = False
        result = run_aide(AIDEConfig.model_validate(data))
    assert 0 < len(server.requests) <= cap
    usage = result.summary["llm_usage"]
    assert usage["budget_refusals"] > 0
    assert result.summary["llm_calls"] <= cap


def test_one_engine_object_per_role(tmp_path):
    """Every LLM step of a role holds the same engine object (so its budget and usage are the
    run's); a grader or annotator without its own config shares the synthesizer's."""
    data = config_data(str(tmp_path), "roles", reflection={"enabled": True})
    data["annotator_engine"] = {"engine": "fake", "options": {"name": "annotator"}}
    pipeline, info = _build(AIDEConfig.model_validate(data))
    engines = info.engines
    assert engines["grader"] is engines["synthesizer"] is not engines["annotator"]
    seen = {}
    for name in pipeline.dag:
        step = pipeline.dag.get_step(name)["step"]
        if getattr(step, "llm", None) is not None:
            seen[name] = step.llm
        assert getattr(step, "grader", None) is None  # no second grader engine when it is shared
    assert {id(llm) for n, llm in seen.items() if n.startswith("annotate")} == {id(engines["annotator"])}
    others = {id(llm) for n, llm in seen.items() if not n.startswith("annotate")}
    assert others == {id(engines["synthesizer"])} and len(seen) >= 7
    assert info.models == {"synthesizer": "fake:fake", "grader": "fake:fake", "annotator": "fake:annotator"}
