"""AIDE's add-reasoning / add-constraints operations on grounded children: an attribute child chains its
fact through a second sentence (two-hop) or asks it under another fact of its subject (constrained); the
Evol baseline and the concretize operation stay one-hop."""

from __future__ import annotations

import json
import re
from pathlib import Path

from synth_hf.pipelines import aide
from synth_hf.steps.aide.answer_first import FactIndex, attach_fact
from synth_hf.steps.aide.reasoning_chain import (
    chain_fact,
    composed_verdict,
    constrain_fact,
    corpus_index,
    two_hop_verdict,
    wants_chain,
)
from synth_hf.text.support import contains_span

DATA = Path(aide.__file__).resolve().parents[1] / "data" / "knowledge_lift"
S1 = "Brindle ague is treated with Brevimast."
S2 = "Brevimast was developed by Dr. Edda Norquist."


def _facts(*sentences: str) -> tuple[FactIndex, object]:
    passages = [{"chunk_id": f"doc:s{i}", "sentence": s} for i, s in enumerate(sentences)]
    return FactIndex(passages), corpus_index(passages)


def _child(facts: FactIndex, sentence: str, **extra) -> dict:
    passage = next(p for p in facts.passages if p["sentence"] == sentence)
    span, _question = facts.fact(passage)
    child = {"branch": "attribute", "operation": "add_reasoning", **extra}
    attach_fact(child, passage, span)
    return child


def test_an_add_reasoning_child_hides_a_name_of_its_fact_behind_another_sentence():
    facts, corpus = _facts(S1, S2, "Kelmar fever is caused by Ostravirus.")
    child = _child(facts, S2)
    used = {child["evidence"][0]["chunk_id"]}
    assert wants_chain(child) and chain_fact(child, facts, corpus, used, set()) == ""
    # "the one": nothing in these three sentences says what Brevimast is
    assert child["question"] == "The one that Brindle ague is treated with was developed by whom?"
    assert [e["sentence"] for e in child["evidence"]] == [S1, S2] and child["generator"] == "two_hop"
    assert child["reasoning_link"] == "Brevimast" and child["answer_span"] == "Dr. Edda Norquist"
    assert "doc:s0" in used  # the describing sentence serves this row now
    assert two_hop_verdict(child["question"], "Dr. Edda Norquist", child["draft_answer"], [S1, S2], "Brevimast") == ""
    # the checks a chained row gets at annotation: the link named, the answer in the first sentence only
    assert two_hop_verdict("Brevimast was developed by whom?", "Dr. Edda Norquist", child["draft_answer"],
                           [S1, S2], "Brevimast") == "question_names_link"  # fmt: skip
    assert two_hop_verdict(child["question"], "Dr. Edda Norquist", child["draft_answer"], [S2, S1], "Brevimast") == \
        "answer_span_not_in_evidence"  # the last hop must state the answer


def test_no_chain_when_the_description_or_the_answer_has_rivals_or_is_used():
    rival = "Brindle ague is treated with Fendoralin."  # "the drug that Brindle ague is treated with": two drugs
    facts, corpus = _facts(S1, S2, rival)
    child = _child(facts, S2)
    assert chain_fact(child, facts, corpus, set(), set()) == "chain_no_description"
    assert "generator" not in child and len(child["evidence"]) == 1  # unchanged: a one-hop row
    facts, corpus = _facts(S1, S2)
    child = _child(facts, S2)
    assert chain_fact(child, facts, corpus, {"doc:s0"}, set()) == "chain_no_description"  # S1 serves another row
    assert chain_fact(child, facts, corpus, set(), {"doc:s0"}) == "chain_no_description"  # S1 is a seed's fact
    other = "Brevimast was developed by the Harnveld Institute."  # "Brevimast was developed by ____.": two fills
    facts, corpus = _facts(S1, S2, other)
    child = _child(facts, S2)
    assert chain_fact(child, facts, corpus, set(), set()) == "chain_ambiguous_answer"
    assert not wants_chain({"branch": "evol", "operation": "add_reasoning"})
    assert not wants_chain({"branch": "attribute", "operation": "concretize"})


def test_an_add_constraints_child_asks_its_fact_under_another_fact_of_its_subject():
    made, approved = "Zorvatide is made by Lumera Pharma.", "Zorvatide was approved for use in 2009."
    treats = "Kelmar fever is treated with Zorvatide."  # names Zorvatide inside a sentence: a corpus name
    facts, corpus = _facts(made, approved, treats)
    child = _child(facts, made, operation="add_constraints")
    used = {child["evidence"][0]["chunk_id"]}
    assert constrain_fact(child, facts, corpus, used, set()) == ""
    assert child["question"] == "Zorvatide, which was approved for use in 2009, is made by what?"
    assert child["draft_answer"] == "Lumera Pharma. Zorvatide was approved for use in 2009 and is made by Lumera Pharma."
    assert [e["sentence"] for e in child["evidence"]] == [approved, made] and child["generator"] == "constrained"
    assert "doc:s1" in used and composed_verdict(child, [approved, made]) == ""
    # the answer must be stated by the constrained fact, and the question must name the subject
    assert composed_verdict(child, [made, approved]) == "answer_span_not_in_evidence"
    assert composed_verdict({**child, "question": "Which company made it, approved in 2009?"}, [approved, made])
    # no other fact of the subject (or only used / seed ones): the child stays one-hop, unchanged
    facts, corpus = _facts(made, treats)
    child = _child(facts, made, operation="add_constraints")
    assert constrain_fact(child, facts, corpus, set(), set()) == "constraint_no_fact" and "generator" not in child
    facts, corpus = _facts(made, approved, treats)
    assert constrain_fact(_child(facts, made, operation="add_constraints"), facts, corpus, set(), {"doc:s1"}) == \
        "constraint_no_fact"
    # the answer is the subject: nothing else opens the sentence to constrain
    facts, corpus = _facts(made, approved, treats)
    child = {"branch": "attribute", "operation": "add_constraints"}
    attach_fact(child, next(p for p in facts.passages if p["sentence"] == made), "Zorvatide")
    assert constrain_fact(child, facts, corpus, set(), set()) == "constraint_no_subject"


def _seeds(n: int) -> list[dict]:
    rows = [json.loads(line) for line in (DATA / "mcq.jsonl").read_text().splitlines()[:n]]
    return [{"id": r["id"], "question": r["question"], "answer": r["options"][r["answer"]]} for r in rows]


def _run(out: Path, **expansion) -> list[dict]:
    config = aide.AIDEConfig.model_validate({
        "run": {"output_dir": str(out), "name": "run", "use_cache": False, "input_batch_size": 64},
        "engine": {"engine": "fake", "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"}},
        "seeds": {"rows": _seeds(3), "format": "qa", "task_description": "Answer short questions."},
        "expansion": {"depth": 1, "attributes_per_node": 1, "operations_per_node": 3, "personas_per_node": 0,
                      "attributes_from": "question", "llm_questions": False, **expansion},
        "reflection": {"enabled": False},
        "annotation": {"answer_source": "evidence"},
        "quality_report": False,
        "documents": {"source": str(DATA / "docs")},
    })  # fmt: skip
    return aide.run_aide(config).dataset.to_list()


def test_a_grounded_run_ships_checked_two_hop_rows_for_add_reasoning_only(tmp_path):
    rows = _run(tmp_path / "aide")
    chained = [r for r in rows if r["generator"] == "two_hop"]
    assert chained and all(r["operation"] == "add_reasoning" and r["branch"] == "attribute" for r in chained)
    constrained = [r for r in rows if r["generator"] == "constrained"]
    assert constrained and all(r["operation"] == "add_constraints" for r in constrained)
    for row in constrained:
        subject = row["question"].split(",")[0]
        assert row["verified"] is True and all(e["sentence"].startswith(subject) for e in row["evidence"])
        assert len(row["evidence"]) == 2 and contains_span(row["evidence"][1]["sentence"], row["answer_span"])
    for row in chained:
        first, second = (e["sentence"] for e in row["evidence"])
        assert row["verified"] is True and contains_span(second, row["answer_span"])
        shared = set(re.findall(r"\b[A-Z][a-z]+\b", first)) & set(re.findall(r"\b[A-Z][a-z]+\b", second)) - {"The"}
        assert shared and not any(contains_span(row["question"], w) for w in shared)  # the link is hidden
    assert all(len(r["evidence"]) == 1 for r in rows if r["generator"] not in ("two_hop", "constrained"))
    off = _run(tmp_path / "off", reasoning_chains=False)
    assert off and all(len(r["evidence"]) == 1 for r in off)
    # constraint_rows: false keeps the two-hop rows, and add_constraints children stay one-hop
    unconstrained = _run(tmp_path / "unconstrained", constraint_rows=False)
    assert any(r["generator"] == "two_hop" for r in unconstrained)
    assert not any(r["generator"] == "constrained" for r in unconstrained)
    assert any(r["operation"] == "add_constraints" and len(r["evidence"]) == 1 for r in unconstrained)
    evol = _run(tmp_path / "evol", method="evol", evol_children_per_node=3)
    assert evol and all(len(r["evidence"]) == 1 for r in evol)
