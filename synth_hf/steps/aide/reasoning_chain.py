"""AIDE's "add reasoning" operation on grounded children: a second fact chained to the child's own.

AIDE (Liu et al., 2025, §3.2) synthesizes a child per attribute triplet and operation; "add reasoning"
asks for a question that needs one more step of reasoning about the attribute. In answer-first synthesis
the child already has its fact (sentence S2, answer span A). An attribute-branch child with this
operation then chains it: a name L of S2 other than A (an attribute of the fact) is described by another
unused sentence S1 of the documents, and the question asks S2 back with L hidden behind S1's description
of it ('Brindle ague is treated with Brevimast.' + 'Brevimast was developed by Dr. Edda Norquist.' ->
'The drug that Brindle ague is treated with was developed by whom?'), or as a two-hop cloze. The
question and answer are built from the two sentences only (`two_hop_wh` / `multi_hop_template`, shared
with GraphGen's multi-hop rows), so the answer stays A, stated by S2.

A chain is not made when A or L has rivals in the documents (another sentence fills the same frame
differently: two right answers), or when no unused sentence describes L; the child then stays a
one-hop row. The Evol-style baseline has no attributes, so its "add reasoning" children stay one-hop.

"Add constraints" (same section) asks the question under one more condition. An attribute child of
that operation whose fact opens with its subject X ('Zorvatide is made by Lumera Pharma.') takes another
unused sentence that opens with X ('Zorvatide was approved for use in 2009.') as the constraint:
'Zorvatide, which was approved for use in 2009, is made by what?', answered with both facts joined into
one statement (`join_facts`: the shape of "which of these is true of X"). Generator "constrained".
"""

from __future__ import annotations

from synth_hf.items import qa_answer
from synth_hf.steps.aide.answer_first import FactIndex, anchors
from synth_hf.steps.graphgen.corpus_index import CorpusIndex
from synth_hf.text.answer_first import (
    gives_away,
    multi_hop_template,
    two_hop_wh,
    verify_answer,
    verify_question,
    wh_question,
)
from synth_hf.text.compose import join_facts, predicate
from synth_hf.text.support import contains_span

OPERATION = "add_reasoning"
GENERATOR = "two_hop"
CONSTRAINT_OPERATION = "add_constraints"
CONSTRAINED = "constrained"
COMPOSED = (GENERATOR, CONSTRAINED)  # generators of rows resting on two sentences
CANDIDATES = 50  # BM25 hits on the link's name looked at for its description


def wants_chain(child: dict) -> bool:
    """Whether `child` is one the chain applies to: attribute branch, operation "add reasoning"."""
    return child.get("branch") == "attribute" and child.get("operation") == OPERATION


def wants_constraint(child: dict) -> bool:
    """Whether `child` gets a constraint: attribute branch, operation "add constraints"."""
    return child.get("branch") == "attribute" and child.get("operation") == CONSTRAINT_OPERATION


def compose_fact(child: dict, facts: FactIndex, corpus: CorpusIndex, used: set[str], reserved: set[str]) -> str:
    """`chain_fact` for an add-reasoning child, `constrain_fact` for an add-constraints one; "" when
    composed, else why the child stays one-hop ("not_composable" for other children)."""
    if wants_chain(child):
        return chain_fact(child, facts, corpus, used, reserved)
    if wants_constraint(child):
        return constrain_fact(child, facts, corpus, used, reserved)
    return "not_composable"


def corpus_index(passages: list[dict]) -> CorpusIndex:
    """The documents' sentences (all of them, facts or not) as a CorpusIndex: names' categories and
    cloze rivals."""
    index = CorpusIndex(None)
    for passage in passages:
        index.add_text(passage["sentence"])
    return index


def chain_fact(child: dict, facts: FactIndex, corpus: CorpusIndex, used: set[str], reserved: set[str]) -> str:
    """Chain `child` (its fact attached: one evidence sentence, `answer_span`) through a second fact.
    On success sets evidence [S1, S2], question, answer draft, generator "two_hop", `reasoning_link`, adds
    S1's chunk_id to `used` and returns ""; else returns why it stays one-hop (`chain_ambiguous_answer`,
    `chain_no_link`, `chain_no_description`) and changes nothing."""
    second, span = child["evidence"][0]["sentence"], child["answer_span"]
    if corpus.cloze_rivals(second, span):
        return "chain_ambiguous_answer"
    links = anchors(second, span, facts.names_in(second))
    if not links:
        return "chain_no_link"
    english = child.get("fact_english", True) is not False
    for link in links:
        kind = corpus.category(link)
        for passage, _ in facts.bm25.search(link, CANDIDATES):
            first, chunk = passage["sentence"], passage["chunk_id"]
            if chunk in used or chunk in reserved or first == second or not contains_span(first, link):
                continue
            if corpus.cloze_rivals(first, link):  # the description would fit another name too
                continue
            evidence = [first, second]
            starts = [n for n in anchors(first, link, facts.names_in(first)) if not contains_span(second, n)]
            question = two_hop_wh(first, second, link, span, kind) if english else None
            if not question or question_fault(question, span, evidence, link, starts):
                question = multi_hop_template(first, second, link, span)
            if not question or question_fault(question, span, evidence, link, starts):
                continue
            if _attach(child, passage, question, qa_answer(span, evidence), GENERATOR, link, used):
                return ""
    return "chain_no_description"


def question_fault(question: str, span: str, evidence: list[str], link: str, starts: list[str] = ()) -> str:
    """'' when a two-hop question may ship, else why not. A wh-question gets `verify_question` (names
    one of `starts` when given, hides `link`, names no one the evidence does not, asks for the answer's
    type and relation); the two-hop cloze ("X is defined by this fact: ... Fill in the blank: ...") is
    built from the sentences, so it is checked for the link and for giving the answer away."""
    if question.rstrip().endswith(("?", "？")):
        return verify_question(question, span, evidence, starts, [link])
    if contains_span(question, link):
        return "question_names_link"
    return "question_gives_answer" if gives_away(question, span) else ""


def two_hop_verdict(question: str, span: str, answer: str, evidence: list[str], link: str) -> str:
    """'' when a chained row rests on its two sentences (`question_fault`, and the answer span stated by
    the last sentence with the whole answer supported); else the reason (annotation's check of "two_hop"
    rows)."""
    return question_fault(question, span, evidence, link) or verify_answer(answer, span, evidence, last_hop=evidence[-1])


def constrain_fact(child: dict, facts: FactIndex, corpus: CorpusIndex, used: set[str], reserved: set[str]) -> str:
    """Ask `child`'s fact (S2 opening with its subject X, answer span A) under a constraint: another
    unused sentence S1 that opens with X and does not hold A. Sets evidence [S1, S2], the question
    '<X>, which <S1's predicate>, <S2 asked back>?', the answer (A, then both facts joined), generator
    "constrained", adds S1 to `used` and returns ""; else why not (`constraint_ambiguous_answer`,
    `constraint_no_subject`, `constraint_no_fact`) and changes nothing."""
    second, span = child["evidence"][0]["sentence"], child["answer_span"]
    if corpus.cloze_rivals(second, span):
        return "constraint_ambiguous_answer"
    subject = next((n for n in anchors(second, span, facts.names_in(second)) if predicate(second, n)), None)
    asked = wh_question(second, span) if subject else None
    if not subject or not asked or not asked.startswith(subject) or child.get("fact_english") is False:
        return "constraint_no_subject"
    for passage, _ in facts.bm25.search(subject, CANDIDATES):
        first, chunk = passage["sentence"], passage["chunk_id"]
        condition = predicate(first, subject)
        if chunk in used or chunk in reserved or first == second or not condition or contains_span(first, span):
            continue
        if any(c in condition for c in ",;"):  # one clause: the condition must read as one
            continue
        question = f"{subject}, which {condition},{asked[len(subject):]}"
        evidence = [first, second]
        if verify_question(question, span, evidence, [subject]):
            continue
        if _attach(child, passage, question, qa_answer(span, join_facts(evidence, subject)), CONSTRAINED, None, used):
            return ""
    return "constraint_no_fact"


def _attach(child: dict, passage: dict, question: str, answer: str, generator: str, link: str | None,
            used: set[str]) -> bool:  # fmt: skip
    """Make `child` the composed row (first fact `passage`, then its own) when `answer` is stated by its
    own fact and supported by both; adds the passage to `used`. False (child unchanged) otherwise."""
    evidence = [passage["sentence"], child["evidence"][0]["sentence"]]
    if verify_answer(answer, child["answer_span"], evidence, last_hop=evidence[-1]):
        return False
    child["evidence"] = [{"chunk_id": passage["chunk_id"], "sentence": passage["sentence"]}, child["evidence"][0]]
    child.update(question=question, options=[], draft_answer=answer, generator=generator, question_rejected=None,
                 reasoning_link=link, synth_model="template", synthesis_raw=None)  # fmt: skip
    used.add(passage["chunk_id"])
    return True


def composed_verdict(row: dict, evidence: list[str]) -> str:
    """The annotation check of a composed row (generator in COMPOSED): `two_hop_verdict`, or for a
    constrained row the question's check (names its subject, no unknown name, asks for the answer) and
    the answer stated by the last sentence, all of it supported; '' when it passes."""
    question, span, answer = row["question"], row["answer_span"], row["draft_answer"]
    if row["generator"] == GENERATOR:
        return two_hop_verdict(question, span, answer, evidence, row.get("reasoning_link") or "")
    subject = question.split(",", 1)[0]
    return verify_question(question, span, evidence, [subject]) or verify_answer(
        answer, span, evidence, last_hop=evidence[-1]
    )
