"""Secret scrubbing: no token or key may reach a dataset card, a config dump or a staged folder."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REDACTED = "<redacted>"

_TOKEN_PATTERNS = (
    re.compile(r"hf_[A-Za-z0-9]{20,}"),  # Hugging Face user / org tokens
    re.compile(r"sk-[A-Za-z0-9_\-]{16,}"),  # OpenAI-style keys (sk-..., sk-proj-...)
)
_SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSWORD|PASSWD", re.IGNORECASE)
# config keys whose string value is a credential whatever it looks like ("hf_token", "openai_api_key");
# anchored at the end so "tokenizer", "max_tokens" or "sort_key" stay readable in the card
_SECRET_KEY = re.compile(
    r"(?:^|[_\-.])(?:(?:api|secret|access|private)[_\-]?key|token|secret|password|passwd|credentials?)$",
    re.IGNORECASE,
)
_MIN_ENV_SECRET_LEN = 8  # shorter values ("1", "true") would redact ordinary words


def _env_secrets() -> list[str]:
    """Values of environment variables whose name suggests a credential, longest first."""
    values = {v for k, v in os.environ.items() if _SECRET_NAME.search(k) and len(v) >= _MIN_ENV_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


def find_secrets(text: str) -> list[str]:
    """Secret-looking substrings of `text` (token patterns and credential env-var values)."""
    found = [m.group(0) for pat in _TOKEN_PATTERNS for m in pat.finditer(text)]
    found += [v for v in _env_secrets() if v in text]
    return found


def scrub_text(text: str) -> str:
    for value in _env_secrets():
        text = text.replace(value, REDACTED)
    for pat in _TOKEN_PATTERNS:
        text = pat.sub(REDACTED, text)
    return text


def scrub(obj: Any) -> Any:
    """Copy of `obj` (nested dicts/lists/strings) with secrets replaced by "<redacted>".

    Values under credential-like keys ("api_key", "hf_token", ...) are redacted whatever they
    look like, because a config may hold a key in a format no pattern knows.
    """
    if isinstance(obj, str):
        return scrub_text(obj)
    if isinstance(obj, Mapping):
        out = {}
        for key, value in obj.items():
            if isinstance(key, str) and _SECRET_KEY.search(key) and isinstance(value, str) and value:
                out[key] = REDACTED
            else:
                out[key] = scrub(value)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(scrub(v) for v in obj)
    return obj


def has_secret(obj: Any) -> bool:
    if isinstance(obj, str):
        return bool(find_secrets(obj))
    if isinstance(obj, Mapping):
        return any(has_secret(v) for v in obj.values())
    if isinstance(obj, (list, tuple)):
        return any(has_secret(v) for v in obj)
    return False


_TEXT_SUFFIXES = {".md", ".yaml", ".yml", ".json", ".jsonl", ".txt", ".jinja"}


def assert_clean(folder: str | Path) -> None:
    """Raise if any file of a staged folder contains a secret (text files and parquet strings)."""
    import pyarrow.parquet as pq

    leaks = []
    for path in sorted(Path(folder).rglob("*")):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            rows = pq.read_table(path).to_pylist()
            if any(has_secret(r) for r in rows):
                leaks.append(str(path))
        elif path.suffix in _TEXT_SUFFIXES and find_secrets(
            path.read_text(encoding="utf-8", errors="replace")
        ):
            leaks.append(str(path))
    if leaks:
        raise RuntimeError(f"refusing to continue: secret-looking values found in {leaks}")
