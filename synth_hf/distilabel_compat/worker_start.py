"""Start distilabel's step workers from a fork server instead of forking the calling process.

distilabel 1.5.3 forks every step worker from the process that called `pipeline.run()`. If that
process has already run a multi-threaded torch op (a notebook that embedded some text, a test suite,
a recipe that evaluated a model first), the forked worker inherits a dead OpenMP thread pool and hangs
forever at its first parallel op. A fork server is a fresh single-threaded interpreter started once,
so the workers forked from it are always clean, and cheap because it preloads the heavy imports.

What a plain fork gave the worker for free, its initializer restores from the caller: the
environment, `sys.path` and the working directory at the time of the run.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import Any

log = logging.getLogger("synth_hf")

# Imported once by the fork server so each worker starts warm. `__main__` makes step classes defined
# in the caller's script importable by the workers (the script needs an `if __name__ == "__main__"`).
PRELOAD = [
    "synth_hf.runtime.preload_quiet",  # first: the imports below warn
    "__main__",
    "distilabel.pipeline.local",
    "synth_hf.steps.common.base",
    "synth_hf.models",
    "torch",
    # the step classes a worker unpickles and what their steps import at load or first batch: each
    # worker imported them itself before (0.3-0.4 s per AIDE stage, 15 stages; 0.7 s per dedup; the
    # OpenAI client 1-1.8 s per LLM stage of an AIDE run against a server)
    "synth_hf.steps.aide",
    "synth_hf.steps.graphgen",
    "datasketch",
    "jsonschema",
    "openai",
    "synth_hf.distilabel_compat.fork_server_ready",  # last: freezes what the others loaded
]


class NonDaemonWorker(ForkServerProcess):
    """Step workers may start processes of their own (vLLM with tensor parallelism), which a daemon
    process may not."""

    @property
    def daemon(self) -> bool:
        return False

    @daemon.setter
    def daemon(self, value: bool) -> None:
        pass


class WorkerContext(ForkServerContext):
    Process = NonDaemonWorker


def init_worker(
    environ: dict[str, str],
    path: list[str],
    cwd: str,
    initializer: Callable[..., Any] | None,
    initargs: tuple,
) -> None:
    """Give the worker the caller's view of the world, then run distilabel's own initializer."""
    os.environ.clear()
    os.environ.update(environ)
    sys.path[:] = path
    try:
        os.chdir(cwd)
    except OSError:
        pass  # the caller's directory is gone; the worker still runs with absolute paths
    from synth_hf.runtime.logs import configure_process

    configure_process()  # the caller's log settings arrived with its environment
    if initializer is not None:
        initializer(*initargs)


# enabled -> (what distilabel's local.py uses as `mp`, its pool class); filled on first use.
_ROUTES: dict[bool, tuple[Any, type]] = {}


def _fork_server_pool(context: WorkerContext) -> type:
    from multiprocessing.pool import Pool

    class ForkServerPool(Pool):
        def __init__(
            self,
            processes: int | None = None,
            initializer: Callable[..., Any] | None = None,
            initargs: tuple = (),
            maxtasksperchild: int | None = None,
        ) -> None:
            caller = (dict(os.environ), list(sys.path), os.getcwd(), initializer, tuple(initargs))
            super().__init__(processes, init_worker, caller, maxtasksperchild, context=context)

    return ForkServerPool


def interactive_steps(pipeline: Any) -> list[str]:
    """Steps whose class lives in an interactive `__main__` (a notebook, a REPL): no other process
    can import them, so only a plain fork can run them."""
    if getattr(sys.modules.get("__main__"), "__file__", None) is not None:
        return []
    return [
        name for name in pipeline.dag if type(pipeline.dag.get_step(name)["step"]).__module__ == "__main__"
    ]


def use_fork_server(enabled: bool = True) -> None:
    """Route distilabel's local pipeline through the fork server, or back to plain fork."""
    from distilabel.pipeline import local

    if not _ROUTES:
        context = WorkerContext()
        context.set_forkserver_preload(PRELOAD)
        _ROUTES[False] = (local.mp, local._NoDaemonPool)
        _ROUTES[True] = (context, _fork_server_pool(context))
    # local.py creates its log queue and manager through `mp.` and its pool through `_NoDaemonPool`:
    # both must come from the fork-server context, whose locks can be handed to its workers.
    local.mp, local._NoDaemonPool = _ROUTES[enabled]  # type: ignore[attr-defined]


def configure(pipeline: Any) -> str:
    """Pick the start method for this run; returns it."""
    interactive = interactive_steps(pipeline)
    if interactive:
        log.warning(
            "steps %s are defined in an interactive session, so their workers are forked; if the "
            "session already ran torch on several threads they can hang. Define steps in a module "
            "to avoid this.",
            interactive,
        )
    use_fork_server(not interactive)
    return start_method()


def start_method() -> str:
    """The start method distilabel's step workers use now."""
    from distilabel.pipeline import local

    return "forkserver" if isinstance(local.mp, ForkServerContext) else multiprocessing.get_start_method()
