"""CPU settings for vLLM engines: core reservation, preload, user overrides, load policy, log report
(no real engine; the real server is checked in test_models_vllm_cpu_serve.py)."""

from __future__ import annotations

import os
import sys
import types

import pytest

from synth_hf.models import VLLMEngine
from synth_hf.models.vllm_cpu import (
    PRELOAD_SWITCH,
    RESERVED,
    applied_env,
    break_even_tokens,
    busy_cores,
    cpu_engine_env,
    plan_load,
    read_core_report,
    reserved_cores,
)

# Lines as vLLM 0.32 (CPU) writes them, with the process prefixes it adds.
VLLM_LOG = """\
(EngineCore pid=9306) INFO 11-30 13:17:18 [ompmultiprocessing.py:185] OpenMP thread binding info:
(EngineCore pid=9306) INFO 11-30 13:17:18 [ompmultiprocessing.py:185] \tVLLM_CPU_OMP_THREADS_BIND='auto', auto_setup=True, skip_setup=False
(EngineCore pid=9306) INFO 11-30 13:17:18 [ompmultiprocessing.py:185] \tlocal_world_size=1, reserve_cpu_num=1
(EngineCore pid=9306) INFO 11-30 13:17:18 [ompmultiprocessing.py:185] \tlocal_rank=0, core ids=[0]
(EngineCore pid=9306) INFO 11-30 13:17:18 [ompmultiprocessing.py:185] \treserved_cpus=[1]
(Worker pid=9549) WARNING 11-30 13:17:28 [cpu_worker.py:114] libtcmalloc is not found in LD_PRELOAD. For best performance
(Worker pid=9549) WARNING 11-30 13:17:28 [cpu_worker.py:114] libiomp is not found in LD_PRELOAD. For best performance
(EngineCore pid=9306) INFO 11-30 13:17:40 [torch_utils.py:295] Reducing Torch threads from 2 to 1 for serving.
"""


def test_small_idle_machines_share_every_core_others_keep_vllms_reservation() -> None:
    assert [reserved_cores(n) for n in (1, 2, 4)] == [0, 0, 0]
    assert [reserved_cores(n) for n in (5, 16, 128)] == [1, 1, 1]
    assert reserved_cores(2, busy=0.2) == 0
    assert reserved_cores(2, busy=1.5) == 1  # a shared, busy machine: bound threads would stall


def test_busy_cores_is_a_plausible_share_of_the_machine() -> None:
    busy = busy_cores(0.2)
    assert 0.0 <= busy <= (os.cpu_count() or 1)


def test_engine_env_on_two_cores_gives_the_model_every_core_and_the_preload() -> None:
    env = cpu_engine_env(
        {}, cores=2, busy=0.0, preload=["/lib/libtcmalloc_minimal.so.4", "/venv/lib/libiomp5.so"]
    )
    assert env == {RESERVED: "0", "LD_PRELOAD": "/lib/libtcmalloc_minimal.so.4 /venv/lib/libiomp5.so"}
    assert cpu_engine_env({}, cores=16, busy=0.0, preload=[]) == {
        RESERVED: "1"
    }  # nothing installed: no LD_PRELOAD


def test_the_users_environment_wins() -> None:
    user = {RESERVED: "1", "LD_PRELOAD": "/opt/my/libjemalloc.so"}
    assert cpu_engine_env(user, cores=2, busy=0.0, preload=["/lib/libtcmalloc_minimal.so.4"]) == {}
    # per role: the user's allocator stays, the missing OpenMP runtime is added after it
    both = ["/lib/libtcmalloc_minimal.so.4", "/venv/lib/libiomp5.so"]
    assert cpu_engine_env(user, cores=2, busy=0.0, preload=both) == {
        "LD_PRELOAD": "/opt/my/libjemalloc.so /venv/lib/libiomp5.so"
    }
    # vLLM leaves torch's libgomp in LD_PRELOAD of the process that started it: it keeps its role
    gomp = {"LD_PRELOAD": "/venv/torch/lib/libgomp.so.1"}
    assert cpu_engine_env(gomp, cores=2, busy=0.0, preload=both)["LD_PRELOAD"] == (
        "/venv/torch/lib/libgomp.so.1 /lib/libtcmalloc_minimal.so.4"
    )
    off = cpu_engine_env({PRELOAD_SWITCH: "0"}, cores=2, busy=0.0, preload=["/lib/libtcmalloc_minimal.so.4"])
    assert off == {RESERVED: "0"}


def test_applied_env_restores_what_was_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESERVED, "3")
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    with applied_env({RESERVED: "0", "LD_PRELOAD": "/x.so"}):
        assert os.environ[RESERVED] == "0" and os.environ["LD_PRELOAD"] == "/x.so"
    assert os.environ[RESERVED] == "3" and "LD_PRELOAD" not in os.environ


def test_load_plan_by_workload() -> None:
    threshold = break_even_tokens(2)
    assert 100_000 < threshold < 1_000_000  # ~78 s of compiling against ~9% of 236 tok/s
    assert plan_load(on_gpu=False, cores=2).mode == "eager"
    assert plan_load(on_gpu=False, cores=2, expected_decode_tokens=20_000).mode == "eager"
    big = plan_load(on_gpu=False, cores=2, expected_decode_tokens=threshold)
    assert big.mode == "compiled" and big.break_even_tokens == threshold and str(threshold) in big.reason
    assert plan_load(on_gpu=True).mode == "compiled"
    forced = plan_load(on_gpu=False, enforce_eager=False, expected_decode_tokens=10)
    assert forced.mode == "compiled" and "enforce_eager=False" in forced.reason
    assert plan_load(on_gpu=True, enforce_eager=True).enforce_eager
    with pytest.raises(ValueError, match="expected_decode_tokens must be >= 0"):
        plan_load(on_gpu=False, expected_decode_tokens=-1)


def test_core_report_reads_vllms_own_log() -> None:
    report = read_core_report(VLLM_LOG)
    assert report == {
        "omp_bind": "auto",
        "reserve_cpu_num": 1,
        "core_ids": [[0]],
        "not_preloaded": ["libiomp", "libtcmalloc"],
        "torch_threads_reduced": [2, 1],
    }
    shared = VLLM_LOG.replace("reserve_cpu_num=1", "reserve_cpu_num=0").replace(
        "core ids=[0]", "core ids=[0, 1]"
    )
    assert read_core_report(shared)["core_ids"] == [[0, 1]]
    assert read_core_report("nothing about cores here") == {}


def _fake_vllm(monkeypatch, seen: dict, on_start) -> None:
    """A stand-in `vllm` module: `LLM(**kwargs)` calls `on_start(kwargs)`; the warm-up request that
    load() sends is recorded in `seen["warm_up"]`."""

    class FakeLLM:
        def __init__(self, **kwargs):
            on_start(kwargs)

        def get_tokenizer(self):
            return types.SimpleNamespace(encode=lambda text: [5, 6])

        def generate(self, prompts, sampling, use_tqdm=True):  # the warm-up request, inside load()
            seen.setdefault("warm_up", []).append((prompts, sampling))
            return []

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(LLM=FakeLLM, SamplingParams=dict))
    monkeypatch.setattr("synth_hf.models.vllm_engine.answer_token_ids", lambda tok: ([1], [2]))


def test_vllm_engine_starts_its_processes_with_the_core_settings(monkeypatch, tmp_path) -> None:
    """The engine's processes copy os.environ when vLLM's LLM() starts them: read it there."""
    seen: dict = {}

    _fake_vllm(monkeypatch, seen, lambda kwargs: seen.update(
        kwargs=kwargs, reserved=os.environ.get(RESERVED), preload=os.environ.get("LD_PRELOAD")
    ))  # fmt: skip
    monkeypatch.delenv(RESERVED, raising=False)
    monkeypatch.delenv("LD_PRELOAD", raising=False)
    monkeypatch.setenv("VLLM_WORKER_MULTIPROC_METHOD", "spawn")
    monkeypatch.setattr("synth_hf.models.vllm_cpu.usable_cores", lambda: 2)
    monkeypatch.setattr("synth_hf.models.vllm_cpu.busy_cores", lambda: 0.0)
    monkeypatch.setattr(
        "synth_hf.models.vllm_cpu.find_preload_libraries", lambda: ["/lib/libtcmalloc_minimal.so.4"]
    )
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text('{"torch_dtype": "float32"}')
    engine = VLLMEngine(model=str(model), device="cpu")
    engine.load()
    assert seen["reserved"] == "0" and seen["preload"] == "/lib/libtcmalloc_minimal.so.4"
    assert seen["kwargs"]["enforce_eager"] is True  # CPU, workload unknown
    assert RESERVED not in os.environ and "LD_PRELOAD" not in os.environ  # nothing leaks past the start
    # one 2-token request with the answer tokens' logprobs, before the first batch
    assert seen["warm_up"] == [([{"prompt_token_ids": [5, 6]}], {"max_tokens": 2, "temperature": 0.0,
                                                                  "logprob_token_ids": [1, 2]})]  # fmt: skip
    info = engine.engine_load()
    assert info["warm_up_s"] >= 0 and info["load_s"] >= info["warm_up_s"]
    # a tokenizer without single-token yes/no (a generation-only model): a plain warm-up, the load stands
    seen.clear()

    def no_yes_no(tok):
        raise ValueError("tokenizer has no single-token yes/no variants")

    monkeypatch.setattr("synth_hf.models.vllm_engine.answer_token_ids", no_yes_no)
    other = VLLMEngine(model=str(model), device="cpu")
    other.load()
    assert seen["warm_up"][0][1] == {"max_tokens": 2, "temperature": 0.0}
    assert other.engine_load()["load_s"] >= 0
    assert info["mode"] == "eager" and info["env"] == {
        RESERVED: "0",
        "LD_PRELOAD": "/lib/libtcmalloc_minimal.so.4",
    }

    seen.clear()
    monkeypatch.setenv(RESERVED, "1")  # the user's choice is kept
    monkeypatch.setenv("VLLM_WORKER_MULTIPROC_METHOD", "fork")  # a forked engine cannot preload
    VLLMEngine(model=str(model), device="cpu", expected_decode_tokens=10**7).load()
    assert seen["reserved"] == "1" and seen["preload"] is None and seen["kwargs"]["enforce_eager"] is False


def test_vllm_engine_rejects_a_negative_workload() -> None:
    with pytest.raises(ValueError):
        VLLMEngine(expected_decode_tokens=-5)


def test_server_log_stays_at_info_when_a_library_silenced_vllm(monkeypatch) -> None:
    """Importing trl sets VLLM_LOGGING_LEVEL=ERROR; the server's log must still hold the INFO
    records the core report is read from (CI failed on exactly this after a trl test ran)."""
    from synth_hf.models.serve import server_log_env

    monkeypatch.setenv("VLLM_LOGGING_LEVEL", "ERROR")  # what `import trl` leaves in os.environ
    assert server_log_env() == {"VLLM_CONFIGURE_LOGGING": "1", "VLLM_LOGGING_LEVEL": "INFO"}
    monkeypatch.setenv("VLLM_LOGGING_LEVEL", "debug")
    assert server_log_env()["VLLM_LOGGING_LEVEL"] == "DEBUG"


@pytest.mark.parametrize("tcmalloc, switch, expected", [(True, None, "spawn"), (False, None, None), (True, "0", None)])
def test_a_pipeline_worker_spawns_the_engine_core_where_it_can_preload(monkeypatch, tmp_path, tcmalloc, switch,
                                                                        expected) -> None:  # fmt: skip
    """A step worker (it has a parent process) keeps vLLM's fork unless a preload is wanted: a forked core
    cannot preload tcmalloc, which made the GraphGen probe 1.7x faster on 2 cores."""
    import multiprocessing

    seen: dict = {}

    _fake_vllm(monkeypatch, seen, lambda kwargs: seen.update(method=os.environ.get("VLLM_WORKER_MULTIPROC_METHOD")))
    monkeypatch.delenv("VLLM_WORKER_MULTIPROC_METHOD", raising=False)
    monkeypatch.setattr(multiprocessing, "parent_process", lambda: object())  # as in a pipeline worker
    monkeypatch.setattr("synth_hf.models.vllm_cpu.busy_cores", lambda: 0.0)
    libs = ["/lib/libtcmalloc_minimal.so.4"] if tcmalloc else []
    monkeypatch.setattr("synth_hf.models.vllm_cpu.find_preload_libraries", lambda: libs)
    if switch is None:
        monkeypatch.delenv("SYNTH_HF_CPU_PRELOAD", raising=False)
    else:
        monkeypatch.setenv("SYNTH_HF_CPU_PRELOAD", switch)
    model = tmp_path / "m"
    model.mkdir()
    (model / "config.json").write_text('{"torch_dtype": "float32"}')
    VLLMEngine(model=str(model), device="cpu").load()
    assert seen["method"] == expected
