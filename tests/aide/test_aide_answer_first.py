"""Answer-first synthesis of grounded AIDE: facts picked once per run, questions checked or templated,
answers supported by construction, the config knob, and whole fake-engine runs (depth 2, reflection)."""

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from aide_fakes import config_data

from synth_hf.pipelines.aide import run_aide
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.pipelines.aide_plan import plan_aide
from synth_hf.steps.aide.answer_first import (
    FactIndex,
    answer_first_verdict,
    attach_fact,
    retrieval_query,
    settle_question,
    specific,
)
from synth_hf.steps.aide.rows import new_row
from synth_hf.text.retrieval import document_passages
from synth_hf.text.support import check_support

DOCS = {
    "zorvatide.md": "# Zorvatide\n\nZorvatide is manufactured by Lumera Pharma. Zorvatide was approved in 2009. "
    "The standard dose of Zorvatide is 40 mg taken twice daily. Zorvatide is a drug used to treat Kelmar fever.",
    "kelmar.md": "Kelmar fever is caused by Ostravirus. The grey marten is the natural reservoir of Ostravirus. "
    "Kelmar fever is spread by the bite of the dusk midge. The incubation period of Kelmar fever is six days. "
    "The first recorded outbreak of Kelmar fever took place in 1985.",
    "brevimast.md": "Brevimast is manufactured by Castiva Labs. Brevimast was approved in 1983. "
    "Brevimast is used to treat Brindle ague.",
}
SEEDS = [
    {"question": "Which company manufactures Zorvatide?", "answer": "Lumera Pharma"},
    {"question": "Which pathogen causes Kelmar fever?", "answer": "Ostravirus"},
]


def _index() -> FactIndex:
    return FactIndex(document_passages((name, text) for name, text in DOCS.items()))


def _child(**values) -> dict:
    base = {"row_id": "seed-0.a1", "hop": 1, "branch": "attribute", "parent_question": SEEDS[0]["question"],
            "seed_question": SEEDS[0]["question"], "seed_answer": SEEDS[0]["answer"],
            "attribute_triplet": {"head": "Zorvatide", "relation": "relates to", "tail": "approved"}}  # fmt: skip
    return new_row(**{**base, **values})


def test_pick_takes_the_best_unused_sentence_with_a_span_and_skips_headings():
    index = _index()
    passage, span = index.pick("When was Zorvatide approved?", set())
    assert passage["sentence"] == "Zorvatide was approved in 2009." and span == "2009"
    again, _ = index.pick("When was Zorvatide approved?", {passage["chunk_id"]})
    assert again["chunk_id"] != passage["chunk_id"] and not again["sentence"].startswith("#")
    everything = {p["chunk_id"] for p in index.passages}
    assert index.pick("When was Zorvatide approved?", everything) == "evidence_already_used"


def test_pick_skips_a_span_whose_question_would_name_no_relation():
    passage, span = _index().pick("How is Kelmar fever spread by the dusk midge?", set())
    assert passage["sentence"] == "Kelmar fever is spread by the bite of the dusk midge."
    # the whole predicate asked back would be "Kelmar fever is what?": after a bare subject the last
    # prepositional phrase is asked instead ("... spread by the bite of what?"), which names the relation
    assert span == "the dusk midge"
    assert specific("Kelmar fever is spread by the bite of what?", passage["sentence"], ["Kelmar"])
    assert not specific("Kelmar fever is what?", passage["sentence"], ["Kelmar"])
    assert specific("What is spread by the bite of the dusk midge?", passage["sentence"], ["Kelmar"])


def test_spans_are_names_as_the_sentence_spells_them_never_part_of_a_word():
    index = FactIndex(document_passages([("d", ("Adverse effects of Lormex include nausea. Typical adverse effects of "
                                                 "Lormex are mild. Because Lormex blocks GLP-1 receptors, it slows digestion."))]))
    assert "adverse" not in index.spans("Typical adverse effects of Lormex are mild.")
    third = index.spans("Because Lormex blocks GLP-1 receptors, it slows digestion.")
    assert "1" not in third and not any(s.startswith("Because") for s in third)


def test_seed_facts_are_the_sentences_that_answer_a_seed():
    index = _index()
    facts = {p["sentence"] for p in index.passages if p["chunk_id"] in index.seed_facts([(s["question"], s["answer"]) for s in SEEDS])}
    assert facts == {"Zorvatide is manufactured by Lumera Pharma.", "Kelmar fever is caused by Ostravirus."}


def test_retrieval_query_is_steered_by_attribute_or_persona():
    assert "approved" in retrieval_query(_child())
    persona = _child(branch="persona", persona="a travel nurse", attribute_triplet={"head": "Zorvatide", "relation": "", "tail": ""})
    assert "travel nurse" in retrieval_query(persona) and SEEDS[0]["question"] in retrieval_query(persona)


def test_llm_question_kept_when_verified_else_template():
    index = _index()
    passage, span = index.pick("When was Zorvatide approved?", set())
    good, bad, silent = _child(), _child(), _child()
    for child in (good, bad, silent):
        attach_fact(child, passage, span)
    names = index.names_in(passage["sentence"])
    assert settle_question(good, " In which year was Zorvatide approved for patients?\nmore", names) is None
    assert good["generator"] == "llm" and good["question"] == "In which year was Zorvatide approved for patients?"
    assert good["question_rejected"] is None
    # gives the answer away -> the template question, the refusal recorded
    assert settle_question(bad, "Was Zorvatide approved in 2009?", names) is None
    assert bad["generator"] == "template" and bad["question_rejected"] == "question_gives_answer"
    assert bad["question"] == "Zorvatide was approved in which year?"
    assert settle_question(silent, "", names) is None and silent["question_rejected"] == "no_llm_output"
    quiet = _child()
    attach_fact(quiet, passage, span)
    assert settle_question(quiet, None, names, template_only=True) is None  # llm_questions: false, no reply
    assert quiet["generator"] == "template" and quiet["question_rejected"] is None
    assert quiet["question"] == "Zorvatide was approved in which year?"
    for child in (good, bad, silent):
        assert child["draft_answer"] == "2009. Zorvatide was approved in 2009."
        assert child["evidence"] == [{"chunk_id": passage["chunk_id"], "sentence": passage["sentence"]}]
        assert answer_first_verdict(child["question"], span, child["draft_answer"], [passage["sentence"]]) == ""


def test_verdict_refuses_what_the_evidence_does_not_state():
    sentence = ["Zorvatide was approved in 2009."]
    assert answer_first_verdict("When was Zorvatide approved?", "2010", "2010. Zorvatide was approved in 2009.", sentence)
    assert answer_first_verdict("Was Zorvatide approved in 2009?", "2009", "2009.", sentence) == "question_gives_answer"
    assert answer_first_verdict("When was Brevimast approved?", "2009", "2009.", sentence) == "answer_not_about_question"


def test_config_knob_defaults_and_refusals(tmp_path):
    grounded = {"seeds": {"rows": SEEDS}, "documents": {"source": str(tmp_path)}}
    assert AIDEConfig.model_validate({**grounded, "annotation": {"answer_source": "evidence"}}).answer_first_on
    assert not AIDEConfig.model_validate(grounded).answer_first_on  # annotator answers: free synthesis
    assert AIDEConfig.model_validate({**grounded, "expansion": {"answer_first": True}}).answer_first_on
    with pytest.raises(ValueError, match="answer_first"):
        AIDEConfig.model_validate({"seeds": {"rows": SEEDS}, "expansion": {"answer_first": True}})
    with pytest.raises(ValueError, match="format=mcq"):
        AIDEConfig.model_validate({**grounded, "expansion": {"answer_first": True}, "seeds": {"rows": SEEDS, "format": "mcq"}})
    free = AIDEConfig.model_validate({**grounded, "expansion": {"llm_questions": False}})  # e.g. --documents none
    assert not free.answer_first_on and plan_aide(free, 2)["llm_calls"]["synthesize_h1"] > 0  # still asks the LLM
    templated = AIDEConfig.model_validate({**grounded, "annotation": {"answer_source": "evidence"},
                                           "expansion": {"llm_questions": False}})  # fmt: skip
    assert templated.answer_first_on and plan_aide(templated, 2)["llm_calls"]["synthesize_h1"] == 0
    cfg = AIDEConfig.model_validate({**grounded, "expansion": {"answer_first": True}})
    assert all(v == 0 for k, v in plan_aide(cfg, 2)["llm_calls"].items() if k.startswith("annotate"))


def _run(tmp_path, name: str, responder: str = "some_unparseable", **sections):
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    for file, text in DOCS.items():
        (docs / file).write_text(text)
    data = config_data(str(tmp_path), name, responder=responder, seeds={"rows": SEEDS},
                       documents={"source": str(docs)}, annotation={"answer_source": "evidence"},
                       dedup={"minhash_threshold": None}, **sections)  # fmt: skip
    return run_aide(AIDEConfig.model_validate(data))


def _reflected_run(tmp_path, name: str, responder: str, **expansion):
    """Answer-first run with reflection (LLM grader) and one re-synthesis; `expansion` adds to the branching."""
    # one-hop children only: a composed row (add constraints) takes a second sentence of this small corpus
    branching = {"attributes_per_node": 1, "operations_per_node": 2, "personas_per_node": 1, "attributes_from": "question",
                 "reasoning_chains": False}  # fmt: skip
    return _run(tmp_path, name, responder=responder, expansion={**branching, **expansion},
                reflection={"enabled": True, "max_attempts": 1, "min_relevance": 6, "min_diversity": 5})  # fmt: skip


def _check_rows(rows: list[dict]) -> None:
    all_text = " ".join(DOCS.values())
    for row in rows:
        evidence = [e["sentence"] for e in row["evidence"]]
        composed = row["generator"] in ("two_hop", "constrained")  # add reasoning / add constraints
        assert len(evidence) == 1 + composed and all(e in all_text for e in evidence)
        assert row["verified"] is True and row["verification"] == "answer_first"
        assert check_support(row["answer"], evidence).supported, row
        assert row["answer"].startswith(row["answer_span"]) and row["answer_span"] not in row["question"]
        assert row["generator"] in ("llm", "template") or row["operation"] in ("add_reasoning", "add_constraints")
        assert row["messages"][-1]["content"] == row["answer"]
    used = Counter(e["chunk_id"] for r in rows for e in r["evidence"])
    assert max(used.values()) == 1, used  # every sentence serves one row of the run
    answered_seeds = {"Zorvatide is manufactured by Lumera Pharma.", "Kelmar fever is caused by Ostravirus."}
    assert not answered_seeds & {e["sentence"] for r in rows for e in r["evidence"]}


@pytest.mark.usefixtures("fakes_on_worker_path")
def test_grounded_run_writes_children_answer_first_without_reuse(tmp_path):
    result = _run(tmp_path, "af", responder="answer_first_or_empty",
                  expansion={"depth": 2, "attributes_per_node": 1, "operations_per_node": 2, "personas_per_node": 1,
                             "attributes_from": "question"})  # fmt: skip
    rows = result.dataset.to_list()
    _check_rows(rows)
    assert {r["hop"] for r in rows} == {1, 2} and {r["branch"] for r in rows} == {"attribute", "persona"}
    generators = Counter(r["generator"] for r in rows)
    assert generators["llm"] and generators["template"], generators  # the fake leaves some replies empty
    rejected = [r["question_rejected"] for r in rows if r["generator"] == "template"]
    assert all(rejected) and "no_llm_output" in rejected, rejected
    assert all(r["question_rejected"] is None for r in rows if r["generator"] == "llm")
    summary = json.loads((result.run_dir / "summary.json").read_text())
    stages = summary["stages"]
    assert "retrieve_evidence_h1" not in stages and summary["answer_first"] is True
    for h in (1, 2):
        counters = stages[f"annotate_h{h}"]["counters"]
        assert counters["answered_first"] == counters["annotated"] and counters["annotator_calls"] == 0
    synth = stages["synthesize_h1"]["counters"]
    composed = synth.get("generator_two_hop", 0) + synth.get("generator_constrained", 0)
    assert synth["generator_llm"] + synth["generator_template"] + 2 * composed == synth["evidence_sentences_used"]
    # 12 usable sentences, 2 answer the seeds: hop 2 runs out of facts and says so
    assert summary["drops_by_reason"].get("evidence_already_used", 0) > 0
    assert summary["support"]["checked"] == summary["support"]["supported"] == len(rows)


@pytest.mark.usefixtures("fakes_on_worker_path")
def test_reflection_resynthesizes_answer_first_rows_on_another_fact(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    monkeypatch.setenv("AIDE_FAKE_LOG", str(log))
    result = _reflected_run(tmp_path, "af_reflect", "answer_first_low_grades", depth=1)
    rows = result.dataset.to_list()
    _check_rows(rows)
    kinds = Counter(line.split()[0] for line in log.read_text().splitlines())
    assert kinds["answer_first_synthesis"] > kinds["grade"] / 2  # first tries plus re-syntheses
    assert kinds["operation_synthesis"] == kinds["persona_synthesis"] == 0
    # every first LLM question failed its grade; its re-synthesis took another unused sentence and asked
    # again (the global reflection step sees the run's used sentences; _check_rows: none serves two rows)
    assert rows and not any(r["question"].startswith("According to") for r in rows)
    again = [r for r in rows if r["question"].startswith("Going by")]
    assert again and all(r["reflection_attempts"] == 1 and r["generator"] == "llm" for r in again)
    reflect = json.loads((result.run_dir / "summary.json").read_text())["stages"]["reflect_h1"]["counters"]
    assert reflect["resynthesized"] == reflect["graded"] - reflect["passed_first_try"] > 0
    assert reflect["resynthesis_new_fact"] + reflect["resynthesis_same_fact"] == reflect["resynthesized"]
    assert reflect["resynthesis_new_fact"] > 0 and "resynthesis_pregrade_passed" not in reflect  # LLM grader


@pytest.mark.usefixtures("fakes_on_worker_path")
def test_evol_baseline_is_written_answer_first_too(tmp_path):
    """The Evol-style baseline on a grounded config gets the same answer-first children (only its
    prompts' wording and branching differ), so the knowledge-lift comparison stays like for like."""
    result = _run(tmp_path, "af_evol", expansion={"method": "evol", "depth": 1, "evol_children_per_node": 2})
    rows = result.dataset.to_list()
    _check_rows(rows)
    assert rows and {r["branch"] for r in rows} == {"evol"}


@pytest.mark.usefixtures("fakes_on_worker_path")
def test_template_questions_make_no_synthesis_call_even_on_resynthesis(tmp_path, monkeypatch):
    log = tmp_path / "calls.log"
    monkeypatch.setenv("AIDE_FAKE_LOG", str(log))
    result = _reflected_run(tmp_path, "af_templates", "year_questions_low_grades", depth=2, llm_questions=False)
    rows = result.dataset.to_list()
    _check_rows(rows)
    kinds = Counter(line.split()[0] for line in log.read_text().splitlines())
    assert kinds["grade"] > 0 and kinds["answer_first_synthesis"] == 0, kinds  # the grader still grades
    assert rows and all(r["generator"] == "template" and r["question_rejected"] is None for r in rows)
    stages = json.loads((result.run_dir / "summary.json").read_text())["stages"]
    assert stages["reflect_h1"]["counters"]["resynthesis_new_fact"] > 0  # a failing row took another fact
    assert stages["synthesize_h1"]["counters"]["generator_template"] == stages["synthesize_h1"]["counters"][
        "evidence_sentences_used"]
