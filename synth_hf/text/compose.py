"""Join facts about one subject into one statement, without adding a word the evidence lacks.

"Zorvatide is manufactured by Lumera Pharma." + "Zorvatide was approved for use in 2009." ->
"Zorvatide is manufactured by Lumera Pharma and was approved for use in 2009." An aggregated answer
phrased this way states two facts of one entity in a single claim (the shape of "which of these is
true of X" options), and every content word still comes from the two sentences, so the support check
applies unchanged. Pure string logic (tests/text/test_text_compose.py).
"""

from __future__ import annotations

import re

from synth_hf.text.support import has_negation, span_pattern

_END = ".!?;:。！？"
# words that limit what a clause says as much as "not" does: joined, their scope would blur
_HEDGES = frozenset(["unless", "rarely", "seldom", "hardly", "barely", "lacks", "lack", "fails", "fail", "except",
                     "only", "unsafe", "although", "though", "but", "however", "if"])  # fmt: skip
_AUX = frozenset(["is", "was", "are", "were", "has", "had", "have", "can", "could", "may", "might", "must", "should",
                  "will", "would", "does", "did", "do"])  # fmt: skip


_ADVERBS = frozenset(["first", "also", "often", "usually", "mainly", "still", "now", "later", "once", "always"])


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.casefold())


def predicate(sentence: str, subject: str) -> str | None:
    """What `sentence` says of `subject` when it opens with it and goes on with a verb ('<subject> was
    approved in 2009.' -> 'was approved in 2009'); None otherwise: the subject does not open the sentence,
    is only the start of a longer name ('Kelmar' of 'Kelmar fever', 'Zorvatide' of 'Zorvatide-XR'), or the
    rest does not start with a verb (an auxiliary or a lowercase word ending in -s / -ed)."""
    body = sentence.strip().rstrip(_END).strip()
    m = span_pattern(subject).match(body) if subject.strip() else None
    if not m:
        return None
    rest = body[m.end() :]
    if not rest[:1].isspace():  # 'Zorvatide-XR', "Zorvatide's", 'Zorvatide:'
        return None
    rest = rest.strip()
    words = [w for w in rest.split() if w not in _ADVERBS and not w.endswith("ly")]  # 'first isolated'
    first = words[0] if words else ""
    verb = first in _AUX or (first.isalpha() and first.islower() and first.endswith(("s", "ed")) and not first.endswith("ss"))
    return rest if verb else None


def join_same_subject(first: str, second: str, subject: str) -> str | None:
    """One sentence stating both facts when both open with `subject`: the first sentence, 'and', the
    second's predicate. None (the caller keeps the two sentences as they are) when either sentence does
    not open with the subject followed by a verb, the first has more than one clause (a comma, ';' or
    'and': the joined predicate would attach to its last subject), or either carries a negation or a
    hedge ('unless', 'rarely', 'only', ...: joined, what it covers would blur)."""
    if any(has_negation(x) or _HEDGES & set(_words(x)) for x in (first, second)):
        return None
    one, two = predicate(first, subject), predicate(second, subject)
    if one is None or two is None or re.search(r"[,;]|\band\b", one):
        return None
    head = first.strip().rstrip(_END).strip()
    return f"{head} and {two}."


def closed_sentence(sentence: str) -> str:
    """The sentence with its spacing tidied and a full stop when it has no end mark (answers join
    sentences: 'X is made by Y' + 'Y is based in Z' must not run together)."""
    text = re.sub(r"\s+", " ", sentence.strip())
    return text if not text or text[-1] in _END + "\"'”’)" else f"{text}."


def join_facts(sentences: list[str], subject: str, language: str = "en") -> list[str]:
    """`sentences` with consecutive pairs that both open with `subject` joined into one statement
    (`join_same_subject`, English only: the joint is the English 'and'); the others as they are, closed
    with a full stop when they lack an end mark, in order. Shape: n sentences -> between ceil(n/2) and
    n statements."""
    if not (language or "en").startswith("en"):
        return [closed_sentence(x) for x in sentences]
    out: list[str] = []
    i = 0
    while i < len(sentences):
        joined = join_same_subject(sentences[i], sentences[i + 1], subject) if i + 1 < len(sentences) else None
        if joined:
            out.append(joined)
            i += 2
        else:
            out.append(closed_sentence(sentences[i]))
            i += 1
    return out
