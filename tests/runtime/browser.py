"""Load a page in real headless Chromium (the OS package): the DOM after scripts ran, JS errors, a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise AssertionError(
        "headless Chromium is needed for this test: `make install` installs the chromium package"
    )


def load(page: Path, screenshot: Path | None = None) -> tuple[str, list[str]]:
    """(DOM after the page's scripts ran, console errors). Also writes `screenshot` when given."""
    url = page.resolve().as_uri()
    proc = subprocess.run(
        [chromium(), *FLAGS, "--virtual-time-budget=5000", "--dump-dom", url],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    errors = [line for line in proc.stderr.splitlines() if re.search(r"CONSOLE.*(Uncaught|Error)", line)]
    if screenshot is not None:
        subprocess.run(
            [chromium(), *FLAGS, "--window-size=1200,3600", f"--screenshot={screenshot}", url],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    return proc.stdout, errors
