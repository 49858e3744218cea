"""Helpers shared by the test folders (tests/ is on sys.path through its conftest).

- `on_worker_path`: distilabel step workers (and Ray workers) are separate processes that import fake
  responders by module name, so the folder holding them goes on PYTHONPATH for as long as it is needed.
- `kill_when` / `rerun_resumes` / `run_record`: the hard-kill resume harness — start a run in its own
  process group, SIGKILL the group once a ledger shows it is mid-way, rerun the same command, and
  compare what must not depend on the interruption.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def on_worker_path(*folders: str | Path) -> Iterator[None]:
    """Prepend `folders` to PYTHONPATH (inherited by worker processes); restore it afterwards."""
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [*(str(f) for f in folders), old]))
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


def kill_when(args: list[str], env: dict, ledger: Path, lines: int, deadline_s: float, poll_s: float = 0.1) -> None:
    """Run `args` in a new process group and SIGKILL the whole group (the run and its distilabel
    workers) once `ledger` has `lines` lines. Fails if the run ends first or the deadline passes."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + deadline_s
    try:
        while time.time() < deadline and proc.poll() is None:
            if ledger.exists() and len(ledger.read_text().splitlines()) >= lines:
                break
            time.sleep(poll_s)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        assert ledger.exists() and len(ledger.read_text().splitlines()) >= lines, f"{ledger} never reached {lines} lines"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def rerun_resumes(args: list[str], env: dict, timeout_s: float = 600) -> subprocess.CompletedProcess:
    """Rerun a killed command to its end; it must succeed and say it resumed."""
    finished = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert "resuming from its finished batches" in finished.stdout
    return finished


def run_record(run_dir: Path, summary_keys: tuple[str, ...] = ()) -> dict:
    """What a run's record holds that must not depend on whether it was interrupted: per-stage counts,
    drops by reason, LLM calls and tokens (+ `summary_keys`), and the dropped rows."""
    from datasets import load_from_disk

    summary = json.loads((run_dir / "summary.json").read_text())
    dropped = load_from_disk(str(run_dir / "dropped"))
    keys = ("stages", "drops_by_reason", "llm_calls", "llm_tokens", *summary_keys)
    return {
        **{key: summary[key] for key in keys},
        "dropped": sorted(zip(dropped["step"], dropped["reason"], dropped["row"])),
    }

