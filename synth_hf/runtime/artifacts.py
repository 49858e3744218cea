"""What a finished run leaves beside its data for people and for distilabel: the pipeline's own
`pipeline.yaml` and `pipeline.log` (copied out of distilabel's cache folder), `config.yaml` (what
`synth-hf graphgen|aide --config` re-runs) and the visual `report.html`."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger("synth_hf")

PIPELINE_YAML, PIPELINE_LOG, CONFIG_YAML = "pipeline.yaml", "pipeline.log", "config.yaml"
# What a staged Hub folder carries from its run folder, when present.
STAGED_FILES = ("report.html", PIPELINE_YAML, PIPELINE_LOG, CONFIG_YAML)


def copy_pipeline_files(pipeline: Any, run_dir: str | Path) -> list[str]:
    """Copy distilabel's `pipeline.yaml` and `pipeline.log` of this execution into `run_dir`;
    returns the names copied (a file distilabel did not write is skipped)."""
    location = getattr(pipeline, "_cache_location", None) or {}
    copied = []
    for key, name in (("pipeline", PIPELINE_YAML), ("log_file", PIPELINE_LOG)):
        source = location.get(key)
        if source is not None and Path(source).exists():
            shutil.copyfile(source, Path(run_dir) / name)
            copied.append(name)
    return copied


def write_config(summary: dict, run_dir: str | Path) -> Path | None:
    """`config.yaml` from the summary's resolved config when the builder did not write one."""
    path = Path(run_dir) / CONFIG_YAML
    if path.exists() or not isinstance(summary.get("config"), dict):
        return path if path.exists() else None
    path.write_text(yaml.safe_dump(summary["config"], sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def record_config(run_dir: str | Path, config: Any, note: str | None = None) -> Path:
    """Write `config` (a pydantic config) as the run's `config.yaml`, the file `synth-hf graphgen|aide
    --config` re-runs; `note` becomes a comment at the top (e.g. why it differs from what ran)."""
    from synth_hf.config import dump_config

    path = Path(run_dir) / CONFIG_YAML
    header = "".join(f"# {line}\n" for line in (note or "").splitlines())
    path.write_text(header + dump_config(config), encoding="utf-8")
    return path


def finish_run(result: Any, pipeline: Any) -> None:
    """After a run's data and summary are saved: pipeline files, config and the HTML report."""
    from synth_hf.report import write_report_quietly

    run_dir = Path(result.run_dir)
    copy_pipeline_files(pipeline, run_dir)
    write_config(result.summary, run_dir)
    report = write_report_quietly(run_dir)
    if report is not None:
        print(f"report: {report}", flush=True)


def copy_to_staged(run_dir: str | Path | None, staged_dir: str | Path) -> list[str]:
    """Copy the run's STAGED_FILES that exist into a staged Hub folder; returns their names."""
    if run_dir is None:
        return []
    copied = []
    for name in STAGED_FILES:
        source = Path(run_dir) / name
        if source.is_file():
            shutil.copyfile(source, Path(staged_dir) / name)
            copied.append(name)
    return copied
