"""Token-bounded recursive chunking with overlap and content-addressed chunk ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from synth_hf.text.language import detect_language

TokenCounter = Callable[[str], int]

DEFAULT_SEPARATORS: tuple[str, ...] = ("\n\n", "\n", ". ", " ", "")


@dataclass
class Chunk:
    chunk_id: str
    doc_id: str
    text: str
    index: int
    n_tokens: int
    language: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def normalize_for_hash(text: str) -> str:
    """NFC + collapsed whitespace, so cosmetic differences do not change an id."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def content_hash(text: str, length: int = 16) -> str:
    digest = hashlib.sha256(normalize_for_hash(text).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:length]


# CJK/kana/hangul have no spaces; count them per character so the fallback still bounds chunk size.
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WS_TOKEN_RE = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_LONG_RUN = 16  # a space-free run (URL, base64) counts one token per this many chars


def whitespace_token_counter(text: str) -> int:
    """Cheap tokenizer-free count: whitespace-separated words, CJK chars singly, long runs per 16 chars."""
    n = 0
    for m in _WS_TOKEN_RE.finditer(text):
        size = m.end() - m.start()
        n += 1 if size <= _LONG_RUN else -(-size // _LONG_RUN)
    return n


def token_counter(tokenizer: Any) -> TokenCounter:
    """Wrap an HF tokenizer (or anything with ``encode``) as a counter that adds no special tokens."""
    if tokenizer is None:
        return whitespace_token_counter
    if hasattr(tokenizer, "no_truncation") and (tokenizer.truncation or tokenizer.padding):
        # a raw tokenizers.Tokenizer whose tokenizer.json pads/truncates would report a fixed length;
        # count with an unpadded, untruncated copy (the caller's object is left alone)
        tokenizer = type(tokenizer).from_str(tokenizer.to_str())
        tokenizer.no_truncation()
        tokenizer.no_padding()
    encode = getattr(tokenizer, "encode", None)
    if encode is None:
        raise TypeError(f"tokenizer {type(tokenizer).__name__} has no encode()")

    def count(text: str) -> int:
        if not text:
            return 0
        try:
            return len(encode(text, add_special_tokens=False, verbose=False))
        except TypeError:  # tokenizers.Tokenizer / tiktoken-like: fewer keyword arguments
            try:
                return len(encode(text, add_special_tokens=False))
            except TypeError:
                return len(encode(text))

    return count


def _split_keep(text: str, sep: str) -> list[str]:
    """Split keeping the separator attached to the preceding piece, so ''.join(pieces) == text."""
    parts = text.split(sep)
    out = [p + sep for p in parts[:-1]]
    out.append(parts[-1])
    return [p for p in out if p]


def _hard_split(text: str, count: TokenCounter, chunk_size: int) -> list[tuple[str, int]]:
    """Character windows that each fit; the window shrinks only where text is token-dense."""
    pieces: list[tuple[str, int]] = []
    i, width = 0, max(1, chunk_size)
    while i < len(text):
        w = width
        while True:
            piece = text[i : i + w]
            n = count(piece)
            if n <= chunk_size or w == 1:
                break
            w = max(1, w // 2)
        pieces.append((piece, n))
        i += len(piece)
    return pieces


def _atomic_pieces(
    text: str, count: TokenCounter, chunk_size: int, separators: Sequence[str], n_tokens: int | None = None
) -> list[tuple[str, int]]:
    """Pieces of at most chunk_size tokens, split at the coarsest separator present."""
    n = count(text) if n_tokens is None else n_tokens
    if n <= chunk_size:
        return [(text, n)]
    for level, sep in enumerate(separators):
        if sep == "":
            return _hard_split(text, count, chunk_size)
        if sep in text:
            finer = separators[level + 1 :]
            out: list[tuple[str, int]] = []
            for piece in _split_keep(text, sep):
                pn = count(piece)
                if pn <= chunk_size:
                    out.append((piece, pn))
                elif finer:
                    out.extend(_atomic_pieces(piece, count, chunk_size, finer, pn))
                else:
                    out.append((piece, pn))  # indivisible under the given separators
            return out
    return [(text, n)]


def _overlap_tail(pieces: list[tuple[str, int]], count: TokenCounter, budget: int) -> list[tuple[str, int]]:
    """Trailing pieces of the previous chunk worth at most ``budget`` tokens, refined to words at the edge."""
    tail: list[tuple[str, int]] = []
    left = budget
    for piece, n in reversed(pieces):
        if n <= left:
            tail.append((piece, n))
            left -= n
            continue
        if left > 0:  # partially carry the boundary piece, word by word from its end
            for word in reversed(_split_keep(piece, " ")):
                wn = count(word)
                if wn > left:
                    break
                tail.append((word, wn))
                left -= wn
        break
    tail.reverse()
    return tail


def chunk_document(
    text: str,
    doc_id: str,
    count_tokens: TokenCounter,
    chunk_size: int = 512,
    overlap: int = 64,
    separators: Sequence[str] = DEFAULT_SEPARATORS,
    *,
    language: str | None = None,
    detect_per_chunk: bool = False,
) -> list[Chunk]:
    """Split ``text`` into chunks of at most ``chunk_size`` tokens with ``overlap`` tokens of context.

    Each piece is tokenised once; only the finished chunk is recounted (tokenizers are not exactly
    additive), so the work stays linear in the document length. ``language`` skips detection; otherwise
    it is detected once per document, or per chunk with ``detect_per_chunk``.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if not 0 <= overlap < chunk_size:
        raise ValueError(f"overlap must be in [0, chunk_size), got {overlap} (chunk_size={chunk_size})")
    if not text or not text.strip():
        return []
    seps = tuple(separators) or ("",)
    pieces = _atomic_pieces(text, count_tokens, chunk_size, seps)

    texts: list[tuple[str, int]] = []
    prev: list[tuple[str, int]] = []
    i = 0
    while i < len(pieces):
        carry = _overlap_tail(prev, count_tokens, overlap) if overlap and prev else []
        # drop carried context from the front until the next new piece fits beside it
        while carry and sum(n for _, n in carry) + pieces[i][1] > chunk_size:
            carry.pop(0)
        current = list(carry)
        total = sum(n for _, n in current)
        j = i
        while j < len(pieces) and (j == i or total + pieces[j][1] <= chunk_size):
            current.append(pieces[j])
            total += pieces[j][1]
            j += 1
        body = "".join(p for p, _ in current).strip()
        n_real = count_tokens(body)
        # the estimate was a sum; shed pieces until the real count fits (rare, a few tokens off)
        while n_real > chunk_size and (j - i > 1 or carry):
            if j - i > 1:
                j -= 1
                current.pop()
            else:
                carry.pop(0)
                current.pop(0)
            body = "".join(p for p, _ in current).strip()
            n_real = count_tokens(body)
        if body:
            texts.append((body, n_real))
        prev = current
        i = j

    if language is None and not detect_per_chunk:
        language = detect_language(text)
    chunks: list[Chunk] = []
    for index, (body, n) in enumerate(texts):
        lang = language if language is not None else detect_language(body)
        chunks.append(Chunk(content_hash(body), doc_id, body, index, n, lang))
    return chunks
