"""Grounded annotation rules for AIDE (pure logic): an answer counts only when its evidence states it.

The same support check as GraphGen's QA (`synth_hf.text.support`):
- free text: the annotator's answer must pass `check_support` against the evidence sentences and the
  question must not already contain it;
- MCQ: exactly one option occurs in the evidence (`contains_span`); that option is the answer and
  every distractor is unsupported; the question must not contain it;
- both: a sentence that states the answer must also be about the question — every name of the question
  (or, without names, two of its content words) occurs in it — so a supported
  span is not accepted as the answer to a question about something else (`answer_not_about_question`);
- true / false: a statement the evidence supports is true; one that contradicts it (a number, a
  name or the negation differs from evidence that shares most of its other words) is false; anything else cannot be decided.
Each function returns the answer (or None) and '' or the reason the row is dropped (a short kind,
so drops count by kind: `unsupported_answer: low_coverage`, `mcq_supported_options: 0`, ...).
"""

from __future__ import annotations

import math
import re

from synth_hf.items import LETTERS
from synth_hf.text.support import (
    STOPWORDS,
    check_support,
    contains_span,
    content_stems,
    gives_away,
    stem,
    tokens,
)

# check_support reasons that mean "the evidence says otherwise", not "the evidence is silent"
CONTRADICTION = ("number_not_in_evidence", "name_not_in_evidence", "negation_mismatch")
# ...and only when the evidence is about the same thing (share of the statement's content words in it)
MIN_TOPIC_OVERLAP = 0.5


def overlap(text: str, evidence: list[str]) -> float:
    """Share of the distinct content words of `text` that occur in `evidence` (0 when it has none)."""
    words = set(content_stems(text))
    return len(words & set(content_stems(" ".join(evidence)))) / len(words) if words else 0.0


def clean_answer(text: str | None) -> str:
    """First line of a reply, without an 'Answer:' label, quotes or a final full stop."""
    line = str(text or "").split("###")[0].strip().split("\n")[0].strip()
    line = re.sub(r"^\s*(?:final\s+)?answer\s*[:：]\s*", "", line, flags=re.IGNORECASE)
    return line.strip(" \"'“”").rstrip(".").strip()


def _question_terms(question: str, exclude: set[str]) -> tuple[set[str], set[str], int]:
    """(names, other content words, how many of those words a sentence needs) of a question; the
    question's first word and the `exclude` stems do not count."""
    names = {stem(t) for t in tokens(question)[1:] if t[:1].isupper() and t.casefold() not in STOPWORDS}
    names -= exclude
    words = set(content_stems(question)) - exclude - names
    return names, words, 0 if names else min(2, len(words))  # names tie a sentence to the question


def _carries(sentence: str, names: set[str], words: set[str], need: int) -> bool:
    present = set(content_stems(sentence)) | {t.casefold() for t in tokens(sentence)}
    return names <= present and len(words & present) >= need


def about_question(question: str, answer: str, evidence: list[str]) -> bool:
    """True when some evidence sentence that states `answer` also carries all the question's names, or,
    for a question that names nothing, two of its content words (all when it has fewer); the answer's
    own words and the question's first word do not count."""
    names, words, need = _question_terms(question, set(content_stems(answer)))
    for sentence in evidence:
        if not (contains_span(sentence, answer) or check_support(answer, [sentence]).supported):
            continue
        if _carries(sentence, names, words, need):
            return True
    return False


def groundable(question: str, evidence: list[str]) -> bool:
    """True when some evidence sentence carries the question's names (or, without names, two of its
    content words; all when it has fewer): the precondition of a supported free-text answer, checked
    before an annotator call is spent. A supported answer needs a sentence that states it and carries
    the question's terms other than the answer's own (`about_question`); an answer stated by its
    sentence puts those excluded terms in that sentence too, so a question that fails here cannot pass
    `ground_free_text` (up to a paraphrased answer that `check_support` accepts without every word) and
    has no `evidence_sentence_answer` either."""
    return bool(question_sentences(question, evidence))


def question_sentences(question: str, evidence: list[str]) -> list[str]:
    """The evidence sentences that carry the question's names (or two of its content words), in
    retrieval order: what the annotator is shown, since an answer copied from any other sentence is
    about something else (`answer_not_about_question`). Empty when the question is not `groundable`."""
    names, words, need = _question_terms(question, set())
    return [sentence for sentence in evidence if _carries(sentence, names, words, need)]


def evidence_sentence_answer(question: str, evidence: list[str]) -> str | None:
    """The deterministic fallback for an annotator too weak to phrase a supported answer: the first
    evidence sentence (retrieval order) that carries the question's names (or, without names, two of
    its content words) and says more than the question does, skipping markdown headings ('# ...');
    None when no sentence qualifies.
    Supported by construction. It must also carry at least half of the question's other content words
    (the relation asked about: "What vaccine prevents Kelmar fever?" is not answered by "Kelmar fever is
    treated with Zorvatide.", nor a diabetes vignette by "Beta-blockers are not first-line for
    uncomplicated hypertension."), so a neighbouring fact is not taken for the answer."""
    names, words, need = _question_terms(question, set())
    asked = set(content_stems(question))
    relation = max(need, math.ceil(len(words) / 2))  # a long name-less question needs as much said back
    for sentence in evidence:
        if sentence.lstrip().startswith("#"):  # a document heading states no fact (8 of 31 recipe rows)
            continue
        if _carries(sentence, names, words, relation) and set(content_stems(sentence)) - asked:
            return sentence.strip()
    return None


def ground_free_text(question: str, answer: str | None, evidence: list[str]) -> tuple[str | None, str]:
    """(answer, '') when `answer` is supported by `evidence` and not given away by `question`."""
    answer = clean_answer(answer)
    if not answer:
        return None, "no_answer"
    if gives_away(question, answer):
        return None, "question_gives_answer"
    support = check_support(answer, evidence)
    if not support.supported:
        return None, f"unsupported_answer: {_kind(support.reason)}"
    if not about_question(question, answer, evidence):
        return None, "answer_not_about_question"
    return answer, ""


def ground_mcq(question: str, options: list[str], evidence: list[str]) -> tuple[str | None, str]:
    """(letter, '') when exactly one option is in the evidence; else (None, reason)."""
    joined = " ".join(evidence)
    hits = [i for i, option in enumerate(options) if contains_span(joined, option)]
    if len(hits) != 1:
        return None, f"mcq_supported_options: {min(len(hits), 2)}"  # 0, or 2 meaning 2+
    if gives_away(question, options[hits[0]]):
        return None, "question_gives_answer"
    if not about_question(question, options[hits[0]], evidence):
        return None, "answer_not_about_question"
    return LETTERS[hits[0]], ""


def ground_true_false(statement: str, evidence: list[str]) -> tuple[str | None, str]:
    """('true' | 'false', '') when the evidence supports or contradicts the statement."""
    support = check_support(statement, evidence)
    if support.supported:
        return "true", ""
    if support.reason.startswith(CONTRADICTION) and overlap(statement, evidence) >= MIN_TOPIC_OVERLAP:
        return "false", ""
    return None, f"statement_not_decidable: {_kind(support.reason)}"


def _kind(reason: str) -> str:
    return reason.split(":")[0]
