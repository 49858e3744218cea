"""Corpus and table readers: local files (jsonl/json/csv/parquet/txt/md, or a directory) or a Hub id,
always returned as a ``datasets.Dataset``."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import datasets

from synth_hf.io._files import (
    TABULAR_KINDS,
    file_kind,
    is_compressed,
    is_valid_utf8,
    known_suffix,
    normalize_newlines,
    parts_hash,
    read_text_parts,
    split_long,
    transcode,
)

REPLACEMENT_CHAR = "\ufffd"


@dataclass
class ReadStats:
    source: str
    kind: str = ""  # text | json | csv | parquet | hub
    files: int = 0
    rows_in: int = 0
    docs_out: int = 0
    empty_docs: int = 0
    non_utf8_docs: int = 0
    non_utf8_files: int = 0
    split_docs: int = 0  # input documents cut into several parts
    duplicate_docs: int = 0  # exact repeats dropped (content-hash ids only)
    duplicate_ids: int = 0  # repeated id_column values, kept
    chars: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------- resolving
def _looks_like_path(source: str) -> bool:
    """Hub ids are 'name' or 'owner/name'; anything else that is not on disk is a missing file."""
    return (
        source.startswith((".", "/", "~"))
        or "\\" in source
        or source.count("/") > 1
        or known_suffix(source)
        or (os.sep != "/" and os.sep in source)
    )


def _dir_files(root: Path) -> tuple[str, list[Path]]:
    """Text files of a directory (sorted); failing those, tabular files of a single kind."""
    files = sorted((p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")), key=str)
    text = [p for p in files if file_kind(p) == "text"]
    if text:
        return "text", text
    by_kind: dict[str, list[Path]] = {}
    for p in files:
        kind = file_kind(p)
        if kind is not None:
            by_kind.setdefault(kind, []).append(p)
    if len(by_kind) > 1:
        raise ValueError(f"directory {str(root)!r} mixes table formats {sorted(by_kind)}; point at one file")
    if not by_kind:
        raise ValueError(
            f"empty corpus: no .txt/.md or {sorted(TABULAR_KINDS)} files under directory {str(root)!r}"
        )
    kind, paths = next(iter(by_kind.items()))
    return kind, paths


def _resolve(source: str) -> tuple[str, list[Path]]:
    path = Path(os.path.expanduser(str(source)))
    if path.is_dir():
        return _dir_files(path)
    if path.is_file():
        kind = file_kind(path)
        if kind is None:
            raise ValueError(
                f"unsupported file type {path.name!r}: use .txt/.md or {', '.join(sorted(TABULAR_KINDS))}"
            )
        return kind, [path]
    if _looks_like_path(str(source)):
        raise FileNotFoundError(f"no such file or directory: {str(source)!r}")
    return "hub", []


# ------------------------------------------------------------------------------------------ loading
def _load_hub(source: str, split: str) -> datasets.Dataset:
    try:
        return datasets.load_dataset(source, split=split)
    except (FileNotFoundError, ConnectionError, OSError) as exc:
        # a bare name may also be a mistyped local path: say both
        raise FileNotFoundError(
            f"{source!r} is not a local file or directory, and loading it as a Hub dataset failed: {exc}"
        ) from exc


def _load_json_fallback(path: Path) -> datasets.Dataset:
    """A .json holding one object (or {"key": [rows]}) that the Arrow JSON reader rejects."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        data = json.load(fh)
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ValueError(f"{str(path)!r} is not a JSON list of objects")
    return datasets.Dataset.from_list(data)


def _load_tabular(kind: str, files: list[Path], stats: ReadStats | None) -> tuple[datasets.Dataset, bool]:
    """Load with the datasets packaged loaders; invalid UTF-8 is transcoded to a temp copy first."""
    bad = [f for f in files if kind != "parquet" and not is_compressed(f) and not is_valid_utf8(f)]
    if stats is not None:
        stats.non_utf8_files += len(bad)
    with tempfile.TemporaryDirectory(prefix="synth_hf_read_") as tmp:
        data_files = []
        for i, f in enumerate(files):
            if f in bad:
                dst = Path(tmp) / f"{i}_{f.name}"
                transcode(f, dst)
                data_files.append(str(dst))
            else:
                data_files.append(str(f))
        try:
            ds = datasets.load_dataset(kind, data_files=data_files, split="train")
        except Exception as err:
            if kind != "json" or len(files) != 1:
                raise _unreadable(kind, files, err) from err
            try:
                ds = _load_json_fallback(Path(data_files[0]))
            except Exception as fallback_err:
                raise _unreadable(kind, files, fallback_err) from fallback_err
        else:
            wrapper = _wrapped_rows_field(ds) if kind == "json" and len(files) == 1 else None
            if wrapper is not None:  # {"meta": .., "data": [rows]} -> the rows
                ds = datasets.load_dataset(kind, data_files=data_files, field=wrapper, split="train")
    return ds, bool(bad)


def _unreadable(kind: str, files: list[Path], err: Exception) -> ValueError:
    """A loader's internal error (arrow, pandas, datasets) becomes one message naming the file."""
    cause = err.__cause__ or err
    names = ", ".join(str(f) for f in files[:3]) + (" ..." if len(files) > 3 else "")
    return ValueError(f"cannot read {names} as {kind}: {type(cause).__name__}: {cause}"[:500])


def _wrapped_rows_field(ds: datasets.Dataset) -> str | None:
    """The one column of a single-row table that holds a list of records, if there is exactly one."""
    if ds.num_rows != 1:
        return None
    row = ds[0]
    fields = [k for k, v in row.items() if isinstance(v, list) and v and all(isinstance(r, dict) for r in v)]
    return fields[0] if len(fields) == 1 else None


def _load_text_files(files: list[Path], max_chars: int, stats: ReadStats) -> dict[str, list]:
    out: dict[str, list] = {"doc_id": [], "text": []}
    seen: set[str] = set()
    for path in files:
        parts, bad = read_text_parts(path, max_chars)
        stats.rows_in += 1
        stats.non_utf8_files += int(bad)
        _emit(out, parts, None, bad, stats, seen)
    return out


def _emit(
    out: dict[str, list], parts: list[str], doc_id: str | None, bad: bool, stats: ReadStats, seen: set[str]
) -> None:
    """Append one input document (already split into parts) with its ids, updating the counters."""
    if not parts:
        stats.empty_docs += 1
        return
    base = doc_id if doc_id is not None else parts_hash(parts)
    if base in seen:
        if doc_id is None:
            stats.duplicate_docs += 1
            return
        stats.duplicate_ids += 1
    seen.add(base)
    stats.non_utf8_docs += int(bad)
    stats.split_docs += int(len(parts) > 1)
    for k, part in enumerate(parts):
        out["doc_id"].append(base if len(parts) == 1 else f"{base}#{k}")
        out["text"].append(part)
        stats.chars += len(part)


def _doc_parts(value: Any, max_chars: int) -> list[str]:
    if value is None:
        return []
    text = normalize_newlines(value if isinstance(value, str) else str(value)).strip()
    return split_long(text, max_chars) if text else []


def load_text_dataset(
    source: str,
    text_column: str = "text",
    split: str = "train",
    id_column: str | None = None,
    max_doc_chars: int = 2_000_000,
) -> tuple[datasets.Dataset, ReadStats]:
    """A corpus as a Dataset with columns ``doc_id`` and ``text`` plus what happened while reading.

    Local .jsonl/.json/.csv/.parquet use ``text_column`` (and ``id_column`` if given, else a content
    hash); .txt/.md files are one document each; a directory reads its text files in sorted order;
    anything else is a Hub dataset id loaded with ``split``.
    """
    if max_doc_chars < 1:
        raise ValueError(f"max_doc_chars must be >= 1, got {max_doc_chars}")
    kind, files = _resolve(source)
    stats = ReadStats(source=str(source), kind=kind, files=len(files))
    seen: set[str] = set()

    if kind == "text":
        columns = _load_text_files(files, max_doc_chars, stats)
        ds = datasets.Dataset.from_dict(columns, features=_FEATURES)
    else:
        if kind == "hub":
            raw, had_bad = _load_hub(source, split), False
        else:
            raw, had_bad = _load_tabular(kind, files, stats)
        if isinstance(raw, datasets.DatasetDict):  # a Hub repo without the split we asked for
            raise ValueError(f"split {split!r} not found in {source!r}; splits: {list(raw)}")
        missing = [c for c in (text_column, id_column) if c is not None and c not in raw.column_names]
        if missing:
            raise ValueError(
                f"column {missing[0]!r} not found in {str(source)!r}; columns found: {raw.column_names}"
            )

        def convert(batch: dict[str, list]) -> dict[str, list]:
            out: dict[str, list] = {"doc_id": [], "text": []}
            ids = batch[id_column] if id_column else [None] * len(batch[text_column])
            for value, ident in zip(batch[text_column], ids):
                stats.rows_in += 1
                parts = _doc_parts(value, max_doc_chars)
                bad = had_bad and any(REPLACEMENT_CHAR in p for p in parts)
                _emit(out, parts, None if ident is None else str(ident), bad, stats, seen)
            return out

        # counters are updated as a side effect, so a cached result (which would skip them) is refused
        ds = raw.map(
            convert,
            batched=True,
            batch_size=1000,
            remove_columns=raw.column_names,
            features=_FEATURES,
            load_from_cache_file=False,
            desc="reading documents",
        )
    stats.docs_out = len(ds)
    if len(ds) == 0:
        raise ValueError(
            f"empty corpus: no non-empty documents in {str(source)!r} "
            f"({stats.rows_in} read, {stats.empty_docs} empty, {stats.duplicate_docs} duplicates)"
        )
    return ds, stats


_FEATURES = datasets.Features({"doc_id": datasets.Value("string"), "text": datasets.Value("string")})


def load_table(source: str, split: str = "train") -> datasets.Dataset:
    """Any table (seeds, personas, eval sets) as a Dataset: same sources as ``load_text_dataset``,
    columns kept as they are; .txt/.md files give one row per file in a ``text`` column."""
    kind, files = _resolve(source)
    if kind == "hub":
        ds = _load_hub(source, split)
    elif kind == "text":
        texts = []
        for path in files:
            parts, _ = read_text_parts(path, max_chars=1 << 62)
            texts.append("\n\n".join(parts))
        ds = datasets.Dataset.from_dict({"text": texts})
    else:
        ds, _ = _load_tabular(kind, files, None)
    if len(ds) == 0:
        raise ValueError(f"empty table: {str(source)!r} has no rows")
    return ds
