"""Sentence splitting for evidence and chunk boundaries: any language, CJK sentence ends included.

Evidence in GraphGen is a sentence of a chunk (`{chunk_id, sentence}`), so the splitter must be
predictable rather than clever. It cuts:
- after Latin `.`, `!`, `?`, `…` (plus closing quotes/brackets) followed by whitespace and a sentence
  start: an upper-case letter, digit, opening quote/bracket, `¿`/`¡`, or a letter of a script without
  case (CJK, kana, hangul, Hebrew, Arabic, Indic, Thai);
- after CJK `。！？` and the full-width/half-width forms `．｡` (plus closing quotes/brackets), with or
  without whitespace after; a full-width `．` between digits is a decimal point;
- after `।॥؟۔` followed by whitespace;
- at blank lines and before list/table lines.
Common abbreviations (e.g., Dr., No.), single initials, decimals and list numbers (`1. `) never cut.
The chunker uses the same cut points (`sentence_cuts`), so chunks and evidence agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CASELESS = (
    r"\u0590-\u05ff\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f"  # Hebrew, Arabic, Indic, Thai
    r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"  # kana, CJK, hangul
)
# Latin sentence end: terminal punctuation (+ closing quotes/brackets), whitespace, then a start.
_LATIN_END = re.compile(
    rf"""([.!?…]+["'”’)\]]*)(\s+)(?=["'“‘(\[¿¡]?[A-Z0-9À-ÖØ-Þ\u0370-\u03ff\u0400-\u04ff{_CASELESS}])"""
)
# CJK / full-width ends cut right after the mark (and any closing quote/bracket); `．` not in a number.
_CJK_END = re.compile(
    r"((?:[。！？｡]|(?<![0-9０-９])．|．(?![0-9０-９]))+[」』”’）)]*)(?=\s*\S)"
    r"|([!?]+)(?=[\u3040-\u30ff\u3400-\u9fff])"
)
_OTHER_END = re.compile(r"([।॥؟۔]+)(?=\s+\S)")
_LIST_NUMBER = re.compile(r"(?:^|\n)[ \t]*\(?\d{1,3}$")
_ABBREV = {
    "dr", "mr", "mrs", "ms", "prof", "st", "no", "vs", "etc", "e.g", "i.e", "fig", "approx", "inc",
    "ltd", "jr", "sr", "mt", "dept", "est", "vol", "al", "ca", "cf", "min", "max", "jan", "feb", "mar",
    "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}  # fmt: skip
_LINE_BREAK = re.compile(r"\n\s*\n|\n(?=\s*(?:[-*•|#>]|\d+[.)]\s))")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a text: `text` is stripped; `start`/`end` are character offsets into the text."""

    index: int
    start: int
    end: int
    text: str


def _is_abbreviation(text: str, dot_at: int) -> bool:
    # the whole word before the dot: "HbA1c." is no initial "c."
    word = re.search(r"(?<![\w])([A-Za-z][A-Za-z.]*)$", text[:dot_at])
    return bool(word) and (word.group(1).lower().rstrip(".") in _ABBREV or len(word.group(1)) == 1)


def sentence_cuts(text: str) -> list[int]:
    """Sorted character offsets (0 < cut < len(text)) where `split_sentences` ends a sentence."""
    cuts = {m.end() for m in _LINE_BREAK.finditer(text)}
    for m in _LATIN_END.finditer(text):
        if m.group(1).startswith(".") and (
            _is_abbreviation(text, m.start(1))
            or _LIST_NUMBER.search(text, max(0, m.start(1) - 10), m.start(1))
        ):
            continue
        cuts.add(m.end(1))
    cuts.update(m.end() for m in _CJK_END.finditer(text))
    cuts.update(m.end() for m in _OTHER_END.finditer(text))
    return sorted(c for c in cuts if 0 < c < len(text))


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text` in order (empty pieces skipped; a text with no boundary is one sentence).

    Offsets point into `text` unchanged, so `text[s.start:s.end]` is the sentence
    as written (`s.text` has its whitespace collapsed).
    """
    if not text or not text.strip():
        return []
    out: list[Sentence] = []
    start = 0
    for cut in [*sentence_cuts(text), len(text)]:
        piece = text[start:cut]
        stripped = piece.strip()
        if stripped and re.search(r"\w", stripped):
            lead = len(piece) - len(piece.lstrip())
            out.append(
                Sentence(len(out), start + lead, start + lead + len(stripped), " ".join(stripped.split()))
            )
        start = cut
    return out


def sentence_texts(text: str) -> list[str]:
    """Just the sentence strings of `text` (whitespace collapsed)."""
    return [s.text for s in split_sentences(text)]


_HEADING = re.compile(r"^#{1,6}\s")
# a sentence opening with a pronoun leans on the one before it: alone it names no subject
_PRONOUN_SUBJECT = re.compile(r"^(?:It|They|This|These|Those|He|She|Its|Their|His|Her)\b(?!\s*[.:])")


def not_a_fact(sentence: str) -> str | None:
    """Why `sentence` cannot stand alone as a fact for a question, or None when it can.

    "heading": a Markdown heading ("## Outpatients"); "pronoun_subject": an English sentence that opens
    with a pronoun ("It lowers hepatic glucose production."), whose subject only the previous sentence
    names. Other languages' pronouns are not checked."""
    if _HEADING.match(sentence):
        return "heading"
    if _PRONOUN_SUBJECT.match(sentence):
        return "pronoun_subject"
    return None
