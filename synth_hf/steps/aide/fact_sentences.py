"""Which document sentences can stand alone as a fact to ask about (answer-first AIDE; pure logic).

A sentence is asked back as a question with its answer span replaced, so it must state one fact on its
own: not a question ("Q: Who makes Zorvatide?" asked back became "Q: Who makes what??"), not resting on
an earlier sentence ("It is also sold by what?": whose "it"?), not negated ("Zorvatide is not
manufactured by what?" has no single answer), and not a table row, heading or "label: value" line (no
sentence at all).
Markdown emphasis and list bullets are stripped first, so "- **Zorvatide** is made by Lumera Pharma."
is the plain fact.
"""

from __future__ import annotations

import re

from synth_hf.text.support import has_negation

# skip reasons, counted per document sentence in the synthesize step (`sentences_skipped_<reason>`)
HEADING, TABLE_ROW, QUESTION, PRONOUN, NEGATION, EMPTY, LABEL = (
    "heading", "table_row", "question", "pronoun_subject", "negation", "empty", "label_value")  # fmt: skip
# "Zorvatide: 20 mg twice daily" - a label and its value, no statement ("Zorvatide: what twice daily?")
_LABEL_VALUE = re.compile(r"^[^:.!?]{1,60}:\s")

# words that make a sentence lean on another one when they open it (approximated as: among its first
# SUBJECT_WORDS words, which also catches "Like ACE inhibitors they can cause ...")
_LEANING = {"it", "they", "he", "she", "this", "these", "those"}
SUBJECT_WORDS = 6
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_EMPHASIS = re.compile(r"\*\*|__|`")
_FAQ_LABEL = re.compile(r"^(?:Q|A|Question|Answer)\s*:\s*", re.IGNORECASE)  # "A: Lumera Pharma."


def clean_fact(sentence: str) -> str:
    """`sentence` without a leading list bullet ("- ", "* ", "1. "), FAQ label ("Q:", "A:"), markdown
    emphasis (`**x**`, `__x__`, backticks), whitespace collapsed."""
    text = _FAQ_LABEL.sub("", _BULLET.sub("", sentence.strip()))
    return " ".join(_EMPHASIS.sub("", text).split())


def skip_reason(sentence: str) -> str:
    """'' when the (cleaned) sentence can stand as a fact, else why not: heading, table_row, question,
    pronoun_subject (it/they/he/she/this/these/those among its first words), negation, label_value
    ("Zorvatide: 20 mg twice daily"), empty."""
    raw = sentence.strip()
    if raw.startswith("#"):
        return HEADING
    if "|" in raw:  # a markdown table row: cells, not a sentence
        return TABLE_ROW
    text = clean_fact(raw)
    if not text:
        return EMPTY
    if text.rstrip().endswith(("?", "？")):
        return QUESTION
    if _LABEL_VALUE.match(text):
        return LABEL
    if _LEANING & {w.casefold() for w in re.findall(r"[^\W\d_]+", text)[:SUBJECT_WORDS]}:
        return PRONOUN
    if has_negation(text):
        return NEGATION
    return ""


def fact_passages(passages: list[dict]) -> tuple[list[dict], dict[str, int]]:
    """The passages ({chunk_id, sentence}) that can stand as facts, their sentences cleaned
    (`clean_fact`), and the number skipped per reason."""
    kept, skipped = [], {}
    for passage in passages:
        why = skip_reason(passage["sentence"])
        if why:
            skipped[why] = skipped.get(why, 0) + 1
        else:
            kept.append({**passage, "sentence": clean_fact(passage["sentence"])})
    return kept, skipped
