"""Byte-level helpers for the readers: file-type detection, streaming UTF-8 decoding, long-text splitting."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterator
from pathlib import Path

from synth_hf.text.chunking import normalize_for_hash

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
TABULAR_KINDS = {".jsonl": "json", ".json": "json", ".ndjson": "json", ".csv": "csv", ".parquet": "parquet"}
COMPRESSION_SUFFIXES = {".gz", ".bz2", ".xz", ".zst", ".zip"}
BLOCK_BYTES = 1 << 20  # streaming read size; tests shrink it to exercise block boundaries
_BOUNDARIES = ("\n\n", "\n", ". ", " ")


def file_kind(path: Path) -> str | None:
    """ "text", "json", "csv", "parquet" or None, looking through a compression suffix."""
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in COMPRESSION_SUFFIXES:
        suffixes = suffixes[:-1]
    if not suffixes:
        return None
    last = suffixes[-1]
    if last in TEXT_SUFFIXES:
        return "text"
    return TABULAR_KINDS.get(last)


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
    with open(path, "rb") as fh:
        while True:
            block = fh.read(size)
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
