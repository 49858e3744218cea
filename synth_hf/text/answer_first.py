"""Answer-first QA: pick the answer from the evidence, then ask for a question, then verify.

The answer is always a span of an evidence sentence (an entity name or a number), so it is supported by
construction; the LLM only phrases the question, and `verify_question` rejects a question that gives the
answer away, names what the evidence does not, or is not a question. Where the LLM fails, a deterministic
cloze question built from the evidence sentence covers the fact (`generator: template`).

Pure logic: prompts, answer choice, question templates and verification (tests/graphgen/test_answer_first.py),
shared by GraphGen's QA modes (`synth_hf/steps/graphgen/modes/`) and AIDE's answer-first synthesis
(`synth_hf/steps/aide/answer_first.py`); items render in `synth_hf.items`.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable

from synth_hf.text.compose import predicate
from synth_hf.text.examples import copied_from_examples
from synth_hf.text.spans import FAMILIES, has_number, is_generic_name, number_phrases, snap_span
from synth_hf.text.substitute import same_kind
from synth_hf.text.support import (
    check_support,
    contains_span,
    content_stems,
    gives_away,
    has_negation,
    inner_names,
    normalize_span,
    span_pattern,
    stem,
    tokens,
)

STOP = ["\n", "###"]
BLANK = "____"

QUESTION_PROMPT = """Write one question about the sentence. The answer to the question must be the given answer. \
The question must not contain the answer.

Sentence: The Danube flows through Vienna and empties into the Black Sea.
Answer: Black Sea
Question: Into which sea does the Danube empty?
###
Sentence: Marie Curie discovered polonium in 1898.
Answer: 1898
Question: In which year did Marie Curie discover polonium?
###
Sentence: {sentence}
Answer: {answer}
Question:"""

MULTI_HOP_PROMPT = """Write one question that needs both facts: it names the start, must not name the link, and \
its answer is the given answer.

Fact 1: Vienna lies on the Danube.
Fact 2: The Danube empties into the Black Sea.
Start: Vienna
Link: Danube
Answer: Black Sea
Question: Into which sea does the river that flows through Vienna empty?
###
Fact 1: {first}
Fact 2: {second}
Start: {start}
Link: {link}
Answer: {answer}
Question:"""

EXAMPLE_QUESTIONS = {
    "into which sea does the danube empty?", "in which year did marie curie discover polonium?",
    "into which sea does the river that flows through vienna empty?",
}  # fmt: skip


def answer_spans(sentence: str, names: list[str]) -> list[str]:
    """Answer candidates in a sentence: the given names it mentions, then its numbers (with a unit);
    never a span glued to a hyphen ('Zorvatide' of 'Zorvatide-XR', the '1' of 'GLP-1'), whose blank
    would ask for part of a word."""
    spans = [n for n in names if n and contains_span(sentence, n)]
    spans += number_phrases(sentence)
    return [x for x in dict.fromkeys(spans) if not glued(sentence, x)]


def glued(sentence: str, span: str) -> bool:
    """True when every occurrence of `span` in `sentence` continues a word: a letter or digit, or a
    hyphen, right before or after it ("Zorvatide" of "Zorvatide-XR", the "1" of "GLP-1" or "HbA1c")."""
    found = list(span_pattern(span).finditer(sentence))
    return bool(found) and all(
        (m.start() > 0 and (sentence[m.start() - 1].isalnum() or sentence[m.start() - 1] in "-‐–"))
        or (m.end() < len(sentence) and (sentence[m.end()].isalnum() or sentence[m.end()] in "-‐"))
        for m in found
    )


_COPULA = re.compile(r"\s(?:is|are|was|were)\s+(?:(?:also|usually|often|mainly|only|not|first)\s+)*", re.IGNORECASE)
_PREPOSITION = re.compile(r"\s(?:by|in|on|at|from|with|to|of|into|among|for|after|near)\s+", re.IGNORECASE)
MAX_TAIL_WORDS = 8


def predicate_tail(sentence: str) -> str:
    """What the sentence says of its subject after its first copula ('The main symptom of X is <tail>.'),
    when that is a short phrase (<= MAX_TAIL_WORDS words); '' otherwise."""
    body = sentence.strip().rstrip(".!?;:").strip()
    m = _COPULA.search(body)
    if not m or m.start() == 0:
        return ""
    return _one_phrase(body[m.end() :], MAX_TAIL_WORDS)


def _bare_subject(body: str, names: list[str]) -> bool:
    """The words before the first copula are only the subject's name ("Brindle ague is ..."), not a
    relation phrase ("The earliest sign of Kelmar fever is ...")."""
    m = _COPULA.search(body)
    if not m or m.start() == 0:
        return False
    subject = body[: m.start()].strip()
    words = subject.split()
    named = subject.casefold() in {n.casefold() for n in names}
    return named or (len(words) <= 3 and not {"of", "the", "a", "an"} & {w.casefold() for w in words})


def prepositional_tail(sentence: str) -> str:
    """The phrase after the sentence's last preposition ('Harnveld lies on the banks of <the river Sell>'),
    when it is short (<= 7 words) and not in the first third of the sentence; a preposition inside a name
    ('Institute of Tropical Medicine') does not count. '' otherwise."""
    body = sentence.strip().rstrip(".!?;:").strip()
    for m in reversed(list(_PREPOSITION.finditer(body))):
        before, after = body[: m.start()].split()[-1:], body[m.end() :].split()[:1]
        if before and after and before[0][:1].isupper() and after[0][:1].isupper():
            continue  # inside a name
        if m.start() < len(body) // 3:
            return ""
        return _one_phrase(body[m.end() :], 7)
    return ""


_CLAUSE = re.compile(r"\s(?:and|but|or|which|that|who|where|while)\s|,", re.IGNORECASE)
_PRONOUNS = {"its", "his", "her", "their", "our", "my", "your", "it", "them", "this", "these", "those"}


def _one_phrase(tail: str, max_words: int) -> str:
    """`tail` when it is one short phrase to ask for; '' for a clause ("1998 and affected 640 people",
    "Brevimast is hiccups"), a pronoun phrase ("its host") or more than `max_words` words."""
    words = tail.split()
    clause = _CLAUSE.search(f" {tail.strip()} ") or _COPULA.search(f" {tail.strip()} ")
    if not words or len(words) > max_words or clause or words[0].casefold() in _PRONOUNS:
        return ""
    return tail.strip()


def teaching_spans(sentence: str, names: list[str], known: list[str] = ()) -> list[str]:
    """Answer candidates ordered for teaching the fact forward, as questions usually ask it: the span that
    ends the sentence (its object: 'Kelmar fever is treated with <Zorvatide>'), else the predicate after
    the copula ('... side effect of Quenamycin is <a metallic taste>') or the last prepositional phrase, then the other names and numbers
    right to left, the sentence's subject last (a question that names the subject and relation needs
    the object recalled; blanking the subject leaves the rest of the fact copyable from the question).
    Each span is first widened to its whole phrase (`snap_span`, with the graph's `known` names); a bare
    common noun ("town") comes after every other span."""
    body = sentence.strip().rstrip(".!?;:").strip()
    found = []
    for span in answer_spans(sentence, names):
        span = snap_span(body, span, [*names, *known])
        m = span_pattern(span).search(body)
        if m and span not in {f[2] for f in found}:
            found.append((m.start(), m.end(), span))
    generic = [f for f in found if is_generic_name(f[2])]
    if len(generic) < len(found):
        found = [f for f in found if f not in generic]
    ending = [s for start, end, s in found if end >= len(body) and start > 0]
    predicate, prepositional = predicate_tail(sentence), prepositional_tail(sentence)
    # "Brindle ague is ____." has many right answers: after a bare subject ask the last prepositional
    # phrase instead ("Brindle ague is most common among ____.")
    order = [prepositional, predicate] if _bare_subject(body, [*names, *known]) else [predicate, prepositional]
    tail = next((x for x in order if x and not is_generic_name(x)), "")
    middle = [s for start, _, s in sorted(found, key=lambda f: -f[1]) if start > 0 and s not in ending]
    subject = [s for start, _, s in found if start == 0]
    ordered = [*ending, *([tail] if tail and not ending else []), *middle, *subject, *(g[2] for g in generic)]
    return list(dict.fromkeys(ordered))


def question_prompt(sentence: str, answer: str) -> str:
    return QUESTION_PROMPT.format(sentence=sentence, answer=answer)


def multi_hop_prompt(first: str, second: str, start: str, link: str, answer: str) -> str:
    return MULTI_HOP_PROMPT.format(first=first, second=second, start=start, link=link, answer=answer)


def clean_question(raw: str) -> str:
    text = " ".join((raw or "").split("###")[0].split())
    text = re.sub(r"^(question\s*:\s*)", "", text, flags=re.IGNORECASE)
    if "?" in text:
        text = text[: text.index("?") + 1]
    return text.strip()


def verify_question(question: str, answer: str, evidence: list[str], must_name: list[str] = (),
                    must_not_name: list[str] = ()) -> str:  # fmt: skip
    """'' when the question is usable, else the reason: not a question, too short/long, gives the answer
    away, copies a few-shot example, names something the evidence does not, lacks a required name
    (`must_name`: at least one of them) or names a hidden one (`must_not_name`, e.g. a multi-hop link)."""
    if not answer.strip():
        return "empty_answer"
    if not question.rstrip().endswith(("?", "？")):
        return "not_a_question"
    words = tokens(question)  # a CJK character counts as a word
    if not 3 <= len(words) <= 40:
        return "question_length"
    if gives_away(question, answer):
        return "question_gives_answer"
    if question.casefold() in EXAMPLE_QUESTIONS or copied_from_examples(question, " ".join(evidence)):
        return "copied_example"
    joined = " ".join(evidence)
    foreign = [n for n in inner_names(question) if not contains_span(joined, n)]
    if foreign:
        return f"question_names_unknown: {foreign[0]}"
    if must_name and not any(contains_span(question, n) for n in must_name):
        return "question_not_anchored"
    if any(contains_span(question, n) for n in must_not_name):
        return "question_names_link"
    check = check_support(question, evidence, min_coverage=0.5)
    if check.reason.startswith(("number_", "low_coverage")):
        return f"question_unsupported: {check.reason.split(':')[0]}"
    return asks_for_the_answer(question, answer, evidence, [*must_name, *must_not_name])


_ASKS_YEAR = re.compile(r"\b(?:which|what) year\b|\bwhen\b", re.IGNORECASE)
_ASKS_NUMBER = re.compile(r"\b(?:how (?:many|much|long|old|often|far|big)|dose|temperature|percentage|number of|"
                          r"age|amount|size|year|when|duration|rate)\b", re.IGNORECASE)  # fmt: skip
_QUESTION_FRAME = {"name", "kind", "type", "thing", "something", "someone"}


def asks_for_the_answer(question: str, answer: str, evidence: list[str], names: Iterable[str] = ()) -> str:
    """'' when the question asks for what its answer is, else the reason: a year question whose answer
    holds no year, a number question (dose, how many, ...) whose answer has no number, a number answer
    to a question that asks for none, or a question that names no relation of the evidence beyond its
    names ('What is Lumera Pharma?' for 'Brevimast is manufactured by Lumera Pharma') - the 270M model's
    usual ways of writing a fluent question for the wrong answer. `names`: known whole names (the
    sentence's anchors); their words are never the relation, so "venna" of "Plasmorix venna" cannot pass
    "Which disease is caused by Plasmorix venna?" for the reservoir sentence."""
    numeric = has_number(answer)
    if _ASKS_YEAR.search(question) and not re.search(r"\b\d{4}\b", answer):
        return "question_asks_other_type: year"
    if _ASKS_NUMBER.search(question) and not numeric and not _ASKS_YEAR.search(question):
        return "question_asks_other_type: number"
    if numeric and not _ASKS_NUMBER.search(question) and re.match(r"\W*\d", answer):
        return "question_asks_other_type: not a number"
    named = [*inner_names(question), *(n for n in names if contains_span(question, n))]
    name_stems = {stem(w) for n in named for w in tokens(n)}
    relation = [w for w in content_stems(question) if w not in name_stems and w not in _QUESTION_FRAME]
    evidence_stems = set(content_stems(" ".join(evidence)))
    if not any(w in evidence_stems for w in relation):
        return "question_lacks_relation"
    said = next((s for s in reversed(evidence) if contains_span(s, answer)), evidence[-1] if evidence else "")
    if has_negation(question) != has_negation(said):
        return "question_negation_mismatch"  # "Who does not manufacture Zorvatide?" -> the maker
    clause = answer_clause(said, answer)
    if not any(w in set(content_stems(clause)) for w in relation):
        return "question_asks_other_relation"  # "Who approved Zorvatide?" for "... made by <Y> and approved in 2009"
    return ""


_CLAUSE_CUT = re.compile(r"[,;]|\b(?:and|but|while|whereas|which|who)\b", re.IGNORECASE)


def answer_clause(sentence: str, answer: str) -> str:
    """The clause of `sentence` that holds `answer` ('Zorvatide is made by Lumera Pharma and was approved
    in 2009', '2009' -> ' was approved in 2009'), cut at commas, semicolons and conjunctions outside
    the answer; the whole sentence when the answer is not found or spans a cut."""
    m = span_pattern(answer).search(sentence)
    if not m:
        return sentence
    cuts = [c for c in _CLAUSE_CUT.finditer(sentence) if c.end() <= m.start() or c.start() >= m.end()]
    start = max((c.end() for c in cuts if c.end() <= m.start()), default=0)
    end = min((c.start() for c in cuts if c.start() >= m.end()), default=len(sentence))
    return sentence[start:end]


def cloze_question(sentence: str, answer: str) -> str | None:
    """'Fill in the blank: <sentence with the answer blanked>' (None when the span is not found)."""
    if not answer.strip():
        return None
    pattern = span_pattern(answer)
    blanked, n = pattern.subn(BLANK, sentence, count=1)
    return f"Fill in the blank: {blanked}" if n else None


_YEAR = re.compile(r"^(1[5-9]|20)\d\d$")


def wh_question(sentence: str, answer: str) -> str | None:
    """The sentence asked back with its answer replaced by a wh-word: 'Kelmar fever is caused by what?',
    'Who developed Brevimast?', 'Ostravirus was first isolated in which year?' (None: span not found)."""
    if not answer.strip():
        return None
    pattern = span_pattern(answer)
    m = pattern.search(sentence)
    if not m:
        return None
    if _YEAR.match(answer.strip()):
        wh = "which year"
    elif answer.split()[0].rstrip(".").casefold() in {"dr", "prof", "mr", "mrs", "ms"}:
        wh = "who"
    else:
        wh = "what"
    head, tail = sentence[: m.start()], sentence[m.end() :].rstrip().rstrip(".!;:")
    if wh == "what" and answer[:1].isupper() and (title := _TITLE.search(head)):
        head, wh = head[: title.start()], "who"  # "Dr. <name>": a person, the title goes
    if wh == "who" and head.rstrip().casefold().endswith((" by", " with", " to", " from")):
        wh = "whom"
    if wh == "what":  # "the town of <name>" asks "which town"; "at the <gap>" drops the "the"
        head, wh = _which_noun(head, answer[:1].isupper())
    if not head.strip():
        return f"{wh[0].upper()}{wh[1:]}{tail}?"
    return f"{head}{wh}{tail}?"


_TITLE = re.compile(r"(?:^|(?<=\s))(?:Dr|Prof|Mr|Mrs|Ms)\.?\s+$")  # a person's title right before the gap
# -er / -or words that are no kind of person or thing ("the newer Ostrafen", "the former Chancellor")
_NOT_KINDS = {"newer", "older", "elder", "former", "latter", "lower", "upper", "other", "inner", "outer",
              "younger", "greater", "larger", "smaller", "earlier", "later", "further", "major", "minor",
              "prior", "junior", "senior", "superior", "inferior", "interior", "exterior", "bigger", "higher"}  # fmt: skip
_KIND_OF = re.compile(r"\bthe\s+([a-z]+)\s+of\s+$")  # "in the town of <name>"
_KIND_BEFORE = re.compile(r"\bthe\s+([a-z]+)\s+$")  # "named after the miller <name>"
_NAMED_BY_OF = FAMILIES["place"] - {"capital"}  # "the capital of X" names the country, not the capital
_KINDS = set().union(*FAMILIES.values())


def _which_noun(head: str, name: bool) -> tuple[str, str]:
    """(head, wh) for an answer asked back: for a `name`, "... in the town of " -> ("... in ", "which
    town") and "... after the miller " -> ("... after ", "which miller") when the noun names a kind (a
    corpus family or an agent noun: -er, -or, -ist, -ian); "... at the " -> ("... at ", "what"); else
    (head, "what")."""
    of = _KIND_OF.search(head) if name else None
    if of and of.group(1) in _NAMED_BY_OF:
        return head[: of.start()], f"which {of.group(1)}"
    before = _KIND_BEFORE.search(head) if name else None
    if before:
        noun = before.group(1)
        agent = noun.endswith(("er", "or", "ist", "ian")) and noun not in _NOT_KINDS
        if noun in _KINDS or (len(noun) > 4 and agent):
            return head[: before.start()], f"which {noun}"
    for article in (" the ", " a ", " an "):  # "worked at the what?" reads as a gap, not a question
        if head.endswith(article):
            return head[: -len(article) + 1], "what"
    return head, "what"


def hide(sentence: str, name: str, placeholder: str) -> str:
    pattern = span_pattern(name)
    return pattern.sub(placeholder, sentence)


def multi_hop_template(first: str, second: str, link: str, answer: str) -> str | None:
    """A two-hop cloze that hides the link entity: both facts with the link as 'X', the answer blanked."""
    one, two = hide(first, link, "X"), hide(second, link, "X")
    blanked = cloze_question(two, answer)
    if one == first or two == second or blanked is None:
        return None
    return f"X is defined by this fact: {one} {blanked}"


_NOUN_OF = re.compile(r"\s*\bthe\s+([a-z]+)\s+of\s*$")
_NOUNS = {"pathogen": "pathogen", "drug": "drug", "place": "place", "person": "person",
          "organisation": "organisation", "disease": "disease"}  # fmt: skip


def link_description(first: str, link: str, kind: str = "") -> str | None:
    """The link entity described by the first hop, without its name: 'Kelmar fever is caused by
    Ostravirus' -> 'the disease that is caused by Ostravirus' (link opens the sentence and a verb
    follows); 'Brindle ague is treated with Brevimast' -> 'the drug that Brindle ague is treated with'
    (link ends it; '... was first isolated in the town of Ebberlin' -> 'the town that ... was first
    isolated in', for place nouns only). `kind`: what the *corpus* says the link is (`category_of`
    family: disease, drug, pathogen, place, person, organisation; else 'one'). None when the link
    sits inside the sentence, is glued to other text ('Zorvatide-XR', "Zorvatide's") or the first
    sentence has more than one clause (the description would say more than the fact)."""
    body = first.strip().rstrip(".!?;:").strip()
    m = span_pattern(link).search(body)
    if not m or re.search(r"[,;:]", body):
        return None
    noun = _NOUNS.get(kind.casefold(), "one")
    rel = "who" if noun == "person" else "that"
    if m.start() == 0:
        rest = predicate(body, link)
        return f"the {noun} {rel} {rest}" if rest else None
    head = body[: m.start()]
    if m.end() != len(body) or not head.endswith(" ") or not re.search(r"[A-Za-z]\s$", head):
        return None
    of = _NOUN_OF.search(head)
    if of and of.group(1) in FAMILIES["place"]:  # "... in the town of <link>": the sentence names its kind
        noun, rel, head = of.group(1), "that", head[: of.start()]
    head = head.strip()
    if head.split()[0] in {"The", "A", "An"}:
        head = head[0].lower() + head[1:]
    return f"the {noun} {rel} {head}"


def two_hop_wh(first: str, second: str, link: str, answer: str, kind: str = "") -> str | None:
    """A two-hop wh-question that names the start and hides the link: the second hop asked back with
    a wh-word, its link replaced by the first hop's description of it ('Brindle ague is treated with
    Brevimast' + 'Brevimast was developed by Dr. Edda Norquist' -> 'The drug that Brindle ague is
    treated with was developed by whom?'). None when either part cannot be built, the link in the
    second sentence is glued to other text, or the question would still name the link or give the
    answer away."""
    asked, described = wh_question(second, answer), link_description(first, link, kind)
    if not asked or not described:
        return None
    m = span_pattern(link).search(asked)
    if not m or asked[m.end() : m.end() + 1] not in (" ", "?") or asked[max(0, m.start() - 1) : m.start()] not in ("", " "):
        return None
    if m.start() == 0:
        described = described[0].upper() + described[1:]
    question = f"{asked[: m.start()]}{described}{asked[m.end():]}"
    if contains_span(question, link) or gives_away(question, answer):
        return None
    return question


def verify_answer(answer_text: str, span: str, evidence: list[str], last_hop: str | None = None) -> str:
    """'' when the answer is supported: the span occurs in the evidence (in the last hop's sentence for
    multi-hop) and the whole answer passes the support check; else the reason."""
    if not contains_span(last_hop or " ".join(evidence), span):
        return "answer_span_not_in_evidence"
    check = check_support(answer_text, evidence)
    return "" if check.supported else f"answer_{check.reason.split(':')[0]}"


def options_for(span: str, pool: list[tuple[str, str]], kind: str, evidence: list[str], key: str,
                n: int = 3) -> list[str] | None:  # fmt: skip
    """n distractors the evidence never mentions, picked deterministically per `key`: names of the same
    type first (the corpus's category or the extraction's, case-insensitive), then names that `same_kind`
    admits (type where both have one, name shape), then names of the same shape; None when fewer than n."""
    joined = " ".join(evidence)
    rng = random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:12], 16))
    usable = sorted({name for name, _ in pool if not contains_span(joined, name)
                     and normalize_span(name) != normalize_span(span)})  # fmt: skip
    types = {name: t for name, t in pool}
    tiers = [
        [c for c in usable if kind and types.get(c, "").casefold() == kind.casefold() and same_kind(span, "", c, "")],
        [c for c in usable if same_kind(span, kind, c, types.get(c, ""), True)],
        [c for c in usable if same_kind(span, kind, c, types.get(c, ""), False)],
    ]
    picked: list[str] = []
    for tier in tiers:
        fresh = [c for c in tier if c not in picked]
        picked += rng.sample(fresh, min(len(fresh), n - len(picked)))
        if len(picked) == n:
            return picked
    return None
