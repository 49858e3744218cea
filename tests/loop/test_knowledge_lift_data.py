"""The knowledge-lift corpus, gold facts and both MCQ sets are consistent with each other."""

from __future__ import annotations

import copy
import itertools
import re
from collections import Counter

import pytest

from synth_hf.data.knowledge_lift import (
    QUESTION_SETS,
    QUESTION_TYPES,
    load_documents,
    load_gold_facts,
    load_mcq,
    load_mcq_extra,
    load_questions,
)
from synth_hf.evaluation import normalize_mcq

DOCS = {d["doc_id"]: d["text"] for d in load_documents()}
FACTS = load_gold_facts()
FACT = {f["fact_id"]: f for f in FACTS}
MCQ = load_mcq()
EXTRA = load_mcq_extra()
SETS = {"core": MCQ, "extra": EXTRA}
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
SENTENCES = [s for text in DOCS.values() for s in _SENT_END.split(text)]
# Gold facts that no atomic question asks (in either set), with the reason in the data README.
SKIPPED_FACTS: set[str] = set()
INVERSE = {"causes": "caused_by", "caused_by": "causes", "treats": "treated_with", "treated_with": "treats"}
_WH = {"what", "which", "who", "whom", "whose", "where", "when", "how", "why"}
_PREP = {"in", "at", "on", "during", "for", "against", "of", "from", "to", "by", "with", "under"}
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
_STOP = {
    *("a", "an", "the", "of", "to", "in", "on", "for", "and", "from", "with", "by", "at", "as"),
    *("it", "its", "is", "was", "are", "be", "he", "she", "his", "her", "their", "that", "which"),
    *("this", "than", "more", "most", "about", "up"),
}


def _words(text: str) -> list[str]:
    return _WORD.findall(re.sub(r"'s\b", "", text.lower()))  # possessives: "Tarvonia's" -> "tarvonia"


def _norm(text: str) -> str:
    """Lower case, punctuation and articles dropped, padded with spaces for whole-word matching."""
    return " " + " ".join(w for w in _words(text) if w not in {"a", "an", "the"}) + " "


def _within(needle: str, hay: str) -> bool:
    n = _norm(needle)
    return n.strip() != "" and n in _norm(hay)


def _content(text: str) -> set[str]:
    return {w for w in _words(text) if w not in _STOP}


def _covers(option: str, key: str) -> bool:
    """The option states `key`: verbatim, or at least two thirds of its content words."""
    if _within(key, option):
        return True
    need = _content(key)
    return bool(need) and len(need & _content(option)) >= 2 * len(need) / 3


def _mentioning(entity: str) -> list[str]:
    return [s for s in SENTENCES if _within(entity, s)]


def _answer_side(gold: str, fact: dict) -> str:
    """Which side of `fact` the gold option names: "object" unless it names the subject."""
    if _within(gold, fact["object"]) or _within(fact["object"], gold):
        return "object"
    if _within(gold, fact["subject"]) or _within(fact["subject"], gold):
        return "subject"
    return "object"


def _peers(fact: dict, answered: str) -> list[dict]:
    """Facts with the same relation (or its inverse) about the same known entity as `fact`."""
    known = "subject" if answered == "object" else "object"
    entity = fact[known]
    inverse = INVERSE.get(fact["relation"])
    return [
        g
        for g in FACTS
        if (g["relation"] == fact["relation"] and g[known] == entity)
        or (g["relation"] == inverse and g[answered] == entity)
    ]


def _shared(facts: list[dict]) -> set[str]:
    common = {facts[0]["subject"], facts[0]["object"]}
    for f in facts[1:]:
        common &= {f["subject"], f["object"]}
    return common


def _other_side(fact: dict, entity: str) -> str:
    return fact["object"] if fact["subject"] == entity else fact["subject"]


def _bridges(facts: list[dict]) -> list[set[str]]:
    return [_shared([a, b]) for a, b in itertools.pairwise(facts)]


def grounding_problems(row: dict) -> list[str]:
    """Why the gold option is not stated by the row's facts ([] when it is)."""
    if not row["fact_ids"] or not set(row["fact_ids"]) <= set(FACT):
        return ["unknown fact_ids"]
    facts = [FACT[i] for i in row["fact_ids"]]
    gold = row["options"][row["answer"]]
    if row["type"] in ("atomic", "multi_hop"):
        last = facts[-1]
        if row["type"] == "atomic" and len(facts) != 1:
            return ["an atomic question cites one fact"]
        if not (_within(gold, last["sentence"]) or _within(gold, last["object"])):
            return [f"gold {gold!r} is not in {last['fact_id']}"]
        return []
    shared = _shared(facts)
    if len(shared) != 1:
        return [f"aggregated facts share {sorted(shared)}, not one entity"]
    (entity,) = shared
    if not _within(entity, row["question"]):
        return [f"question does not name {entity!r}"]
    stated = facts if len(facts) == 2 else facts[:1]  # joined pair, or one true statement
    return [
        f"gold {gold!r} does not state {f['fact_id']}"
        for f in stated
        if not _covers(gold, _other_side(f, entity))
    ]


def distractor_problems(row: dict, strict: bool = False) -> list[str]:
    """Distractors the documents make true, as far as can be checked mechanically.

    Atomic / multi-hop: no distractor occurs in a sentence of a fact with the answered fact's
    relation (or its inverse) about the same known entity; `strict`: in no document sentence
    that names the known entity at all. Aggregated: every distractor has a content word that no
    sentence naming the entity holds, and does not state all of the gold facts it combines.
    """
    facts = [FACT[i] for i in row["fact_ids"]]
    gold = row["options"][row["answer"]]
    wrong = [t for k, t in row["options"].items() if k != row["answer"]]
    problems = []
    if row["type"] in ("atomic", "multi_hop"):
        last = facts[-1]
        answered = _answer_side(gold, last)
        known = last["subject"] if answered == "object" else last["object"]
        if row["type"] == "multi_hop" and known not in _shared(facts[-2:]):
            problems.append(f"the last hop's known entity {known!r} is not the bridge")
        sentences = [g["sentence"] for g in _peers(last, answered)]
        if strict:
            sentences += _mentioning(known)
        problems += [
            f"distractor {d!r} is stated for {known!r}"
            for d in wrong
            if any(_within(d, s) for s in sentences)
        ]
        return problems
    (entity,) = _shared(facts) or {""}
    context = set().union(*(_content(s) for s in _mentioning(entity))) if entity else set()
    for d in wrong:
        new = _content(d) - _content(gold)
        if not new - context:
            problems.append(f"distractor {d!r} adds nothing the documents deny about {entity!r}")
    keys = [_other_side(f, entity) for f in facts]
    for d in wrong:
        if len(facts) == 2 and all(_within(k, d) for k in keys):
            problems.append(f"distractor {d!r} states both facts")
        if len(facts) > 2 and any(_within(k, d) for k in keys[1:]):
            problems.append(f"distractor {d!r} states a true fact")
    return problems


def bridge_problems(row: dict) -> list[str]:
    """A multi-hop question names its start, chains facts through bridges, and never names a bridge."""
    facts = [FACT[i] for i in row["fact_ids"]]
    if len(facts) < 2:
        return ["a multi-hop question needs two facts"]
    problems = []
    for bridge in _bridges(facts):
        if not bridge:
            problems.append("consecutive facts share no entity")
        problems += [f"names bridge {b!r}" for b in bridge if b.lower() in row["question"].lower()]
    first = _shared(facts[:2])
    start = {facts[0]["subject"], facts[0]["object"]} - first
    if not any(_within(s, row["question"]) for s in start):
        problems.append(f"question names none of {sorted(start)}")
    return problems


def copied_problems(row: dict, n: int = 6) -> list[str]:
    """The question repeats n or more consecutive words of a document sentence."""
    words = _words(row["question"])
    grams = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
    for s in SENTENCES:
        w = _words(s)
        if grams & {tuple(w[i : i + n]) for i in range(len(w) - n + 1)}:
            return [f"copies {n}+ words of {s!r}"]
    return []


def wh_problems(row: dict) -> list[str]:
    """A question opens as one: a wh-word first, or a preposition and then one ("In which ...").

    A declarative fact sentence with its answer blanked ("Zorvatide was developed by which
    doctor?") opens with its subject instead.
    """
    words = _words(row["question"])
    if words and (words[0] in _WH or (words[0] in _PREP and _WH & set(words[1:3]))):
        return []
    return ["does not open with a wh-word"]


def form_problems(row: dict) -> list[str]:
    """Shape: type, options A-D distinct and non-empty, answer letter, enough fact_ids."""
    problems = []
    if row.get("type") not in QUESTION_TYPES:
        problems.append("unknown type")
    opts = row.get("options", {})
    if sorted(opts) != ["A", "B", "C", "D"] or not all(str(t).strip() for t in opts.values()):
        problems.append("options must be A-D, non-empty")
    if len({_norm(t) for t in opts.values()}) != len(opts):
        problems.append("duplicate options")
    if row.get("answer") not in opts:
        problems.append("answer is not an option letter")
    need = 1 if row.get("type") == "atomic" else 2
    fids = row.get("fact_ids") or []
    if len(fids) < need or not set(fids) <= set(FACT):
        problems.append("missing or unknown fact_ids")
    return problems


def _ids(rows: list[dict]) -> list[str]:
    return [r["id"] for r in rows]


@pytest.fixture(params=sorted(SETS))
def rows(request) -> list[dict]:
    return SETS[request.param]


def test_sizes() -> None:
    assert len(DOCS) >= 10
    assert len(FACTS) >= 80
    assert len(MCQ) >= 60
    counts = Counter(r["type"] for r in MCQ)
    assert set(counts) == set(QUESTION_TYPES)
    assert counts["atomic"] >= 20 and counts["aggregated"] >= 12 and counts["multi_hop"] >= 16
    extra = Counter(r["type"] for r in EXTRA)
    assert extra["atomic"] >= 80 and extra["aggregated"] >= 30 and extra["multi_hop"] >= 25, extra


def test_documents_have_six_to_twelve_sentences() -> None:
    for doc_id, text in DOCS.items():
        n = len(_SENT_END.split(text))
        assert 6 <= n <= 12, (doc_id, n)


def test_every_gold_sentence_occurs_verbatim_in_its_document() -> None:
    ids = [f["fact_id"] for f in FACTS]
    assert len(ids) == len(set(ids)), "duplicate fact_id"
    for fact in FACTS:
        assert set(fact) == {"fact_id", "doc_id", "sentence", "subject", "relation", "object"}
        assert fact["doc_id"] in DOCS, fact["fact_id"]
        assert fact["sentence"] in DOCS[fact["doc_id"]], fact["fact_id"]
        assert all(str(fact[k]).strip() for k in ("subject", "relation", "object")), fact["fact_id"]


def test_every_mcq_is_well_formed_and_cites_existing_facts(rows: list[dict]) -> None:
    for row in rows:
        assert set(row) == {"id", "type", "question", "options", "answer", "fact_ids"}, row["id"]
        assert not form_problems(row), (row["id"], form_problems(row))
    items, skipped = normalize_mcq(rows)  # the evaluation reads them as they are
    assert not skipped and len(items) == len(rows)


def test_answers_are_balanced_across_letters(rows: list[dict]) -> None:
    counts = Counter(r["answer"] for r in rows)
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_extra_answers_are_balanced_within_each_type() -> None:
    for kind in QUESTION_TYPES:
        counts = Counter(r["answer"] for r in EXTRA if r["type"] == kind)
        assert set(counts) == set("ABCD") and max(counts.values()) - min(counts.values()) <= 1, (kind, counts)


def test_no_question_contains_its_answer(rows: list[dict]) -> None:
    for row in rows:
        answer = row["options"][row["answer"]].lower().rstrip(".")
        assert answer not in row["question"].lower(), row["id"]


def test_gold_option_is_stated_by_its_facts(rows: list[dict]) -> None:
    bad = {r["id"]: p for r in rows if (p := grounding_problems(r))}
    assert not bad, bad


def test_distractors_are_false_by_the_documents(rows: list[dict]) -> None:
    bad = {r["id"]: p for r in rows if (p := distractor_problems(r))}
    assert not bad, bad


def test_extra_distractors_share_no_sentence_with_the_known_entity() -> None:
    bad = {r["id"]: p for r in EXTRA if (p := distractor_problems(r, strict=True))}
    assert not bad, bad


def test_multi_hop_questions_hide_their_bridge(rows: list[dict]) -> None:
    """Consecutive facts share a bridge entity that the question never names."""
    bad = {r["id"]: p for r in rows if r["type"] == "multi_hop" and (p := bridge_problems(r))}
    assert not bad, bad


def test_aggregated_questions_ask_facts_about_one_entity(rows: list[dict]) -> None:
    for row in (r for r in rows if r["type"] == "aggregated"):
        facts = [FACT[i] for i in row["fact_ids"]]
        assert len(_shared(facts)) == 1, row["id"]


def test_ids_and_questions_are_unique_across_both_sets() -> None:
    ids = _ids(MCQ) + _ids(EXTRA)
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    assert all(i.startswith("kx-") for i in _ids(EXTRA))
    questions = [_norm(r["question"]) for r in MCQ + EXTRA]
    assert len(questions) == len(set(questions)), [q for q, n in Counter(questions).items() if n > 1]


def test_extra_questions_are_not_document_sentences_with_a_blank() -> None:
    bad = {r["id"]: p for r in EXTRA if (p := copied_problems(r) + wh_problems(r))}
    assert not bad, bad


def test_every_gold_fact_has_one_atomic_question() -> None:
    core = [f for r in MCQ if r["type"] == "atomic" for f in r["fact_ids"]]
    extra = [f for r in EXTRA if r["type"] == "atomic" for f in r["fact_ids"]]
    assert not set(core) & set(extra), "the extra set repeats a core atomic fact"
    assert len(extra) == len(set(extra)), [f for f, n in Counter(extra).items() if n > 1]
    assert set(FACT) - set(core) - set(extra) == SKIPPED_FACTS


def test_each_fact_is_stated_at_most_twice_in_the_corpus() -> None:
    corpus = " ".join(DOCS.values())
    for fact in FACTS:
        assert 1 <= corpus.count(fact["sentence"]) <= 2, fact["fact_id"]


def test_load_questions_by_name() -> None:
    assert load_questions() == MCQ and load_questions("core") == MCQ
    assert load_questions("extra") == EXTRA
    assert load_questions("all") == MCQ + EXTRA
    assert set(QUESTION_SETS) == {"core", "extra", "all"}
    with pytest.raises(ValueError, match="unknown question set"):
        load_questions("everything")


def _broken(rid: str, **change) -> dict:
    row = copy.deepcopy(next(r for r in EXTRA if r["id"] == rid))
    for key, value in change.items():
        if key in "ABCD":
            row["options"][key] = value
        else:
            row[key] = value
    return row


def _gold_letter(rid: str) -> str:
    return next(r["answer"] for r in EXTRA if r["id"] == rid)


def _wrong_letter(rid: str) -> str:
    return next(k for k in "ABCD" if k != _gold_letter(rid))


def _find(question: str) -> str:
    return next(r["id"] for r in EXTRA if r["question"] == question)


def test_the_checks_catch_broken_rows() -> None:
    """Each check flags a deliberately broken copy of a row that passes it."""
    zorv = _find("Who developed Zorvatide?")
    hop = _find("Which company produces the drug used against Kelmar fever?")
    agg = _find("Which of the following is true of Lumera Pharma?")
    one = _find("Which statement about Sallow lung is correct?")
    castiva = _find("Which company produces Quenamycin?")
    for rid in (zorv, hop, agg, one, castiva):
        row = next(r for r in EXTRA if r["id"] == rid)
        assert not (form_problems(row) + grounding_problems(row) + distractor_problems(row, strict=True)), rid
    # shape
    assert form_problems(_broken(zorv, answer="E"))
    assert form_problems(_broken(zorv, **{_wrong_letter(zorv): "Pavel Orsink"}))
    assert form_problems(_broken(zorv, fact_ids=["zorvatide-99"]))
    # gold not stated by its fact
    assert grounding_problems(_broken(zorv, **{_gold_letter(zorv): "Hollis Quade"}))
    assert grounding_problems(_broken(hop, fact_ids=["kelmar_fever-06", "quenamycin-03"]))
    assert grounding_problems(_broken(agg, **{_gold_letter(agg): "It makes Zorvatide and sells it."}))
    # a distractor the documents make true (same relation, asked from either side; strict: any sentence)
    assert distractor_problems(_broken(castiva, **{_wrong_letter(castiva): "Castiva"}))
    fen = _find("Which drug is prescribed for Sallow lung?")
    assert distractor_problems(
        _broken(
            fen,
            question="Which drug does Castiva Labs make?",
            fact_ids=["quenamycin-03"],
            **{_gold_letter(fen): "Quenamycin", _wrong_letter(fen): "Fendoralin"},
        )
    )
    assert distractor_problems(_broken(hop, **{_wrong_letter(hop): "Lumera"}))
    kf = _find("How long does Kelmar fever last without treatment?")
    six = _broken(kf, **{_wrong_letter(kf): "six days"})  # Kelmar fever's incubation period
    assert not distractor_problems(six) and distractor_problems(six, strict=True)
    assert distractor_problems(
        _broken(agg, **{_wrong_letter(agg): "It makes Brevimast and has its headquarters in Brastow."})
    )
    assert distractor_problems(_broken(one, **{_wrong_letter(one): "It is caused by Pyrenella gorvi."}))
    # a named bridge, a question copied from its sentence
    assert bridge_problems(
        _broken(hop, question="Which company produces Zorvatide, the drug for Kelmar fever?")
    )
    assert bridge_problems(_broken(hop, fact_ids=["kelmar_fever-06", "fendoralin-03"]))
    assert copied_problems(_broken(zorv, question="Who was the first scientist to isolate Ostravirus?"))
    assert wh_problems(_broken(zorv, question="Zorvatide was developed by which doctor?"))
    assert not wh_problems(_broken(zorv, question="By which doctor was Zorvatide developed?"))
