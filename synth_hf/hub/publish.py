"""Publishing a staged folder (dataset) or an adapter folder (model) with huggingface_hub.HfApi."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from synth_hf.hub.secrets import assert_clean
from synth_hf.hub.staging import STAGING_MARKER


class MissingTokenError(RuntimeError, PermissionError):
    """No Hugging Face token anywhere: a user's setup to fix (a PermissionError, so the CLI says it in
    one line), and still a RuntimeError for callers that caught that before."""


def resolve_token(token: str | None = None) -> str | None:
    """Explicit token, else $HF_TOKEN, else the cached `hf auth login` token."""
    if token:
        return token
    if os.environ.get("HF_TOKEN"):
        return os.environ["HF_TOKEN"]
    from huggingface_hub import get_token

    return get_token()


def upload_folder(
    folder: str | Path,
    repo_id: str,
    *,
    repo_type: str,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    commit_message: str,
    delete_patterns: list[str] | None = None,
    ignore_patterns: list[str] | None = None,
    api: Any = None,
) -> str:
    """create_repo + upload_folder; returns the commit URL. Errors keep and name the local folder.
    Files matching `ignore_patterns` stay local."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"nothing to upload: {folder} is not a folder")
    token = resolve_token(token) or getattr(api, "token", None)
    if not token:
        raise MissingTokenError(
            f"No Hugging Face token: pass token=..., set HF_TOKEN or run `hf auth login`. "
            f"Nothing was uploaded; the staging folder is kept at {folder}"
        )
    assert_clean(folder)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    try:
        api.create_repo(repo_id=repo_id, repo_type=repo_type, private=private, exist_ok=True, token=token)
        if revision:
            api.create_branch(
                repo_id=repo_id, repo_type=repo_type, branch=revision, exist_ok=True, token=token
            )
        info = api.upload_folder(
            folder_path=str(folder),
            repo_id=repo_id,
            repo_type=repo_type,
            revision=revision,
            commit_message=commit_message,
            delete_patterns=delete_patterns,
            ignore_patterns=ignore_patterns,
            token=token,
        )
    except Exception as err:
        raise RuntimeError(
            f"upload to {repo_id} failed ({err}); the staging folder is kept at {folder}"
        ) from err
    prefix = "datasets/" if repo_type == "dataset" else ""
    return str(getattr(info, "commit_url", None) or f"https://huggingface.co/{prefix}{repo_id}")


def publish_dataset(
    staged_dir: str | Path,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
    revision: str | None = None,
    commit_message: str = "Upload synthetic dataset (synth_hf)",
    api: Any = None,
) -> str:
    """Upload a folder made by `stage_dataset` to the Hub as a dataset repo; returns the commit URL.

    Shards of an earlier upload that this one does not overwrite are deleted in the same commit
    (`delete_patterns=["data/*"]`), so a re-publish with fewer shards leaves no stale data behind.
    The staging marker (`STAGING_MARKER`) is local bookkeeping and is not uploaded.
    """
    if not (Path(staged_dir) / "README.md").exists():
        raise FileNotFoundError(f"{staged_dir} has no README.md: stage it with stage_dataset(...) first")
    return upload_folder(
        staged_dir,
        repo_id,
        repo_type="dataset",
        token=token,
        private=private,
        revision=revision,
        commit_message=commit_message,
        delete_patterns=["data/*"],
        ignore_patterns=[STAGING_MARKER],
        api=api,
    )
