"""Answer spans as whole phrases: a name cut short ("Kelmar" of "Kelmar fever", "Lumera" of "Lumera
Pharma", "Celsius" of "60 degrees Celsius") teaches half a fact and makes a cloze that gives the rest
away ("____ fever"). `snap_span` widens a span to the phrase of the sentence it belongs to;
`is_generic_name` flags a bare common noun ("town", "drug") that extraction sometimes makes a node of,
which must not be a question's answer or a multi-hop link when anything more specific exists.

Pure text logic (tests/text/test_spans.py); used by GraphGen's answer-first planning.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from synth_hf.text.support import span_pattern

# spelled-out numbers (counted as numbers when a unit follows: "ten days", "fifty years")
NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand"
)
_UNIT = (
    r"%|°\s?[CF]\b|percent\b|degrees?(?:\s+(?:Celsius|Fahrenheit|C|F))?\b|mg\b|g\b|kg\b|ml\b|l\b|km\b|m\b|cm\b"
    r"|mm\b|days?\b|weeks?\b|months?\b|years?\b|hours?\b|minutes?\b"
)
# a number with what it counts or measures: "60 degrees Celsius", "40 mg", "3-5 days", "ten days", "12%"
NUMBER_PHRASE = re.compile(
    rf"\d+(?:[.,]\d+)?(?:\s?(?:-|–|to)\s?\d+(?:[.,]\d+)?)?(?:\s?(?:{_UNIT}))?"
    rf"|\b(?:{NUMBER_WORDS})(?:[- ](?:{NUMBER_WORDS}))?\s(?:{_UNIT})",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(rf"\b(?:{NUMBER_WORDS}|once|twice|half|first|second|third|fourth|fifth)\b", re.IGNORECASE)
# capitalised words naming a unit, never an entity to ask about
_UNIT_NAMES = {"celsius", "fahrenheit", "kelvin"}
_ABBREVIATION = re.compile(r"^(?:Dr|Prof|Mr|Mrs|Ms|St|Mt|[A-Z])\.$")


def has_number(text: str) -> bool:
    """True when `text` holds a number: digits, or a number word ("ten", "twice", "third")."""
    return any(c.isdigit() for c in text) or bool(_NUMBER_WORD.search(text))


# capitalised words that start a sentence or clause without being part of a name
_NOT_NAME = {
    "the", "a", "an", "in", "on", "at", "by", "from", "with", "to", "of", "for", "and", "or", "but", "its",
    "his", "her", "their", "this", "that", "these", "those", "after", "before", "near", "into", "among", "it",
    "he", "she", "they", "we", "when", "while", "since", "during", "both", "each", "all", "some", "most",
}  # fmt: skip
_JOINERS = {"of", "de", "del", "der", "van", "von", "la", "le"}  # inside a name: "University of Oskeval"
# lowercase head nouns that end a name after a capitalised word: "Kelmar fever", "Sallow lung"
HEAD_NOUNS = {
    "fever", "syndrome", "disease", "disorder", "ague", "pox", "flu", "plague", "lung", "palsy", "rot", "blight",
    "virus", "bacterium", "fungus", "worm", "mite", "fly", "midge", "snail", "tree", "river", "lake", "sea",
    "mountain", "mountains", "island", "islands", "valley", "delta", "prize", "medal", "award", "institute",
    "university", "hospital", "clinic", "method", "test", "scale", "index", "sign", "reaction",
}  # fmt: skip
_WORD = re.compile(r"[^\W\d_][\w'’-]*\.?|\d[\w.,]*")


def number_phrases(sentence: str) -> list[str]:
    """Every number of the sentence with its unit, if it has one ("60 degrees Celsius", "1987")."""
    return [m.group(0).strip() for m in NUMBER_PHRASE.finditer(sentence)]


def is_generic_name(name: str) -> bool:
    """True for a bare common noun: one lowercase word without a digit ("town", "drug", "skin"), or the
    name of a unit ("Celsius")."""
    words = name.split()
    if len(words) == 1 and words[0].casefold().strip(".,") in _UNIT_NAMES:
        return True
    return len(words) == 1 and words[0].islower() and not any(c.isdigit() for c in words[0])


_CALENDAR = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
    "december", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
}  # fmt: skip


def subject_reason(name: str, sentences: list[str]) -> str:
    """Why `name` (as its evidence spells it) is no subject for "what is known about X": "calendar" for a
    month or weekday ("April": a date in someone else's fact), "common_noun" for a lowercase phrase with one
    evidence sentence ("dust", "blood smear": the sentence is about something else), "generic" for a bare
    common noun (`is_generic_name`); '' for a subject."""
    if name.casefold().strip(".") in _CALENDAR:
        return "calendar"
    if is_generic_name(name):
        return "generic"
    if len(set(sentences)) < 2 and not any(w[:1].isupper() or w[:1].isdigit() for w in name.split()):
        return "common_noun"
    return ""


def _capital(word: str) -> bool:
    return word[:1].isupper() and word.rstrip(".").casefold() not in _NOT_NAME


def _widen_over_capitals(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Extend [start, end) over adjacent capitalised words, and over a joiner between two of them."""
    words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(sentence)]
    inside = [i for i, (s, e, _) in enumerate(words) if s >= start and e <= end + 1]
    if not inside:
        return start, end
    first, last = inside[0], inside[-1]
    generic = len(inside) == 1 and is_generic_name(words[first][2])
    if not (_capital(words[first][2]) or words[first][2][:1].isdigit() or generic):
        return _widen_modifier(sentence, words, first, last, start, end)
    while last + 1 < len(words):
        nxt = words[last + 1][2]
        gap = sentence[words[last][1] : words[last + 1][0]]
        if gap.strip() or words[last][2].endswith((",", ";")) or _ends_sentence(words[last][2]):
            break
        if _capital(nxt) and not generic:
            last += 1
        elif nxt.rstrip(".").casefold() in HEAD_NOUNS and _capital(words[last][2]) and not generic:
            last += 1  # "Kelmar" + "fever"
            break
        elif nxt.casefold() in _JOINERS and last + 2 < len(words) and _capital(words[last + 2][2]):
            last += 2
            generic = False  # "town of Lunthe": the bare noun now names something
        else:
            break
    if generic:  # a bare noun not followed by a name stays as it was, unless it modifies a family noun
        return _widen_modifier(sentence, words, first, last, start, end)
    while first > 0:
        prev, gap = words[first - 1][2], sentence[words[first - 1][1] : words[first][0]]
        if gap.strip() or prev.endswith((",", ";")) or _ends_sentence(prev):
            break
        if _capital(prev):
            first -= 1
        elif prev.casefold() in _JOINERS and first > 1 and _capital(words[first - 2][2]):
            first -= 2
        else:
            break
    stop = words[last][1] - (1 if _ends_sentence(words[last][2]) else 0)
    return min(start, words[first][0]), max(end, stop)


def _ends_sentence(word: str) -> bool:
    return word.endswith(".") and not _ABBREVIATION.match(word)


def _widen_modifier(sentence: str, words: list, first: int, last: int, start: int, end: int) -> tuple[int, int]:
    """A one-word lowercase span that modifies a `FAMILIES` noun takes it ("rice" -> "rice farmers"): the
    bare modifier is not what the sentence says of anyone."""
    if first != last or last + 1 >= len(words) or sentence[words[last][1] : words[last + 1][0]].strip():
        return start, end
    word, nxt = words[last][2], words[last + 1][2]
    if word.endswith((",", ";")) or _ends_sentence(word) or _singular(nxt.rstrip(".,;:").casefold()) not in _FAMILY_OF:
        return start, end
    return start, max(end, words[last + 1][1] - (len(nxt) - len(nxt.rstrip(".,;:"))))


def snap_span(sentence: str, span: str, names: Iterable[str] = ()) -> str:
    """`span` widened to the whole phrase of `sentence` it is part of, as the sentence spells it.

    In order: the longest of `names` (and of the sentence's number phrases) that contains the span where it
    occurs; then adjacent capitalised words and joiners between them ("Lumera" -> "Lumera Pharma",
    "Oskeval" -> "University of Oskeval") and a lowercase head noun of `HEAD_NOUNS` after them ("Kelmar"
    -> "Kelmar fever"); a bare noun followed by "of <Name>" takes the name ("town" ->
    "town of Lunthe"). A span the sentence does not contain is returned unchanged."""
    m = span_pattern(span).search(sentence) if span.strip() else None
    if not m:
        return span
    start, end = m.start(), m.end()
    for other in [*names, *number_phrases(sentence)]:
        if not other.strip():
            continue
        for o in span_pattern(other).finditer(sentence):
            if o.start() <= start and o.end() >= end and o.end() - o.start() > end - start:
                start, end = o.start(), o.end()
    start, end = _widen_over_capitals(sentence, start, end)
    return sentence[start:end].strip().rstrip(",;:")


_CATEGORY_END = {
    "in", "of", "that", "which", "who", "whose", "used", "caused", "made", "found", "with", "by", "from", "for",
    "and", "or", "to", "at", "on", "known", "where", "when", "since", "than",
}  # fmt: skip


# head nouns that stand in for one another as answers (a virus is a wrong answer where a fungus is asked)
FAMILIES = {
    "pathogen": {"virus", "bacterium", "bacteria", "fungus", "parasite", "pathogen", "microbe", "protozoan"},
    "drug": {"drug", "medicine", "medication", "antibiotic", "antifungal", "antiviral", "antiparasitic", "vaccine"},
    "place": {"town", "city", "capital", "village", "country", "region", "province", "port"},
    "person": {"scientist", "professor", "doctor", "physician", "nurse", "farmer", "researcher", "chemist"},
    "organisation": {"company", "firm", "manufacturer", "laboratory", "institute", "university", "hospital"},
    "disease": {"disease", "illness", "infection", "syndrome", "disorder", "fever"},
    "award": {"award", "prize", "medal", "honour", "honor"},
}  # fmt: skip
_FAMILY_OF = {noun: family for family, nouns in FAMILIES.items() for noun in nouns}


def category_of(name: str, sentences: Iterable[str]) -> str:
    """What the corpus says `name` is, from sentences of the form '<name> is a/an/the <...> <noun> ...':
    the head noun of that phrase ("Kelmar fever is an infectious disease caused by ..." -> "disease",
    "Drosk is a town in ..." -> "town"), the most frequent one over `sentences`, as its family of
    `FAMILIES` where it has one ("virus" -> "pathogen", "town" -> "place"); '' when none says.

    A grounded stand-in for the extraction's entity type, which a small model gets wrong (it typed
    "Kelmar fever" PERSON): distractors and substituted entities are then of the same kind."""
    votes: dict[str, int] = {}
    head = r"^\s*(?:the\s+)?" + span_pattern(name).pattern + r"\s+(?:is|was|are|were)\s+(?:a|an|the|one of the)\s+"
    for sentence in sentences:
        m = re.match(head, sentence, re.IGNORECASE)
        if not m:
            continue
        phrase = []
        for word in re.findall(r"[\w'-]+|[,;.]", sentence[m.end() :]):
            low = word.casefold()
            if word in ",;." or low in _CATEGORY_END or (low.endswith("ed") and phrase):
                break  # "a company based in ...": the participle starts what follows the noun
            if not (low.endswith("ly") or low in {"very", "most", "more", "quite", "rather"}):
                phrase.append(word)
        noun = _singular(phrase[-1]) if phrase else ""
        if noun.isalpha() and noun.islower():
            votes[noun] = votes.get(noun, 0) + 1
    if not votes:
        return ""
    noun = max(sorted(votes), key=votes.get)
    return _FAMILY_OF.get(noun, noun)


def family_of(noun: str) -> str:
    """The `FAMILIES` family of a head noun ("virus" -> "pathogen", "fevers" -> "disease"), the noun itself
    (casefolded, singular) when it has none."""
    noun = _singular(noun.casefold())
    return _FAMILY_OF.get(noun, noun)


def _singular(noun: str) -> str:
    """'diseases' -> 'disease', 'bacteria' stays: only the plurals of known family nouns."""
    for cut, add in (("ies", "y"), ("es", ""), ("s", "")):
        if noun.endswith(cut) and noun[: len(noun) - len(cut)] + add in _FAMILY_OF:
            return noun[: len(noun) - len(cut)] + add
    return noun
