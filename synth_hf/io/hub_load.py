"""A Hub dataset id as a `datasets` Dataset, failing at once (not after datasets' retries) when the
Hub cannot be reached."""

from __future__ import annotations

import os

import datasets

HUB_PROBE_TIMEOUT_S = 3.0  # one TCP connect; datasets' own retries take ~36 s to give up


def hub_reachable(timeout: float = HUB_PROBE_TIMEOUT_S) -> bool:
    """Whether a TCP connection to the Hub endpoint (HF_ENDPOINT) opens within `timeout` seconds.
    Behind a proxy (HTTPS_PROXY / ALL_PROXY set) a direct connection proves nothing: True."""
    import socket
    from urllib.parse import urlsplit

    from huggingface_hub import constants

    if any(os.environ.get(k) for k in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True
    url = urlsplit(constants.ENDPOINT)
    port = url.port or (443 if url.scheme == "https" else 80)
    try:
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return True
    except OSError:  # no DNS, refused, unreachable, timed out
        return False


def load_hub(source: str, split: str | None) -> datasets.Dataset | datasets.DatasetDict:
    """`source` as a Hub dataset. Offline (HF_HUB_OFFLINE) only datasets' cache is asked; a Hub that
    cannot be reached fails at once instead of after datasets' retries. Raises FileNotFoundError."""
    # a bare name may also be a mistyped local path: every message says both
    failed = f"{source!r} is not a local file or directory, and loading it as a Hub dataset failed"
    if not datasets.config.HF_HUB_OFFLINE and not hub_reachable():
        from huggingface_hub import constants

        raise FileNotFoundError(
            f"{failed}: the Hub ({constants.ENDPOINT}) cannot be reached from here "
            "(set HF_HUB_OFFLINE=1 to use a copy in the datasets cache)"
        )
    try:
        return datasets.load_dataset(source, split=split)
    except (FileNotFoundError, ConnectionError, OSError) as exc:
        raise FileNotFoundError(f"{failed}: {exc}") from exc
