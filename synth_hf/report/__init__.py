"""Visual run report: `build_report(run_dir)` writes `report.html` (self-contained) into the run folder.

`synth-hf report RUN_DIR` rebuilds it; GraphGen and AIDE runs write it at the end."""

from __future__ import annotations

import logging
import os
from pathlib import Path

REPORT_FILE = "report.html"
log = logging.getLogger("synth_hf")


def build_report(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the HTML report of the finished run in `run_dir` (to `out`, default
    `run_dir/report.html`); returns its path.

    `out` is a folder (the page is `out/report.html`) when it ends with a path separator, is an
    existing folder, or does not exist and has no suffix (`reports/run1`); otherwise it is the
    page's file path (`page.html`, an existing file). Missing folders are created.

    Raises:
        FileNotFoundError: `run_dir` holds no finished run (no summary.json and no dataset/).
        NotADirectoryError: a folder on the way to `out` is a file (`/etc/passwd/x`).
        ValueError: the page cannot be written at `out` otherwise (no permission...), or the run's
            summary.json cannot be read or is not a JSON object.
    """
    from synth_hf.report.collect import collect_run
    from synth_hf.report.page import render_page

    data = collect_run(run_dir)
    path = report_path(out) if out is not None else Path(run_dir) / REPORT_FILE
    page = render_page(data)
    tmp = path.with_name(path.name + ".tmp")
    _check_parents(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(page, encoding="utf-8")
        tmp.replace(path)
    except OSError as err:
        raise ValueError(f"cannot write the report to {str(path)!r}: {err.strerror or err}") from err
    return path


def report_path(out: str | Path) -> Path:
    """The page's path for `--out`: `out/report.html` when `out` names a folder (ends with a separator,
    is a folder, or is new and has no suffix), else `out` itself."""
    text = str(out)
    path = Path(text).expanduser()
    names_folder = text.endswith(("/", os.sep)) or path.is_dir() or (not path.exists() and not path.suffix)
    return path / REPORT_FILE if names_folder else path


def _check_parents(path: Path) -> None:
    """A file where a folder must be is "Not a directory" (mkdir would only say "File exists")."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise NotADirectoryError(f"cannot write the report to {str(path)!r}: Not a directory "
                                         f"({str(parent)!r} is a file)")  # fmt: skip
            return


def write_report_quietly(run_dir: str | Path) -> Path | None:
    """`build_report` at the end of a run: a report that cannot be drawn must not fail the run whose
    data is already saved, so the error is logged (with `synth-hf report` to retry) and None returned."""
    try:
        return build_report(run_dir)
    except Exception as err:  # any drawing bug: the data is safe on disk
        log.warning("could not write the run report (%s); retry with `synth-hf report %s`", err, run_dir)
        log.debug("report failure", exc_info=True)
        return None
