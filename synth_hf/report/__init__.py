"""Visual run report: `build_report(run_dir)` writes `report.html` (self-contained) into the run folder.

`synth-hf report RUN_DIR` rebuilds it; GraphGen and AIDE runs write it at the end."""

from __future__ import annotations

import logging
from pathlib import Path

REPORT_FILE = "report.html"
log = logging.getLogger("synth_hf")


def build_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the HTML report of the finished run in `run_dir` (to `out`, default
    `run_dir/report.html`); returns its path.

    `out` may be an existing folder (the page is `out/report.html`) or a file path whose missing
    parent folders are created.

    Raises:
        FileNotFoundError: `run_dir` holds no finished run (no summary.json and no dataset/).
        ValueError: the page cannot be written at `out` (a parent is a file, no permission...).
    """
    from synth_hf.report.collect import collect_run
    from synth_hf.report.page import render_page

    data = collect_run(run_dir)
    path = Path(out) if out is not None else Path(run_dir) / REPORT_FILE
    if path.is_dir():
        path = path / REPORT_FILE
    page = render_page(data)
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
    except OSError as err:
        raise ValueError(f"cannot write the report to {str(path)!r}: {err.strerror or err}") from err
    return path


def write_report_quietly(run_dir: str | Path) -> Path | None:
    """`build_report` at the end of a run: a report that cannot be drawn must not fail the run whose
    data is already saved, so the error is logged (with `synth-hf report` to retry) and None returned."""
    try:
        return build_report(run_dir)
    except Exception as err:  # any drawing bug: the data is safe on disk
        log.warning("could not write the run report (%s); retry with `synth-hf report %s`", err, run_dir)
        log.debug("report failure", exc_info=True)
        return None
