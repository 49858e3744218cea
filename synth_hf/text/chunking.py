"""Token-bounded recursive chunking with overlap and content-addressed chunk ids.

Boundaries are tried from coarse to fine: paragraphs, lines, sentence ends (the cut points of
`synth_hf.text.sentences`, so Latin, CJK `。！？`, full-width and other scripts' ends), clause
punctuation (`，、；：` and Latin `, ; :` before a space), spaces, and last a character window that
backs off to a nearby boundary (punctuation, space, a change of script, a token edge) rather than cut
inside a run of CJK text.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from synth_hf.text.language import detect_language
from synth_hf.text.sentences import sentence_cuts

TokenCounter = Callable[[str], int]

SENTENCE = "<sentence>"  # sentence ends as `split_sentences` finds them, in every script it knows
CLAUSE = "<clause>"  # clause punctuation: CJK `，、；：` anywhere, Latin `, ; :` before whitespace
REGEX_PREFIX = "re:"  # "re:<pattern>": cut after every match of the pattern
DEFAULT_SEPARATORS: tuple[str, ...] = ("\n\n", "\n", SENTENCE, CLAUSE, " ", "")
_CLAUSE_RE = re.compile(r"[，、；：﹐﹑﹔﹕]+|[,;:](?=\s)")


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


def check_separators(separators: Sequence[str]) -> tuple[str, ...]:
    """The separators as a tuple. Raises TypeError for an entry that is not a string, ValueError for a
    `re:` entry whose pattern does not compile or matches the empty string (it would cut everywhere)."""
    out = []
    for sep in separators:
        if not isinstance(sep, str):
            raise TypeError(f"separator {sep!r} is not a string")
        if sep.startswith(REGEX_PREFIX):
            try:
                pattern = re.compile(sep[len(REGEX_PREFIX) :])
            except re.error as err:
                raise ValueError(f"separator {sep!r}: invalid regular expression ({err})") from None
            if pattern.fullmatch(""):
                raise ValueError(f"separator {sep!r} matches the empty string")
        out.append(sep)
    return tuple(out)


def _cuts(text: str, sep: str) -> list[int]:
    """Offsets after which `sep` allows a cut (a cut keeps the separator with the preceding piece)."""
    if sep == SENTENCE:
        return sentence_cuts(text)
    if sep == CLAUSE:
        return [m.end() for m in _CLAUSE_RE.finditer(text)]
    if sep.startswith(REGEX_PREFIX):
        return [m.end() for m in re.finditer(sep[len(REGEX_PREFIX) :], text) if m.end() > m.start()]
    out, at = [], text.find(sep)
    while at != -1:
        out.append(at + len(sep))
        at = text.find(sep, at + len(sep))
    return out


def _split_at(text: str, sep: str) -> list[str]:
    """Split at `sep`'s cut points, so ''.join(pieces) == text (empty pieces dropped)."""
    pieces, start = [], 0
    for cut in _cuts(text, sep):
        if start < cut < len(text):
            pieces.append(text[start:cut])
            start = cut
    pieces.append(text[start:])
    return [p for p in pieces if p]


_CJK_CHAR_RE = re.compile(rf"[{_CJK}]")
_LOOKAROUND = 6  # characters each side when asking the tokenizer whether a cut splits a token


def _is_break(text: str, at: int) -> bool:
    """A cut before text[at] is at a natural boundary: after space/punctuation or at a script change."""
    before, after = text[at - 1], text[at]
    if before.isspace() or after.isspace() or unicodedata.category(before)[0] in "PZS":
        return True
    return bool(_CJK_CHAR_RE.match(before)) != bool(_CJK_CHAR_RE.match(after))


def _nearby_cut(text: str, start: int, end: int, count: TokenCounter) -> int:
    """Where to end the window text[start:end]: the last natural boundary in its back half, else the
    last of a few positions that do not split a token, else `end` (nothing better nearby)."""
    lo = start + max(1, (end - start) // 2)
    for at in range(end, lo - 1, -1):
        if _is_break(text, at):
            return at
    for at in range(end, max(lo, end - 4) - 1, -1):
        left, right = text[max(start, at - _LOOKAROUND) : at], text[at : at + _LOOKAROUND]
        if count(left) + count(right) == count(left + right):
            return at
    return end


def _grow(text: str, i: int, w: int, n: int, count: TokenCounter, chunk_size: int) -> tuple[int, int]:
    """The widest window from `i` (at most 4x `w`) that still fits, by bisection: (width, tokens)."""
    lo, hi = w, min(len(text) - i, 4 * w)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        m = count(text[i : i + mid])
        if m <= chunk_size:
            lo, n = mid, m
        else:
            hi = mid - 1
    return lo, n


def _hard_split(text: str, count: TokenCounter, chunk_size: int) -> list[tuple[str, int]]:
    """Character windows that each fit; the window shrinks only where text is token-dense, and each
    cut backs off to a nearby boundary (`_nearby_cut`) instead of splitting a word or a CJK run."""
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
        if n < chunk_size and i + w < len(text):  # sparse text (long Latin words): use the budget
            w, n = _grow(text, i, w, n, count, chunk_size)
            piece = text[i : i + w]
        if i + w < len(text) and w > 1:
            cut = _nearby_cut(text, i, i + w, count)
            if cut != i + w:
                piece = text[i:cut]
                n = count(piece)
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
        split = _split_at(text, sep)
        if len(split) > 1:
            finer = separators[level + 1 :]
            out: list[tuple[str, int]] = []
            for piece in split:
                pn = count(piece)
                if pn <= chunk_size:
                    out.append((piece, pn))
                elif finer:
                    out.extend(_atomic_pieces(piece, count, chunk_size, finer, pn))
                else:
                    out.append((piece, pn))  # indivisible under the given separators
            return out
    return [(text, n)]


def _overlap_tail(
    pieces: list[tuple[str, int]], count: TokenCounter, budget: int, separators: Sequence[str]
) -> list[tuple[str, int]]:
    """Trailing pieces of the previous chunk worth at most ``budget`` tokens; the boundary piece is
    refined with the same separators except the character windows, so carried context never starts
    inside a word (a CJK sentence longer than the budget is not carried)."""
    separators = [s for s in separators if s != ""]
    tail: list[tuple[str, int]] = []
    left = budget
    for piece, n in reversed(pieces):
        if n <= left:
            tail.append((piece, n))
            left -= n
            continue
        if left > 0 and separators:  # partially carry the boundary piece, from its end
            for part, pn in reversed(_atomic_pieces(piece, count, left, separators, n)):
                if pn > left:
                    break
                tail.append((part, pn))
                left -= pn
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

    ``separators`` are tried coarse to fine: literal strings, the named levels `SENTENCE` and `CLAUSE`,
    or `"re:<pattern>"`; `""` is the character-window fallback. Raises ValueError on bad sizes or a bad
    separator.
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    if not 0 <= overlap < chunk_size:
        raise ValueError(f"overlap must be in [0, chunk_size), got {overlap} (chunk_size={chunk_size})")
    if not text or not text.strip():
        return []
    seps = check_separators(separators) or ("",)
    pieces = _atomic_pieces(text, count_tokens, chunk_size, seps)

    texts: list[tuple[str, int]] = []
    prev: list[tuple[str, int]] = []
    i = 0
    while i < len(pieces):
        carry = _overlap_tail(prev, count_tokens, overlap, seps) if overlap and prev else []
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
