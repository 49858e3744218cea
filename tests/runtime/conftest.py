"""One fake-engine GraphGen run in its own process (as a user runs it: output not a TTY), shared by
the logging, progress, distiset and report tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GRAPHGEN_TESTS = ROOT / "tests" / "graphgen"


@dataclass
class CapturedRun:
    run_dir: Path
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def graphgen_run(tmp_path_factory) -> CapturedRun:
    out = tmp_path_factory.mktemp("graphgen_quiet")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(GRAPHGEN_TESTS)])}
    env.pop("SYNTH_HF_LOG_LEVEL", None)
    proc = subprocess.run(
        [sys.executable, str(GRAPHGEN_TESTS / "graphgen_fake_run.py"), str(out), "{}"],
        capture_output=True, text=True, env=env, cwd=str(out), timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return CapturedRun(out / "run", proc.stdout, proc.stderr)
