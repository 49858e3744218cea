"""Byte-level helpers for the readers: file-type detection, streaming UTF-8 decoding, long-text splitting."""

from __future__ import annotations

import bz2
import codecs
import csv
import gzip
import hashlib
import json
import lzma
from collections.abc import Iterator
from pathlib import Path

from synth_hf.text.chunking import normalize_for_hash

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".rst", ".adoc", ".asciidoc", ".org", ".tex", ".wiki"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TABULAR_KINDS = {
    ".jsonl": "json", ".json": "json", ".ndjson": "json", ".csv": "csv", ".tsv": "tsv", ".parquet": "parquet",
}  # fmt: skip
LINE_FORMATS = {".jsonl", ".ndjson", ".csv", ".tsv"}
COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zst", ".zip"}
_TEXT_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}  # stdlib decompression for text/html
BLOCK_BYTES = 1 << 20  # streaming read size; tests shrink it to exercise block boundaries
_BOUNDARIES = ("\n\n", "\n", ". ", " ")


def inner_suffix(path: Path) -> str:
    """The format suffix, looking through one compression suffix ('' when there is none)."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSION_SUFFIXES:
        suffixes = suffixes[:-1]
    return suffixes[-1] if suffixes else ""


def file_kind(path: Path) -> str | None:
    """ "text", "html", "json", "csv", "tsv", "parquet" or None, looking through a compression suffix."""
    inner = inner_suffix(path)
    if inner in TEXT_SUFFIXES:
        return "text"
    if inner in HTML_SUFFIXES:
        return "html"
    return TABULAR_KINDS.get(inner)


def skip_reason(path: Path) -> str | None:
    """Why a file found in a folder is not read (None when it is read). Hidden files are skipped too."""
    if path.name.startswith("."):
        return "hidden file (name starts with '.')"
    kind = file_kind(path)
    if kind is None:
        suffix = "".join(path.suffixes[-2:]).lower() or "(no extension)"
        return f"unsupported file type {suffix}; readable: text {sorted(TEXT_SUFFIXES | HTML_SUFFIXES)}, tables {sorted(TABULAR_KINDS)}"
    if kind in ("text", "html") and is_compressed(path) and path.suffix.lower() not in _TEXT_OPENERS:
        return f"compressed text ({path.suffix.lower()}) is not read; decompress it or use .gz/.bz2/.xz"
    return None


UNDECODABLE_SHARE = 0.25  # share of U+FFFD in a file's first 8 KiB above which it is not read as text


def binary_reason(path: Path) -> str | None:
    """Why a text or HTML file is not text: NUL bytes in its first 8 KiB (an executable, image or UTF-16
    file named .txt), or more than `UNDECODABLE_SHARE` of its characters there not UTF-8 (random or
    compressed bytes), which would reach the model as replacement characters; None otherwise, and for
    files of other kinds or that cannot be opened (their read reports that)."""
    if file_kind(path) not in ("text", "html"):
        return None
    opener = _TEXT_OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return None
    if b"\x00" in head:
        return "binary content (NUL bytes), not UTF-8 text"
    decoded = head.decode("utf-8", errors="replace")
    bad = decoded.count("\ufffd")
    # a Latin-1 file loses only its accented letters (a few %); random bytes lose most characters
    if decoded and bad / len(decoded) > UNDECODABLE_SHARE:
        return f"binary content ({bad / len(decoded):.0%} of its first characters are not UTF-8), not text"
    return None


def is_compressed(path: Path) -> bool:
    return path.suffix.lower() in COMPRESSION_SUFFIXES


def known_suffix(source: str) -> bool:
    return file_kind(Path(source)) is not None


def iter_decoded(path: Path, block_bytes: int | None = None) -> Iterator[tuple[str, bool]]:
    """Decode a file block by block; yields (text, saw_invalid_bytes_so_far).

    Strict decoding until the first invalid byte, then replacement: valid files are never altered and an
    invalid one is flagged without a second pass. Multi-byte sequences split across blocks are handled
    by the incremental decoder.
    """
    size = block_bytes or BLOCK_BYTES
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    bad = False
    opener = _TEXT_OPENERS.get(path.suffix.lower(), open)
    with opener(path, "rb") as fh:
        while True:
            try:
                block = fh.read(size)
            except (OSError, EOFError, lzma.LZMAError) as err:  # corrupt or mislabelled archive
                raise ValueError(f"cannot read {path}: not a valid {path.suffix.lower()} file ({err})") from None
            final = not block
            if not bad:
                pending = decoder.getstate()[0]
                try:
                    text = decoder.decode(block, final=final)
                except UnicodeDecodeError:
                    bad = True
                    decoder = codecs.getincrementaldecoder("utf-8")("replace")
                    text = decoder.decode(pending + block, final=final)
            else:
                text = decoder.decode(block, final=final)
            if text:
                yield text, bad
            if final:
                if bad:
                    yield "", True
                return


def is_valid_utf8(path: Path) -> bool:
    return not any(bad for _, bad in iter_decoded(path))


def transcode(src: Path, dst: Path) -> None:
    """Write a UTF-8 copy of ``src`` with invalid bytes replaced by U+FFFD."""
    with open(dst, "w", encoding="utf-8", newline="") as out:
        out.writelines(text for text, _ in iter_decoded(src))


def cut_point(text: str, start: int, max_chars: int) -> int:
    """End of the next part: the last paragraph (then line, sentence, word) boundary in the window."""
    limit = start + max_chars
    floor = start + max_chars // 4  # a boundary too near the start would make a tiny part
    for boundary in _BOUNDARIES:
        i = text.rfind(boundary, floor, limit)
        if i > start:
            return i + len(boundary)
    return limit


def split_long(text: str, max_chars: int) -> list[str]:
    """Parts of at most ``max_chars`` characters cut at paragraph boundaries where possible (stripped)."""
    if len(text) <= max_chars:
        return [text]
    parts, start = [], 0
    while len(text) - start > max_chars:
        cut = cut_point(text, start, max_chars)
        parts.append(text[start:cut])
        start = cut
    parts.append(text[start:])
    return [p for p in (p.strip() for p in parts) if p]


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def read_text_parts(path: Path, max_chars: int) -> tuple[list[str], bool]:
    """Stream a text file into stripped parts of at most ``max_chars``; returns (parts, had_invalid_bytes)."""
    parts: list[str] = []
    buf, carry = "", ""
    bad = False
    for text, bad in iter_decoded(path):
        text, carry = carry + text, ""
        if text.endswith("\r"):  # maybe half of a CRLF split across blocks
            text, carry = text[:-1], "\r"
        buf += normalize_newlines(text)
        while len(buf) > max_chars:
            cut = cut_point(buf, 0, max_chars)
            parts.append(buf[:cut])
            buf = buf[cut:]
    buf += normalize_newlines(carry)
    parts.extend(split_long(buf, max_chars))
    return [p for p in (p.strip() for p in parts) if p], bad


def parts_hash(parts: list[str], length: int = 16) -> str:
    """Content hash of a document given as parts; equals chunking.content_hash for a single part."""
    h = hashlib.sha256()
    for i, part in enumerate(parts):
        if i:
            h.update(b" ")
        h.update(normalize_for_hash(part).encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:length]


def read_html_parts(path: Path, max_chars: int) -> tuple[list[str], bool]:
    """An HTML file as plain text (markup, scripts and styles removed) in parts of at most ``max_chars``."""
    from synth_hf.io.html_text import html_to_text

    chunks, bad = [], False
    for text, bad in iter_decoded(path):
        chunks.append(text)
    text = html_to_text(normalize_newlines("".join(chunks)))
    return (split_long(text, max_chars) if text else []), bad


def locate_bad_line(path: Path, kind: str) -> str | None:
    """`path:LINE: what is wrong` for the first unreadable record of a line format, or None if none is found.

    JSON lines: a line that is not valid JSON or not an object. CSV/TSV: a record whose field count
    differs from the header's (LINE is where the record ends, as the csv module counts).
    """
    if inner_suffix(path) not in LINE_FORMATS or kind not in ("json", "csv", "tsv"):
        return None
    opener = _TEXT_OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as fh:
            return _bad_json_line(path, fh) if kind == "json" else _bad_csv_line(path, fh, kind)
    except OSError:
        return None


def _bad_json_line(path: Path, fh) -> str | None:
    for number, line in enumerate(fh, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as err:
            return f"{path}:{number}: invalid JSON ({err.msg}, column {err.colno})"
        if not isinstance(row, dict):
            return f"{path}:{number}: expected a JSON object, got {type(row).__name__}"
    return None


def _bad_csv_line(path: Path, fh, kind: str) -> str | None:
    reader = csv.reader(fh, delimiter="\t" if kind == "tsv" else ",")
    try:
        header = next(reader, None)
        if header is None:
            return None
        for row in reader:
            if row and len(row) != len(header):
                return f"{path}:{reader.line_num}: expected {len(header)} fields like the header, found {len(row)}"
    except csv.Error as err:
        return f"{path}:{reader.line_num}: {err}"
    return None
