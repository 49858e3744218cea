"""The Ray executor (local cluster started by the test) gives the local executor's rows."""


import pytest

from synth_hf.config import RunConfig

pytest.importorskip("ray", reason="the ray extra is part of `make install`")


@pytest.mark.slow
def test_ray_executor_matches_local(tmp_path, fakes_on_worker_path):
    # Ray workers import the test's step class from this folder.
    from test_core_steps import run_core_pipeline

    local, _, _ = run_core_pipeline(RunConfig(output_dir=str(tmp_path), name="local", use_cache=False))
    ray_run = RunConfig(output_dir=str(tmp_path), name="ray", use_cache=False, executor="ray", ray_num_cpus=2,
                        replicas={"answer_step": 2})
    on_ray, answer, _ = run_core_pipeline(ray_run)
    import ray

    ray.shutdown()
    key = lambda row: row["question"]
    assert sorted(on_ray.dataset.to_list(), key=key) == sorted(local.dataset.to_list(), key=key)
    assert on_ray.summary["drops_by_reason"] == local.summary["drops_by_reason"]
    assert on_ray.summary["stages"][answer.name]["llm_calls"] == 5
