"""Where a source points: a folder's files grouped by reader (or skipped, with the reason), one file,
or a Hub dataset id (`resolve_source`)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from synth_hf.io._files import binary_reason, file_kind, known_suffix, skip_reason


def _looks_like_path(source: str) -> bool:
    """Hub ids are 'name' or 'owner/name'; anything else that is not on disk is a missing file."""
    return (
        source.startswith((".", "/", "~"))
        or source.endswith("/")  # 'my_docs/' names a folder, never a Hub id
        or "\\" in source
        or source.count("/") > 1
        or known_suffix(source)
        or (os.sep != "/" and os.sep in source)
    )


TEXT_KINDS = ("text", "html")  # one document per file
# Python package machinery (the corpora in synth_hf/data are packages): never a document, not listed
PACKAGE_FILES = frozenset({"__init__.py"})
PACKAGE_DIRS = frozenset({"__pycache__"})


@dataclass
class SourcePlan:
    """What a source resolves to: files grouped by reader ("text" holds text and HTML files, in sorted
    order; then one group per table format), and the files of a folder that will not be read."""

    groups: dict[str, list[Path]] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    hub: bool = False

    @property
    def kind(self) -> str:
        return "hub" if self.hub else "+".join(self.groups)

    @property
    def n_files(self) -> int:
        return sum(len(files) for files in self.groups.values())


def _dir_plan(root: Path) -> SourcePlan:
    """Every file under a directory, sorted: grouped by reader, or listed as skipped with a reason."""
    plan = SourcePlan()
    for folder, dirs, names in os.walk(root):
        hidden = sorted(d for d in dirs if d.startswith("."))
        for d in hidden:
            plan.skipped.append({"path": str(Path(folder) / d), "reason": "hidden folder (name starts with '.')"})
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in PACKAGE_DIRS)
        for name in names:
            if name in PACKAGE_FILES:  # a corpus shipped as a Python package: not the user's documents
                continue
            path = Path(folder) / name
            reason = (skip_reason(path) or binary_reason(path)) if path.is_file() else "not a regular file"
            if reason:
                plan.skipped.append({"path": str(path), "reason": reason})
                continue
            kind = file_kind(path)
            plan.groups.setdefault("text" if kind in TEXT_KINDS else kind, []).append(path)
    for files in plan.groups.values():
        files.sort(key=str)
    plan.skipped.sort(key=lambda s: s["path"])
    text_first = {k: plan.groups[k] for k in sorted(plan.groups, key=lambda k: (k != "text", k))}
    plan.groups = text_first
    if not plan.groups:
        # the list of readable kinds closes each unsupported file's reason: say it once, at the end
        reasons = [s["reason"].partition("; readable: ") for s in plan.skipped]
        listed = "; ".join(f"{s['path']}: {why}" for s, (why, _, _) in zip(plan.skipped[:5], reasons))
        kinds = next((f"; readable: {rest}" for _, sep, rest in reasons if sep), "")
        raise ValueError(
            f"empty corpus: no readable file under directory {str(root)!r}"
            + (f" ({len(plan.skipped)} skipped: {listed}{kinds})" if plan.skipped else "")
        )
    return plan


def resolve_source(source: str) -> SourcePlan:
    """The SourcePlan of `source`: a folder, a file or a Hub id. Raises FileNotFoundError for a path
    that does not exist, ValueError for an unreadable named file or a folder with no readable file."""
    path = Path(os.path.expanduser(str(source)))
    if path.is_dir():
        return _dir_plan(path)
    if path.is_file():
        # named explicitly: hidden is fine
        reason = skip_reason(path.with_name("_" + path.name.lstrip("."))) or binary_reason(path)
        if reason:
            raise ValueError(f"cannot read {path.name!r}: {reason}")
        kind = file_kind(path)
        return SourcePlan(groups={"text" if kind in TEXT_KINDS else kind: [path]})
    if _looks_like_path(str(source)):
        raise FileNotFoundError(f"no such file or directory: {str(source)!r}")
    return SourcePlan(hub=True)
