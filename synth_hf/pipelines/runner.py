"""Run a distilabel pipeline and turn its leaf output into the saved synth_hf result."""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets import Dataset

from synth_hf.config import RunConfig
from synth_hf.steps.common.format import save_exports
from synth_hf.steps.common.frame import PLACEHOLDER
from synth_hf.steps.common.ledger import Ledger
from synth_hf.summary import build_summary, format_summary, save_summary

log = logging.getLogger("synth_hf")

MEMO_DIR = "batches"  # per-batch memo of every step (steps.common.frame), under the run folder
RUNNING_MARKER = "RUNNING"
EARLIER_WALL_FILE = "earlier_wall_s.json"  # seconds spent by killed runs this one resumed


@dataclass
class RunResult:
    """A finished run: the output rows, the dropped rows with reasons, the summary, the run folder,
    and distilabel's own `Distiset` of the run (its leaf step's rows as distilabel wrote them)."""

    dataset: Dataset
    dropped: Dataset
    summary: dict
    run_dir: Path
    distiset: Any = None


def new_pipeline(name: str, run: RunConfig, description: str = ""):
    """A distilabel pipeline whose cache lives inside the run folder (so resume is local)."""
    from distilabel.pipeline import Pipeline

    pipeline = Pipeline(name=name, description=description, cache_dir=str(run.run_dir / "cache"))
    return pipeline


def execute(
    pipeline: Any,
    run: RunConfig,
    parameters: dict | None = None,
    sequential: bool = False,
    reset_ledger: bool = True,
    together: list[list[str]] | None = None,
):
    """Run `pipeline` under `run`'s executor. `sequential` loads one step at a time, so two engines
    never compete for the same cores or GPU memory; a generator step must then emit a single batch
    (distilabel asks for the next one only from a loaded consumer). `together`: groups of steps that
    a sequential run still loads (and runs) side by side, e.g. a side branch beside the chain it
    joins later (see `sequential_load_groups`). `reset_ledger=False` when `running` has already
    prepared the run's records."""
    from synth_hf import distilabel_compat
    from synth_hf.distilabel_compat import worker_start

    distilabel_compat.apply()
    if run.executor == "local":
        worker_start.configure(pipeline)
    run.run_dir.mkdir(parents=True, exist_ok=True)
    if reset_ledger:
        _reset_stale_ledger(pipeline, run)
    apply_resources(pipeline, run)
    _write_engine_load(pipeline, run)
    if run.executor == "ray":
        init: dict[str, Any] = {"include_dashboard": False}
        if run.ray_num_cpus and not run.ray_address:
            init["num_cpus"] = run.ray_num_cpus
        pipeline = pipeline.ray(ray_head_node_url=run.ray_address, ray_init_kwargs=init)
    from synth_hf.runtime.logs import pipeline_logging
    from synth_hf.runtime.progress import for_pipeline, pipeline_order

    Ledger(run.ledger_dir).set_order(pipeline_order(pipeline))  # summaries list stages in run order

    try:
        with pipeline_logging(run.run_dir), for_pipeline(pipeline, run.ledger_dir):
            return pipeline.run(
                use_cache=run.use_cache,
                parameters=parameters or {},
                load_groups=sequential_load_groups(pipeline, together) if sequential else None,
            )
    finally:
        _drop_stale_log_handlers()


def sequential_load_groups(pipeline: Any, together: list[list[str]] | None = None) -> list[list[str]]:
    """distilabel load groups for a sequential run: one step per stage in topological order, except
    each group of `together`, loaded as one stage where its first member would stand. A group with
    a global step is split into single steps (distilabel gives every global step a stage of its own).
    Raises ValueError for a name that is no step of `pipeline`."""
    from distilabel import constants

    from synth_hf.runtime.progress import pipeline_order

    order = pipeline_order(pipeline)
    groups: dict[str, list[str]] = {}
    for group in together or []:
        unknown = [n for n in group if n not in order]
        if unknown:
            raise ValueError(f"load group names no step of the pipeline: {unknown}")
        if any(pipeline.dag.get_step(n)[constants.STEP_ATTR_NAME].is_global for n in group):
            continue
        for name in group:
            groups[name] = sorted(group, key=order.index)
    stages: list[list[str]] = []
    for name in order:
        stage = groups.get(name, [name])
        if stage not in stages:
            stages.append(stage)
    return stages


def _reset_stale_ledger(pipeline: Any, run: RunConfig) -> None:
    """Accounting belongs to one pipeline signature: a fresh run, or a run of a changed config in
    the same folder, starts an empty ledger; a resumed run of the same config keeps its lines."""
    marker = run.ledger_dir / ".signature"
    signature = pipeline.signature
    stale = not run.use_cache or (marker.exists() and marker.read_text() != signature)
    if stale and run.ledger_dir.exists():
        shutil.rmtree(run.ledger_dir)
    run.ledger_dir.mkdir(parents=True, exist_ok=True)
    marker.write_text(signature)


class RunInterrupted(RuntimeError):
    """The pipeline stopped before every step finished (e.g. Ctrl-C); rerun to resume."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _previous_run_was_killed(marker: Path, label: str) -> bool:
    """A marker left behind by a process that is gone means that run died without a clean stop.
    Raises RuntimeError while another live process holds the run folder."""
    if not marker.exists():
        return False
    try:
        pid = int(json.loads(marker.read_text())["pid"])
    except (OSError, ValueError, KeyError, TypeError):
        return True
    if pid != os.getpid() and _pid_alive(pid):
        raise RuntimeError(
            f"another {label} process (pid {pid}) is using {marker.parent}; wait for it or remove {marker}"
        )
    return True


def _add_killed_run_time(marker: Path, run: RunConfig) -> None:
    """Add the killed run's time (its start to its last finished batch) to EARLIER_WALL_FILE, so the
    resumed run's wall time covers the whole job, not only the part after the resume."""
    path = run.run_dir / EARLIER_WALL_FILE
    try:
        started = float(json.loads(marker.read_text())["started"])
        earlier = float(json.loads(path.read_text())["seconds"]) if path.exists() else 0.0
    except (OSError, ValueError, KeyError, TypeError):
        return  # an unreadable marker: the killed run's time is unknown, not guessed
    stamps = [f.stat().st_mtime for f in run.ledger_dir.glob("*.jsonl")] if run.ledger_dir.exists() else []
    span = max(0.0, max(stamps, default=started) - started)
    path.write_text(json.dumps({"seconds": round(earlier + span, 1)}), encoding="utf-8")


@contextmanager
def running(pipeline: Any, run: RunConfig, label: str) -> Iterator[RunConfig]:
    """Hold the run folder for one run of `pipeline` and prepare its records; yields the RunConfig
    to execute with (pass `reset_ledger=False` to `execute`).

    - Fresh run (`use_cache=False`): ledger and per-batch memo are emptied.
    - Same config again (`use_cache=True`): distilabel's cache resumes; the ledger is kept.
    - Changed config in the same folder: the ledger starts empty; memo entries are keyed by step
      signature, so steps whose config did not change are still answered from it.
    - The previous run was killed hard (its RUNNING marker names a dead process): distilabel's
      bookkeeping lost the batches in flight and its cache files may be torn, so the pipeline is
      rerun from scratch; every batch that had finished is answered from the memo, which writes
      that batch's ledger lines again. The ledger is rebuilt that way, so summary, drop counts
      and dropped rows equal an uninterrupted run's.
    """
    run.run_dir.mkdir(parents=True, exist_ok=True)
    marker = run.run_dir / RUNNING_MARKER
    resume = _previous_run_was_killed(marker, label) and run.use_cache
    memo = run.run_dir / MEMO_DIR
    if resume:
        print(f"[{label}] previous run was killed: resuming from its finished batches", flush=True)
        _add_killed_run_time(marker, run)
        shutil.rmtree(run.run_dir / "cache", ignore_errors=True)
        shutil.rmtree(run.ledger_dir, ignore_errors=True)
        run = run.model_copy(update={"use_cache": False})
    elif not run.use_cache:
        shutil.rmtree(memo, ignore_errors=True)
    if not resume:
        _reset_stale_ledger(pipeline, run)
        (run.run_dir / EARLIER_WALL_FILE).unlink(missing_ok=True)
    run.ledger_dir.mkdir(parents=True, exist_ok=True)
    (run.ledger_dir / ".signature").write_text(pipeline.signature)
    marker.write_text(json.dumps({"pid": os.getpid(), "started": time.time()}), encoding="utf-8")
    try:
        yield run
    finally:
        marker.unlink(missing_ok=True)


def check_finished(pipeline: Any, label: str, run_dir: Path) -> None:
    """Raise RunInterrupted when distilabel stopped with batches still to process (e.g. Ctrl-C)."""
    manager = getattr(pipeline, "_batch_manager", None)
    if manager is not None and manager.can_generate():
        raise RunInterrupted(
            f"{label} stopped before finishing; run the same command again to resume ({run_dir})"
        )


ENGINE_LOAD_FILE = "engine_load.json"


def engine_load_report(pipeline: Any) -> dict[str, dict]:
    """Per LLM step whose engine has a load policy (vLLM): how it starts and why (`LoadPlan`)."""
    report = {}
    for name in pipeline.dag:
        llm = getattr(pipeline.dag.get_step(name)["step"], "llm", None)
        if callable(getattr(llm, "engine_load", None)):
            report[name] = llm.engine_load()
    return report


def _write_engine_load(pipeline: Any, run: RunConfig) -> None:
    """Decided here, in the parent, before step workers load their engines; `collect` puts it in
    the summary. Rewritten every run so a changed config never reports a stale choice."""
    path = run.run_dir / ENGINE_LOAD_FILE
    report = engine_load_report(pipeline)
    if report:
        path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    else:
        path.unlink(missing_ok=True)


def _drop_stale_log_handlers() -> None:
    """distilabel leaves a QueueHandler on the root logger whose queue it has closed; any later
    log line (e.g. a model loading for evaluation) would print a traceback."""
    from logging.handlers import QueueHandler

    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, QueueHandler):
            root.removeHandler(handler)


def apply_resources(pipeline: Any, run: RunConfig) -> None:
    """Replicas per step, and on Ray one GPU per tensor-parallel rank of a vLLM step so the
    actor is placed where its GPUs are (distilabel only does this for its own vLLM class)."""
    for name in pipeline.dag:
        step = pipeline.dag.get_step(name)["step"]
        for prefix, count in run.replicas.items():
            if name.startswith(prefix):
                step.resources.replicas = count
        llm = getattr(step, "llm", None)
        tensor_parallel = getattr(llm, "tensor_parallel_size", None)
        if run.executor == "ray" and tensor_parallel and _has_gpu():
            step.resources.gpus = tensor_parallel


def _has_gpu() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except ImportError:  # pragma: no cover
        return False


def collect(
    distiset: Any,
    leaf: str,
    run: RunConfig,
    *,
    drop_columns: tuple[str, ...] = ("distilabel_metadata",),
    extra_summary: dict | None = None,
    started: float | None = None,
) -> RunResult:
    dataset = _leaf_dataset(distiset, leaf)
    if PLACEHOLDER in dataset.column_names:  # leaves emit none; never let one reach the output
        dataset = dataset.filter(lambda flag: not flag, input_columns=[PLACEHOLDER])
    drop_columns = (*drop_columns, PLACEHOLDER)
    dataset = dataset.remove_columns([c for c in drop_columns if c in dataset.column_names])
    dropped_rows = Ledger(run.ledger_dir).dropped_rows()
    dropped = (
        Dataset.from_list(dropped_rows)
        if dropped_rows
        else Dataset.from_dict({"step": [], "reason": [], "row": []})
    )
    extra = dict(extra_summary or {})
    engine_load = run.run_dir / ENGINE_LOAD_FILE
    if engine_load.exists() and "engine_load" not in extra:
        extra["engine_load"] = json.loads(engine_load.read_text(encoding="utf-8"))
    if started is not None:
        extra["wall_time_s"] = round(time.time() - started, 1)  # this invocation
        earlier = run.run_dir / EARLIER_WALL_FILE
        if earlier.exists():  # resumed after a kill: the whole job's time as well
            extra["wall_time_resumed_s"] = json.loads(earlier.read_text(encoding="utf-8"))["seconds"]
            extra["wall_time_total_s"] = round(extra["wall_time_s"] + extra["wall_time_resumed_s"], 1)
    summary = build_summary(run.ledger_dir, final_rows=len(dataset), extra=extra)
    if "verified" in dataset.column_names:  # rows training leaves out unless --include-unverified
        summary["unverified_rows"] = sum(v is False for v in dataset["verified"])
    out = run.run_dir
    save_dataset_atomically(dataset, out / "dataset")
    save_dataset_atomically(dropped, out / "dropped")
    if len(dataset) and "messages" in dataset.column_names:
        summary["exports"] = save_exports(dataset, out / "exports", ["messages", *run.exports])
    from synth_hf.runtime import notices

    summary["notices"] = notices.run_notices(summary, out)
    save_summary(summary, out / "summary.json")
    print(format_summary(summary), flush=True)
    notices.emit(summary["notices"])
    return RunResult(dataset=dataset, dropped=dropped, summary=summary, run_dir=out, distiset=distiset)


def save_dataset_atomically(dataset: Dataset, path: Path) -> None:
    """A reader (or a rerun after a kill) finds the old dataset or the new one, never a torn one."""
    tmp, old = path.with_name(path.name + ".tmp"), path.with_name(path.name + ".old")
    shutil.rmtree(tmp, ignore_errors=True)
    dataset.save_to_disk(str(tmp))
    if path.exists():
        shutil.rmtree(old, ignore_errors=True)
        path.replace(old)
    tmp.replace(path)
    shutil.rmtree(old, ignore_errors=True)


def _leaf_dataset(distiset: Any, leaf: str) -> Dataset:
    if distiset is None:
        return Dataset.from_dict({})
    if leaf in distiset:
        return distiset[leaf]["train"]
    # distilabel names the only leaf's output "default"
    if list(distiset.keys()) == ["default"]:
        return distiset["default"]["train"]
    return Dataset.from_dict({})
