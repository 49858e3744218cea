"""Corpus and table readers: local files (text, HTML, jsonl/json/csv/tsv/parquet, or a directory of any
mix of them) or a Hub id, always returned as a ``datasets.Dataset``. A file that is not read is never
lost silently: it is listed in ``ReadStats.skipped_files`` with the reason."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import datasets

from synth_hf.io._files import (
    file_kind,
    inner_suffix,
    is_compressed,
    is_valid_utf8,
    locate_bad_line,
    normalize_newlines,
    parts_hash,
    read_html_parts,
    read_text_parts,
    split_long,
    transcode,
)
from synth_hf.io.hub_load import load_hub as _load_hub
from synth_hf.io.source_errors import MissingColumnError
from synth_hf.io.source_plan import TEXT_KINDS, SourcePlan, _looks_like_path  # noqa: F401 (re-exported)
from synth_hf.io.source_plan import resolve_source as _resolve

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
    html_files: int = 0  # read as text with the markup removed
    skipped_files: list[dict[str, str]] = field(default_factory=list)  # {"path", "reason"}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def report_skipped(skipped: list[dict[str, str]], prefix: str = "[input]") -> None:
    """Print each skipped file with its reason (stderr), so nothing is left out without a word."""
    for item in skipped:
        print(f"{prefix} skipped {item['path']}: {item['reason']}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------ loading
def _load_json_fallback(path: Path) -> datasets.Dataset:
    """A .json holding one object (or {"key": [rows]}) that the Arrow JSON reader rejects."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        data = json.load(fh)
    if isinstance(data, dict):
        lists = [v for v in data.values() if _is_record_list(v) and not _is_chat(v)]
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
        loader, options = ("csv", {"sep": "\t"}) if kind == "tsv" else (kind, {})
        try:
            ds = datasets.load_dataset(loader, data_files=data_files, split="train", **options)
        except Exception as err:
            if kind != "json" or len(files) != 1:
                raise _unreadable(kind, files, err) from err
            try:
                ds = _load_json_fallback(Path(data_files[0]))
            except Exception as fallback_err:
                raise _unreadable(kind, files, fallback_err) from fallback_err
        else:
            # only a .json document can wrap its rows; each line of a .jsonl is a row already
            one_document = kind == "json" and len(files) == 1 and inner_suffix(files[0]) == ".json"
            wrapper = _wrapped_rows_field(ds) if one_document else None
            if wrapper is not None:  # {"meta": .., "data": [rows]} -> the rows
                ds = datasets.load_dataset(kind, data_files=data_files, field=wrapper, split="train")
    return ds, bool(bad)


def _unreadable(kind: str, files: list[Path], err: Exception) -> ValueError:
    """A loader's internal error (arrow, pandas, datasets) becomes one message naming the file, and for
    line formats (jsonl, csv, tsv) the first bad line."""
    empty = [f for f in files if f.exists() and f.stat().st_size == 0]
    if empty:
        return ValueError(f"cannot read {empty[0]}: the file is empty")
    for f in files:
        where = locate_bad_line(f, kind)
        if where:
            return ValueError(f"cannot read {where}"[:500])
    cause = err.__cause__ or err
    if "corresponds to no data" in str(cause):  # datasets' words for a table with a header and no row
        return ValueError(f"cannot read {files[0]}: a header and no rows")
    names = ", ".join(str(f) for f in files[:3]) + (" ..." if len(files) > 3 else "")
    return ValueError(f"cannot read {names} as {kind}: {type(cause).__name__}: {cause}"[:500])


def _wrapped_rows_field(ds: datasets.Dataset) -> str | None:
    """The one column of a single-row table that holds a list of records, if there is exactly one.
    A list of chat turns (`messages`: role + content) is one conversation, not the table's rows."""
    if ds.num_rows != 1:
        return None
    row = ds[0]
    fields = [k for k, v in row.items() if _is_record_list(v) and not _is_chat(v)]
    return fields[0] if len(fields) == 1 else None


def _is_record_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _is_chat(records: list[dict]) -> bool:
    """Turns of a conversation: TRL's `role`/`content` or ShareGPT's `from`/`value` in every record."""
    return all({"role", "content"} <= r.keys() or {"from", "value"} <= r.keys() for r in records)


def _read_doc_file(path: Path, max_chars: int) -> tuple[list[str], bool]:
    """A text or HTML file as stripped parts; HTML loses its markup."""
    if file_kind(path) == "html":
        return read_html_parts(path, max_chars)
    return read_text_parts(path, max_chars)


def _load_text_files(files: list[Path], max_chars: int, stats: ReadStats, seen: set[str]) -> datasets.Dataset:
    out: dict[str, list] = {"doc_id": [], "text": []}
    for path in files:
        parts, bad = _read_doc_file(path, max_chars)
        stats.rows_in += 1
        stats.non_utf8_files += int(bad)
        stats.html_files += int(file_kind(path) == "html")
        _emit(out, parts, None, bad, stats, seen)
    return datasets.Dataset.from_dict(out, features=_FEATURES)


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

    Local .jsonl/.json/.csv/.tsv/.parquet use ``text_column`` (and ``id_column`` if given, else a content
    hash); text files (.txt/.md/.rst/...) are one document each, HTML files too with the markup removed.
    A directory reads every such file (text files in sorted order, then the tables by format); any
    other file is listed in ``stats.skipped_files`` with the reason. Anything else is a Hub dataset id
    loaded with ``split``. Raises FileNotFoundError / ValueError naming the file (and, for jsonl/csv/tsv,
    the line) that cannot be read, a missing column, or an empty corpus.
    """
    if max_doc_chars < 1:
        raise ValueError(f"max_doc_chars must be >= 1, got {max_doc_chars}")
    plan = _resolve(source)
    stats = ReadStats(source=str(source), kind=plan.kind, files=plan.n_files, skipped_files=plan.skipped)
    seen: set[str] = set()
    if plan.hub:
        raw = _load_hub(source, split)
        if isinstance(raw, datasets.DatasetDict):  # a Hub repo without the split we asked for
            raise ValueError(f"split {split!r} not found in {source!r}; splits: {list(raw)}")
        parts = [_table_docs(raw, False, str(source), text_column, id_column, max_doc_chars, stats, seen)]
    else:
        parts = []
        for kind, files in plan.groups.items():
            if kind == "text":
                parts.append(_load_text_files(files, max_doc_chars, stats, seen))
                continue
            parts += _tables_docs(kind, files, str(source) if len(plan.groups) == 1 else None,
                                  text_column, id_column, max_doc_chars, stats, seen)
    ds = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts)
    stats.docs_out = len(ds)
    if len(ds) == 0:
        raise ValueError(
            f"empty corpus: no non-empty documents in {str(source)!r} "
            f"({stats.rows_in} read, {stats.empty_docs} empty, {stats.duplicate_docs} duplicates)"
        )
    return ds, stats


def _tables_docs(
    kind: str,
    files: list[Path],
    source: str | None,
    text_column: str,
    id_column: str | None,
    max_doc_chars: int,
    stats: ReadStats,
    seen: set[str],
) -> list[datasets.Dataset]:
    """Documents of the tables of one format: read together (fast), or one by one when their columns
    differ, so a failure names the one file at fault."""
    counted = stats.non_utf8_files
    try:
        raw, had_bad = _load_tabular(kind, files, stats)
    except ValueError:
        if len(files) == 1:
            raise
        stats.non_utf8_files = counted
        out = []
        for f in files:
            raw, had_bad = _load_tabular(kind, [f], stats)
            out.append(_table_docs(raw, had_bad, str(f), text_column, id_column, max_doc_chars, stats, seen))
        return out
    where = source or ", ".join(str(f) for f in files[:3]) + (" ..." if len(files) > 3 else "")
    return [_table_docs(raw, had_bad, where, text_column, id_column, max_doc_chars, stats, seen)]


def _table_docs(
    raw: datasets.Dataset,
    had_bad: bool,
    where: str,
    text_column: str,
    id_column: str | None,
    max_doc_chars: int,
    stats: ReadStats,
    seen: set[str],
) -> datasets.Dataset:
    """The ``doc_id`` / ``text`` rows of one table (its ``text_column``), updating the counters."""
    missing = [c for c in (text_column, id_column) if c is not None and c not in raw.column_names]
    if missing:
        raise MissingColumnError(f"column {missing[0]!r} not found in {where!r}; columns found: {raw.column_names}")
    feature = raw.features[text_column]
    if isinstance(feature, datasets.Value) and not feature.dtype.endswith("string"):
        # a JSON array of numbers loads as a `text` column of int64: no document in it
        raise ValueError(f"{where!r} holds {feature.dtype} values, not text (read as column {text_column!r})")

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
    return raw.map(
        convert,
        batched=True,
        batch_size=1000,
        remove_columns=raw.column_names,
        features=_FEATURES,
        load_from_cache_file=False,
        desc="reading documents",
    )


_FEATURES = datasets.Features({"doc_id": datasets.Value("string"), "text": datasets.Value("string")})


def load_table(source: str, split: str = "train") -> datasets.Dataset:
    """Any table (seeds, personas, eval sets) as a Dataset: same sources as ``load_text_dataset``,
    columns kept as they are; text/HTML files give one row per file in a ``text`` column. A folder must
    hold one kind of file; files it skips are printed with the reason."""
    plan = _resolve(source)
    if len(plan.groups) > 1:
        kinds = {k: [str(f) for f in files[:3]] for k, files in plan.groups.items()}
        raise ValueError(f"{str(source)!r} mixes file kinds {kinds}; a table needs one kind: point at one file")
    report_skipped(plan.skipped)
    if plan.hub:
        ds = _load_hub(source, split)
    elif "text" in plan.groups:
        texts = []
        for path in plan.groups["text"]:
            parts, _ = _read_doc_file(path, max_chars=1 << 62)
            texts.append("\n\n".join(parts))
        ds = datasets.Dataset.from_dict({"text": texts})
    else:
        kind, files = next(iter(plan.groups.items()))
        ds, _ = _load_tabular(kind, files, None)
    if len(ds) == 0:
        raise ValueError(f"empty table: {str(source)!r} has no rows")
    return ds
