"""The knowledge-lift corpus, gold facts and MCQs are consistent with each other."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from synth_hf.data.knowledge_lift import QUESTION_TYPES, load_documents, load_gold_facts, load_mcq
from synth_hf.evaluation import normalize_mcq

DOCS = {d["doc_id"]: d["text"] for d in load_documents()}
FACTS = load_gold_facts()
MCQ = load_mcq()
_SENT_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def test_sizes() -> None:
    assert len(DOCS) >= 10
    assert len(FACTS) >= 80
    assert len(MCQ) >= 60
    counts = Counter(r["type"] for r in MCQ)
    assert set(counts) == set(QUESTION_TYPES)
    assert counts["atomic"] >= 20 and counts["aggregated"] >= 12 and counts["multi_hop"] >= 16


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


def test_every_mcq_is_well_formed_and_cites_existing_facts() -> None:
    fact_ids = {f["fact_id"] for f in FACTS}
    for row in MCQ:
        assert row["type"] in QUESTION_TYPES, row["id"]
        assert sorted(row["options"]) == ["A", "B", "C", "D"], row["id"]
        assert len(set(row["options"].values())) == 4, row["id"]
        assert row["answer"] in row["options"], row["id"]
        assert row["fact_ids"] and set(row["fact_ids"]) <= fact_ids, row["id"]
        need = 1 if row["type"] == "atomic" else 2
        assert len(row["fact_ids"]) >= need, row["id"]
    items, skipped = normalize_mcq(MCQ)  # the evaluation reads them as they are
    assert not skipped and len(items) == len(MCQ)


def test_answers_are_balanced_across_letters() -> None:
    counts = Counter(r["answer"] for r in MCQ)
    assert max(counts.values()) - min(counts.values()) <= 1, counts


def test_no_question_contains_its_answer() -> None:
    for row in MCQ:
        answer = row["options"][row["answer"]].lower().rstrip(".")
        assert answer not in row["question"].lower(), row["id"]


@pytest.mark.parametrize("row", [r for r in MCQ if r["type"] == "multi_hop"], ids=lambda r: r["id"])
def test_multi_hop_questions_hide_their_bridge(row: dict) -> None:
    """The two facts share a bridge entity that the question never names."""
    facts = {f["fact_id"]: f for f in FACTS}
    first, second = (facts[i] for i in row["fact_ids"][:2])
    bridge = {first["subject"], first["object"]} & {second["subject"], second["object"]}
    assert bridge, row["id"]
    assert not any(b.lower() in row["question"].lower() for b in bridge), (row["id"], bridge)


def test_aggregated_questions_ask_two_facts_about_one_entity() -> None:
    facts = {f["fact_id"]: f for f in FACTS}
    for row in (r for r in MCQ if r["type"] == "aggregated"):
        a, b = (facts[i] for i in row["fact_ids"][:2])
        assert {a["subject"], a["object"]} & {b["subject"], b["object"]}, row["id"]


def test_each_fact_is_stated_at_most_twice_in_the_corpus() -> None:
    corpus = " ".join(DOCS.values())
    for fact in FACTS:
        assert 1 <= corpus.count(fact["sentence"]) <= 2, fact["fact_id"]
