"""Step workers start clean even when the caller already ran torch on several threads."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent


@pytest.mark.slow
def test_pipeline_after_multithreaded_torch_does_not_hang(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
    }
    work = tmp_path / "cwd"
    work.mkdir()
    # A forked worker would hang at its first torch op; the timeout turns that into a failure.
    done = subprocess.run(
        [sys.executable, str(HERE / "torch_worker_probe.py"), str(tmp_path / "runs")],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=420,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(x for x in done.stdout.splitlines() if x.startswith("PROBE "))
    first, second = json.loads(line[len("PROBE ") :])
    assert sorted(r["trace"] for r in first) == [256.0**3, 2 * 256.0**3]
    # The worker sees the caller's environment and directory as they were at each run.
    assert {r["probe_env"] for r in first} == {"first"}
    assert {r["probe_env"] for r in second} == {"second"}
    assert {r["cwd"] for r in first + second} == {str(work)}


def test_fork_server_unless_steps_live_in_an_interactive_main(monkeypatch):
    import types

    from distilabel.pipeline import Pipeline
    from distilabel.steps import LoadDataFromDicts

    from synth_hf.distilabel_compat import worker_start

    with Pipeline(name="start-method") as pipeline:
        LoadDataFromDicts(data=[{"n": 1}])
    assert worker_start.configure(pipeline) == "forkserver"

    # The same step class, as if typed into a notebook: no other process could import it.
    Interactive = type("Interactive", (LoadDataFromDicts,), {"__module__": "__main__"})
    with Pipeline(name="start-method-notebook") as notebook:
        Interactive(data=[{"n": 1}])
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    assert worker_start.interactive_steps(notebook) == ["interactive_0"]
    assert worker_start.configure(notebook) == "fork"
    assert worker_start.configure(pipeline) == "forkserver"


def test_workers_start_with_the_step_modules_and_clients_preloaded():
    # each AIDE stage's worker imported these itself before: 0.3-1.8 s per stage
    names = ["synth_hf.steps.aide", "synth_hf.steps.graphgen", "datasketch", "jsonschema", "openai"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, str(HERE / "preload_probe.py"), *names, "synth_hf.steps.aide.quality"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [True] * len(names) + [False]
