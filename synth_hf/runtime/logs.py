"""Quiet console, full log file.

By default the console shows only what a user acts on: synth_hf's own warnings (each message once)
and errors from anywhere. distilabel's per-batch records, httpx, vLLM, transformers, datasets and
Python warnings (pydantic's, ...) go only to `run.log` in the run folder. `-v/--verbose` or
`SYNTH_HF_LOG_LEVEL=INFO|DEBUG|...` shows every record at that level on the console too.

distilabel runs its steps in worker processes whose log records reach the main process through a
queue; the main process's handlers (installed here) decide what is shown. The setting travels to
workers and child processes through the environment, and `configure_process()` is applied in every
worker (see `synth_hf.distilabel_compat.worker_start`).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from logging.handlers import MemoryHandler
from pathlib import Path

LEVEL_ENV = "SYNTH_HF_LOG_LEVEL"
RUN_LOG = "run.log"
_TAG = "_synth_hf_handler"  # marks the handlers installed here, so a second run replaces them
TRACKER_WARNINGS = "ignore::UserWarning:multiprocessing.resource_tracker"  # a PYTHONWARNINGS filter
_FILE_FORMAT = "[%(asctime)s] %(levelname)-7s %(processName)s %(name)s: %(message)s"


def explicit_level() -> int | None:
    """The console level the user asked for (`SYNTH_HF_LOG_LEVEL`), or None for the quiet default.

    Raises:
        ValueError: the variable names no logging level.
    """
    raw = os.environ.get(LEVEL_ENV, "").strip().upper()
    if not raw:
        return None
    level = logging.getLevelName(raw)
    if not isinstance(level, int):
        raise ValueError(f"{LEVEL_ENV}={raw!r} is not a log level (DEBUG, INFO, WARNING, ERROR)")  # noqa: TRY004
    return level


def set_verbose(verbose: bool) -> None:
    """`-v/--verbose`: show INFO records of every library (an explicit `SYNTH_HF_LOG_LEVEL` wins)."""
    if verbose and not os.environ.get(LEVEL_ENV):
        os.environ[LEVEL_ENV] = "INFO"


def is_quiet() -> bool:
    """True unless the user asked for a console log level."""
    return explicit_level() is None


# Loggers that log an error and then raise it: the exception reaches the user (as synth_hf's one-line
# error), so on a quiet console the record would only say the same thing twice. run.log keeps it.
LOGGED_THEN_RAISED = ("datasets.packaged_modules.",)


class ConsoleFilter(logging.Filter):
    """Quiet default: synth_hf records from WARNING, other libraries' from ERROR (except those of
    `LOGGED_THEN_RAISED`), and a warning repeated by several step workers (or batches) printed once.
    An explicit level shows all."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set[tuple[str, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        level = explicit_level()
        if level is not None:
            return record.levelno >= level
        ours = record.name == "synth_hf" or record.name.startswith("synth_hf.")
        if record.levelno < (logging.WARNING if ours else logging.ERROR):
            return False
        if record.levelno >= logging.ERROR:
            return not record.name.startswith(LOGGED_THEN_RAISED)
        key = (record.name, record.getMessage())
        if key in self._seen:
            return False
        self._seen.add(key)
        return True


class _PlainFormatter(logging.Formatter):
    """`warning: <message>` for our own records; library records keep their logger's name."""

    def format(self, record: logging.LogRecord) -> str:
        ours = record.name == "synth_hf" or record.name.startswith("synth_hf.")
        prefix = record.levelname.lower() if ours else f"{record.levelname.lower()} [{record.name}]"
        text = f"{prefix}: {record.getMessage()}"
        if record.exc_info and explicit_level() is not None:  # quiet: the traceback is in run.log
            text += "\n" + self.formatException(record.exc_info)
        return text


def console_handler() -> logging.Handler:
    """stderr handler with the quiet filter."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ConsoleFilter())
    handler.setFormatter(_PlainFormatter())
    setattr(handler, _TAG, "console")
    return handler


def file_handler(path: str | Path) -> logging.Handler:
    """Every record at INFO (DEBUG when asked) into `path`, appended (a resumed run keeps its past)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, mode="a", encoding="utf-8", delay=True)
    handler.setLevel(min(explicit_level() or logging.INFO, logging.INFO))
    handler.setFormatter(logging.Formatter(_FILE_FORMAT, datefmt="%Y-%m-%d %H:%M:%S"))
    setattr(handler, _TAG, "file")
    return handler


def _quiet_environment() -> None:
    """Settings read by libraries at import or start-up in workers and child processes; a value
    the user set already wins."""
    if is_quiet():
        os.environ.setdefault("VLLM_CONFIGURE_LOGGING", "0")  # its records then reach our handlers
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' bars follow the hub's
        os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
        # a stopped run's step workers leave semaphores that multiprocessing's tracker frees, and warns of
        filters = [f for f in os.environ.get("PYTHONWARNINGS", "").split(",") if f]
        if TRACKER_WARNINGS not in filters:
            os.environ["PYTHONWARNINGS"] = ",".join([*filters, TRACKER_WARNINGS])
    os.environ.setdefault("DISTILABEL_LOG_LEVEL", logging.getLevelName(min(explicit_level() or 20, 20)))


def configure_process() -> None:
    """Route library chatter of this process into logging (where the handlers filter it): Python
    warnings, the own stream handlers of transformers, datasets and huggingface_hub (its retry
    messages while the Hub is unreachable); progress bars of datasets, hub and
    transformers off when quiet. Safe to call repeatedly and in any process."""
    _quiet_environment()
    logging.captureWarnings(True)
    # datasets adds its own stderr handler when first imported; every command reads data, so import
    # it now and hand its records to ours before any read can fail (transformers is too slow to
    # import here: its handler is replaced when a run or the next install() finds it)
    import datasets  # noqa: F401

    for name in ("transformers", "datasets", "huggingface_hub"):
        lib = logging.getLogger(name)
        for h in list(lib.handlers):
            if type(h) is logging.StreamHandler:
                lib.removeHandler(h)
        lib.propagate = True
    if not is_quiet():
        return
    modules = sys.modules
    if "datasets" in modules:
        modules["datasets"].disable_progress_bars()
    if "huggingface_hub" in modules:
        modules["huggingface_hub"].utils.disable_progress_bars()
    if "transformers" in modules:
        try:
            modules["transformers"].utils.logging.disable_progress_bar()
        except AttributeError:  # pragma: no cover - a partly imported transformers
            pass


def _held_handler() -> logging.Handler:
    """Keeps records in memory until `install(run_dir)` writes them into run.log (or a plain
    `install()` drops them)."""
    handler = MemoryHandler(capacity=100_000, flushLevel=logging.CRITICAL + 1, target=None)
    handler.setLevel(min(explicit_level() or logging.INFO, logging.INFO))
    setattr(handler, _TAG, "held")
    return handler


def install(run_dir: str | Path | None = None, *, hold: bool = False) -> list[logging.Handler]:
    """Put the quiet console handler (and `run_dir/run.log`) on the root logger, replacing the ones
    a previous call installed. Returns the installed handlers.

    `hold=True` (without `run_dir`): keep the records in memory, so a run can check its input
    before it creates its folder; the next `install(run_dir)` writes them into run.log first."""
    configure_process()
    root = logging.getLogger()
    held = None
    for h in list(root.handlers):
        tag = getattr(h, _TAG, None)
        if tag:
            root.removeHandler(h)
            if tag == "held":
                held = h
            elif tag == "file":
                h.close()
    handlers = [console_handler()]
    if run_dir is not None:
        handlers.append(file_handler(Path(run_dir) / RUN_LOG))
        if held is not None:
            held.setTarget(handlers[-1])
    elif hold:
        handlers.append(_held_handler())
    if held is not None:
        held.close()  # flushes into run.log when it has a target, else drops the records
    for h in handlers:
        root.addHandler(h)
    root.setLevel(min(explicit_level() or logging.INFO, logging.INFO))
    return handlers


def _patch_distilabel(handlers: list[logging.Handler]) -> object:
    """distilabel's `setup_logging` gives its queue listener a rich console handler that prints every
    record; swap it for ours (its pipeline.log file handler stays). Returns the original function."""
    from distilabel.pipeline import base
    from distilabel.utils import logging as dl_logging
    from rich.logging import RichHandler

    original = base.setup_logging

    def setup_logging(log_queue=None, filename=None, logging_handlers=None) -> None:
        original(log_queue=log_queue, filename=filename, logging_handlers=logging_handlers)
        listener = dl_logging.queue_listener
        if listener is not None:
            kept = [h for h in listener.handlers if not isinstance(h, RichHandler)]
            listener.handlers = tuple(kept + handlers)
        else:  # no queue (e.g. Ray): it cleared the root handlers
            for h in handlers:
                logging.getLogger().addHandler(h)

    base.setup_logging = setup_logging
    return original


@contextmanager
def pipeline_logging(run_dir: str | Path) -> Iterator[Path]:
    """Quiet console and `run_dir/run.log` around one `pipeline.run()`; yields the log path. After
    the run the console handler stays on the root logger (quiet for the rest of the process)."""
    from distilabel.pipeline import base

    handlers = install(run_dir)
    original = _patch_distilabel(handlers)
    try:
        yield Path(run_dir) / RUN_LOG
    finally:
        base.setup_logging = original
        root = logging.getLogger()
        for h in handlers:  # distilabel cleared them; the run's summary and notices still log
            if h not in root.handlers:
                root.addHandler(h)
