"""Support check: does a generated text state only what its evidence sentences state?

One module serves GraphGen (descriptions, summaries, quiz paraphrases and negations, QA answers), AIDE
(grounded annotation) and the evaluation. It is lexical on purpose — fast, deterministic and explainable
on any model's output — and strict where small models fail:

- every number in the claim occurs in the evidence (a changed dose or year is unsupported);
- every capitalised name inside the claim occurs in the evidence (a swapped entity is unsupported);
- negation agrees with the best-matching evidence sentence (a negated verb is unsupported);
- enough of the claim's content words (light stemming) occur in the evidence (`min_coverage`).

CJK text has no spaces: each CJK character counts as a content token.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

STOPWORDS = frozenset(
    ["a", "an", "the", "and", "or", "but", "if", "then", "than", "that", "this", "these", "those", "there", "here", "of", "in", "on", "at", "to", "for", "from", "by", "with", "as", "is", "are", "was", "were", "be", "been", "being", "am", "it", "its", "it's", "he", "she", "they", "them", "his", "her", "their", "we", "our", "you", "your", "i", "me", "my", "do", "does", "did", "done", "has", "have", "had", "having", "will", "would", "shall", "should", "can", "could", "may", "might", "must", "which", "who", "whom", "whose", "what", "when", "where", "why", "how", "also", "very", "more", "most", "some", "any", "each", "every", "all", "both", "either", "other", "such", "only", "own", "same", "so", "too", "just", "into", "onto", "about", "over", "under", "after", "before", "during", "while", "between", "among", "through", "per", "via", "up", "down", "out", "off", "again", "further", "once", "one", "first", "second", "true", "false", "following", "statement", "answer", "question", "called", "known", "named", "used", "use", "uses", "using", "one's", "yes"]
)
NEGATIONS = frozenset(["not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "without", "n't", "isn't", "aren't", "wasn't", "weren't", "doesn't", "don't", "didn't", "won't", "can't", "hasn't", "haven't", "hadn't"])

_CJK_CHAR = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK_CHAR}]|\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_CJK_RE = re.compile(rf"[{_CJK_CHAR}]")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").replace("’", "'")


def stem(word: str) -> str:
    """A light suffix stripper (treats/treated/treating -> treat; studies -> study); no dictionary."""
    w = word.casefold()
    if len(w) <= 3 or _CJK_RE.match(w) or w[0].isdigit():
        return w
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""),
                         ("ly", "")):  # fmt: skip
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: len(w) - len(suffix)] + repl
            break
    return w[:-1] if len(w) > 4 and w.endswith("e") else w


def tokens(text: str) -> list[str]:
    """Word, number and CJK-character tokens of `text`, in order (case kept)."""
    return _TOKEN.findall(_norm(text))


def content_stems(text: str) -> list[str]:
    """Stems of the content words of `text` (stop words and negations removed), in order, repeats kept."""
    return [stem(t) for t in tokens(text) if t.casefold() not in STOPWORDS and t.casefold() not in NEGATIONS]


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(_norm(text))}


def has_negation(text: str) -> bool:
    low = _norm(text).casefold()
    return any(t in NEGATIONS for t in re.findall(r"[a-z]+(?:'t)?", low)) or "n't" in low


def inner_names(text: str) -> list[str]:
    """Capitalised words that are not the first word of a sentence: names, in English-like text."""
    out = []
    for sentence in re.split(r"(?<=[.!?:;])\s+|\n", _norm(text)):
        words = _TOKEN.findall(sentence)
        for word in words[1:]:
            if word[:1].isupper() and word.casefold() not in STOPWORDS:
                out.append(word)
    return out


def normalize_span(text: str) -> str:
    """Casefolded, punctuation-free, single-spaced form used to compare answer spans and names."""
    return " ".join(t.casefold() for t in tokens(text))


def span_pattern(span: str) -> re.Pattern:
    """Case-insensitive regex for `span` as whole words, any run of whitespace between its words."""
    return re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in span.split()) + r"(?!\w)", re.IGNORECASE)


def contains_span(haystack: str, span: str) -> bool:
    """True when `span` occurs in `haystack` as whole tokens (case/punctuation-insensitive)."""
    needle = normalize_span(span)
    return bool(needle) and f" {needle} " in f" {normalize_span(haystack)} "


@dataclass
class Support:
    """Result of `check_support`: `supported`, the content-word `coverage` in [0, 1], the claim words
    the evidence lacks (`missing`), and `reason` ('' when supported, else 'kind: detail')."""

    supported: bool
    coverage: float
    reason: str = ""
    missing: list[str] = field(default_factory=list)


def check_support(claim: str, evidence: Iterable[str], min_coverage: float = 0.75) -> Support:
    """Is `claim` stated by `evidence` (a list of sentences)? See the module docstring for the rules.

    Raises nothing: an empty claim is unsupported ('empty_claim'), empty evidence too ('no_evidence').
    """
    sentences = [s for s in evidence if s and s.strip()]
    if not claim or not claim.strip():
        return Support(False, 0.0, "empty_claim")
    if not sentences:
        return Support(False, 0.0, "no_evidence")
    joined = "\n".join(sentences)
    missing_numbers = sorted(numbers(claim) - numbers(joined))
    if missing_numbers:
        return Support(False, 0.0, f"number_not_in_evidence: {', '.join(missing_numbers)}", missing_numbers)
    evidence_stems = set(content_stems(joined)) | {t.casefold() for t in tokens(joined)}
    # every capitalised word counts, the first of a sentence too: a swapped subject is a swapped name
    capitalised = [t for t in tokens(claim) if t[:1].isupper() and t.casefold() not in STOPWORDS]
    missing_names = [n for n in dict.fromkeys(capitalised) if stem(n) not in evidence_stems]
    if missing_names:
        return Support(False, 0.0, f"name_not_in_evidence: {', '.join(missing_names)}", missing_names)
    claim_stems = list(dict.fromkeys(content_stems(claim)))
    if not claim_stems:
        return Support(False, 0.0, "no_content_words")
    missing = [w for w in claim_stems if w not in evidence_stems]
    coverage = 1 - len(missing) / len(claim_stems)
    best = max(sentences, key=lambda s: len(set(content_stems(s)) & set(claim_stems)))
    if has_negation(claim) != has_negation(best):
        return Support(False, coverage, "negation_mismatch", missing)
    if coverage < min_coverage:
        return Support(False, coverage, f"low_coverage: {coverage:.2f} (missing: {', '.join(missing[:6])})",
                       missing)  # fmt: skip
    return Support(True, coverage, "", missing)


def gives_away(question: str, answer_span: str) -> bool:
    """True when the question already contains the answer span (a question that answers itself)."""
    return contains_span(question, answer_span)
