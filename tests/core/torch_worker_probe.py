"""Run as a script by test_core_worker_start (its step class lives in `__main__`, as in a user's script) : the caller runs torch on two threads, then a
pipeline whose step runs torch too (the case that hung forked workers), and reports what the
worker saw of the caller's environment."""

import json
import os
import sys

from distilabel.steps import LoadDataFromDicts, Step, StepInput


class TorchStep(Step):
    @property
    def inputs(self) -> list[str]:
        return ["n"]

    @property
    def outputs(self) -> list[str]:
        return ["trace", "probe_env", "cwd"]

    def process(self, inputs: StepInput):  # type: ignore[override]
        import torch

        torch.set_num_threads(2)
        a = torch.ones(256, 256)
        for row in inputs:
            row["trace"] = float((a @ a).sum().item()) * row["n"]
            row["probe_env"] = os.environ.get("SYNTH_HF_PROBE", "")
            row["cwd"] = os.getcwd()
        yield inputs


def main(out_dir: str) -> None:
    import torch

    from synth_hf.config import RunConfig
    from synth_hf.pipelines.runner import execute, new_pipeline

    torch.set_num_threads(2)
    x = torch.randn(512, 512)
    for _ in range(20):  # starts the OpenMP thread pool in this (the calling) process
        x = torch.tanh(x @ x)
    results = []
    for value in ("first", "second"):  # the second run reuses the fork server started by the first
        os.environ["SYNTH_HF_PROBE"] = value
        run = RunConfig(output_dir=out_dir, name=f"probe-{value}", use_cache=False)
        pipeline = new_pipeline(f"probe-{value}", run)
        with pipeline:
            load = LoadDataFromDicts(data=[{"n": 1}, {"n": 2}])
            load >> TorchStep(name="torch_step")
        distiset = execute(pipeline, run)
        results.append(distiset["default"]["train"].to_list())
    print("PROBE " + json.dumps(results), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
