"""Both recipes run their pipeline on one shared local vLLM server through the same helper
(synth_hf.runtime.shared_server): embedded in-process roles are swapped for the server, named
engines stay, --no-serve opts out, engine_load lands in summary.json, config.yaml keeps the
configured engines, and the server has stopped before training starts. The server, the pipelines
and the publish/train/eval loop are fakes here: no model is loaded."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import pytest
import yaml
from datasets import Dataset

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "recipes"))

import aide_medqa
import graphgen_medqa

from synth_hf.config import EngineConfig
from synth_hf.models.serve import SEEDED_SERVER_ARGS
from synth_hf.models.vllm_cpu import LoadPlan
from synth_hf.pipelines.runner import RunResult
from synth_hf.runtime import shared_server
from synth_hf.runtime.shared_server import is_embedded_in_process, served_engine

URL = "http://127.0.0.1:9/v1"


class Harness:
    """Records what happened, in order: server start/stop, the pipeline run, training."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.helper_calls: list[tuple[str, tuple]] = []
        self.ran_with = None  # the config the pipeline got
        self.trained_with = None  # the config close_the_loop got
        self.server_args = None  # extra command-line arguments of the server


@pytest.fixture
def harness(monkeypatch, tmp_path):
    from synth_hf.models import serve
    from synth_hf.pipelines import aide, graphgen

    h = Harness()

    @contextlib.contextmanager
    def fake_server(log_path=None, extra_args=None, **kwargs):
        h.events.append("start")
        h.server_args = extra_args
        log = Path(log_path)
        log.write_text("reserve_cpu_num=0, core ids=[0, 1]\n")
        try:
            yield serve.LocalServer(URL, LoadPlan("eager", "test plan"), {"X": "1"}, 12.34, log)
        finally:
            h.events.append("stop")

    real_helper = shared_server.shared_embedded_server

    def spy(config, roles, **kwargs):
        h.helper_calls.append((kwargs.get("started_by"), tuple(roles)))
        return real_helper(config, roles, **kwargs)

    def fake_run(config):
        h.events.append("run")
        h.ran_with = config
        run_dir = Path(config.run.run_dir)
        run_dir.mkdir(parents=True, exist_ok=True)
        summary = {"method": "fake", "engine_load": {"earlier": {"mode": "x"}}}
        (run_dir / "summary.json").write_text(json.dumps(summary))
        (run_dir / "config.yaml").write_text("what the builder wrote\n")
        rows = Dataset.from_list([{"messages": [{"role": "user", "content": "q"}]}])
        return RunResult(rows, Dataset.from_list([]), summary, run_dir)

    def fake_loop(result, loop, config):
        h.events.append("train")
        h.trained_with = config
        return {}

    monkeypatch.setattr(serve, "start_local_vllm_server", fake_server)
    monkeypatch.setattr(shared_server, "shared_embedded_server", spy)
    monkeypatch.setattr(graphgen, "run_graphgen", fake_run)
    monkeypatch.setattr(aide, "run_aide", fake_run)
    monkeypatch.setattr(graphgen_medqa, "close_the_loop", fake_loop)
    monkeypatch.setattr(aide_medqa, "close_the_loop", fake_loop)
    from synth_hf.models.openai_engine import OpenAIEngine

    monkeypatch.setattr(OpenAIEngine, "preflight", lambda self: None)  # the "remote" endpoints are fake too
    return h


def _check_served_run(h: Harness, run_dir: Path, out: Path, roles: str) -> None:
    assert h.events == ["start", "run", "stop", "train"]  # the server is gone before training
    summary = json.loads((run_dir / "summary.json").read_text())
    server = summary["engine_load"]["server"]
    assert summary["engine_load"]["earlier"] == {"mode": "x"}  # the pipeline's own entries stay
    assert (server["mode"], server["reason"], server["load_s"]) == ("eager", "test plan", 12.3)
    assert server["vllm_report"] and server["env"] == {"X": "1"}
    text = (run_dir / "config.yaml").read_text()
    assert text.startswith(f"# This run's {roles} used one temporary local vLLM server")
    assert URL not in text  # a re-run gets the configured engines, not a dead URL
    assert (out / "vllm_server.log").exists()


def test_graphgen_recipe_serves_embedded_roles_through_the_helper(harness, tmp_path):
    out = tmp_path / "gg"
    assert graphgen_medqa.main(["--out", str(out)]) == 0
    assert harness.helper_calls == [("recipes/graphgen_medqa.py", ("synthesizer", "trainee"))]
    ran = harness.ran_with
    for role in (ran.synthesizer, ran.trainee):
        assert role.engine == "openai" and role.options["base_url"] == URL
    assert harness.trained_with.synthesizer == EngineConfig(engine="transformers")
    assert harness.server_args is None  # GraphGen does not seed its sampling
    run_dir = out / "graphgen"
    _check_served_run(harness, run_dir, out, "`synthesizer`, `trainee`")
    written = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert written["synthesizer"]["engine"] == written["trainee"]["engine"] == "transformers"


def test_graphgen_recipe_keeps_a_named_engine(harness, tmp_path):
    out = tmp_path / "gg"
    argv = ["--out", str(out), "--trainee", "openai:remote-model", "--openai-base-url", "http://remote/v1"]
    assert graphgen_medqa.main(argv) == 0
    ran = harness.ran_with
    assert ran.synthesizer.options["base_url"] == URL  # the embedded role is served
    assert ran.trainee == EngineConfig(
        engine="openai", model="remote-model", options={"base_url": "http://remote/v1"}
    )
    _check_served_run(harness, out / "graphgen", out, "`synthesizer`")


def test_aide_recipe_serves_embedded_roles_through_the_same_helper(harness, tmp_path):
    out = tmp_path / "aide"
    remote = "{engine: openai, model: grader-model, options: {base_url: 'http://remote/v1'}}"
    assert aide_medqa.main(["--out", str(out), "--set", f"grader_engine={remote}"]) == 0
    assert harness.helper_calls == [
        ("recipes/aide_medqa.py", ("engine", "grader_engine", "annotator_engine"))
    ]
    ran = harness.ran_with
    assert ran.engine.engine == "openai" and ran.engine.options["base_url"] == URL
    # the recipe's in-process options: retries carry over, the in-process batch size does not
    assert ran.engine.options["structured_retries"] == 0 and "batch_size" not in ran.engine.options
    assert ran.grader_engine.model == "grader-model" and ran.grader_engine.options == {
        "base_url": "http://remote/v1"
    }
    assert ran.annotator_engine is None  # follows the (served) synthesizer engine
    assert harness.trained_with.engine.engine == "transformers"
    assert harness.server_args == SEEDED_SERVER_ARGS  # AIDE seeds its sampling: a vLLM CPU server needs these
    run_dir = out / "aide"
    _check_served_run(harness, run_dir, out, "`engine`")
    written = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert written["engine"] == {"engine": "transformers", "model": None,
                                 "options": {"batch_size": 16, "structured_retries": 0}}  # fmt: skip


@pytest.mark.parametrize("recipe, argv", [
    (graphgen_medqa, ["--no-serve"]),
    (aide_medqa, ["--no-serve"]),
    (aide_medqa, ["--engine", "fake:"]),  # nothing embedded in-process: nothing to serve
])  # fmt: skip
def test_no_server_when_opted_out_or_nothing_to_serve(harness, tmp_path, recipe, argv):
    out = tmp_path / "o"
    assert recipe.main(["--out", str(out), *argv]) == 0
    assert len(harness.helper_calls) == 1  # still the helper that decides
    assert harness.events == ["run", "train"]
    assert harness.ran_with is harness.trained_with  # the configured config ran as is
    run_dir = Path(harness.ran_with.run.run_dir)
    assert "server" not in json.loads((run_dir / "summary.json").read_text())["engine_load"]
    assert (run_dir / "config.yaml").read_text() == "what the builder wrote\n"


def test_server_stops_when_the_run_fails(harness, monkeypatch, tmp_path):
    from synth_hf.pipelines import aide

    def broken(config):
        harness.events.append("run")
        raise RuntimeError("pipeline failed")

    monkeypatch.setattr(aide, "run_aide", broken)
    with pytest.raises(RuntimeError, match="pipeline failed"):
        aide_medqa.main(["--out", str(tmp_path / "o")])
    assert harness.events == ["start", "run", "stop"]


def test_which_engines_are_served():
    assert is_embedded_in_process(EngineConfig())
    assert is_embedded_in_process(EngineConfig(options={"batch_size": 4}))
    assert not is_embedded_in_process(EngineConfig(model="Qwen/Qwen2.5-0.5B"))
    assert not is_embedded_in_process(EngineConfig(engine="vllm"))
    assert not is_embedded_in_process(None)
    replaced = EngineConfig(
        options={"batch_size": 4, "structured_retries": 1, "device": "cpu", "max_new_tokens": 9}
    )
    served = served_engine(URL, replaced)
    assert served.engine == "openai" and served.model is None
    assert served.options == {"structured_retries": 1, "max_new_tokens": 9, "base_url": URL,
                              "concurrency": shared_server.SERVER_CONCURRENCY,
                              "display_name": "gemma-3-270m (embedded) via local vLLM server",
                              "use_completions_api": True}  # fmt: skip
    engine = served.build()  # the openai engine accepts every option carried over
    assert engine.model_name == "gemma-3-270m (embedded) via local vLLM server"  # no localhost URL in cards
