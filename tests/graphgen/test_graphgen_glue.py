"""GraphGen glue without a pipeline: prompt rendering, output parsing, planning, steps on a fake engine."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))


from synth_hf.graph.store import KnowledgeGraph
from synth_hf.models.fake import FakeLLM
from synth_hf.steps.graphgen.extract_prompts import (
    extraction_prompt,
    gleaning_prompt,
    needs_forced_relation,
    record_lines,
    with_forced_prefix,
)
from synth_hf.steps.graphgen.probe_prompts import probe_prompt
from synth_hf.steps.graphgen.quiz_prompts import parse_items
from synth_hf.steps.graphgen.rows import kg_to_unit_rows, unit_rows_to_kg, unit_statement

warnings.filterwarnings("ignore", message=".*hasn't received a pipeline.*")


# ---------------------------------------------------------------------------------------------- prompts
def test_extraction_prompts_render_and_glean():
    prompt = extraction_prompt("Aspirin   inhibits\nCOX.")
    assert prompt.endswith("Text: Aspirin inhibits COX.\nRecords:\n")
    assert prompt.count("END") >= 2  # the few-shot examples show how a list ends
    raw = "entity | Aspirin | drug | A drug.\nrelation | Aspirin | COX | inhibits | Aspirin inhibits COX.\nEND\nentity | X | y | z"
    lines = record_lines(raw)
    assert lines == raw.splitlines()[:2]  # nothing after END
    glean = gleaning_prompt("Aspirin inhibits COX.", lines)
    assert glean.startswith(prompt) and lines[1] in glean and "missing" in glean
    # entities only so far: the next round is forced to continue with a relation record
    entities = ["entity | Aspirin | drug | A drug.", "entity | COX | enzyme | An enzyme."]
    assert needs_forced_relation(entities) and not needs_forced_relation(lines)
    forced = gleaning_prompt("Aspirin inhibits COX.", entities, force_relation=True)
    assert forced.endswith("entity | COX | enzyme | An enzyme.\nrelation |")
    assert with_forced_prefix(" Aspirin | COX | inhibits | x") == "relation | Aspirin | COX | inhibits | x"
    assert with_forced_prefix("relation | A | B | k | d") == "relation | A | B | k | d"


def test_probe_prompt_ends_where_the_answer_starts():
    prompt = probe_prompt("Aspirin\ninhibits COX.")
    assert prompt.endswith("Is this statement true? Aspirin inhibits COX.\nAnswer:")
    assert "Answer: yes" in prompt and "Answer: no" in prompt  # balanced few-shot


def test_parse_items_takes_distinct_list_items():
    raw = " The pancreas makes insulin.\n- The pancreas makes insulin.\n* Insulin comes from the pancreas\n\nStatement: x"
    assert parse_items(raw, "Insulin is made by the pancreas.", 5) == [
        "The pancreas makes insulin.",
        "Insulin comes from the pancreas",
    ]
    assert parse_items(raw, "The pancreas makes insulin", 5) == [
        "Insulin comes from the pancreas"
    ]  # not the original
    assert parse_items("", "x", 2) == []
    # the last line was cut by the token limit; a 'paraphrase' that drifted to another topic is no paraphrase
    cut = " Lisinopril inhibits ACE.\n- Lisinopril is a hormone from the pancreas.\n- Lisinopril blocks the ACE enz"
    assert parse_items(cut, "Lisinopril is an ACE inhibitor.", 5, min_overlap=0.5) == [
        "Lisinopril inhibits ACE."
    ]
    assert len(parse_items(cut, "Lisinopril is an ACE inhibitor.", 5)) == 2


def test_few_shot_copies_are_recognised_everywhere():
    from synth_hf.text.examples import copied_from_examples, grounded

    assert copied_from_examples("Vienna is the capital of Austria.", "Metformin lowers glucose.")
    assert not copied_from_examples("Vienna is the capital of Austria.", "Notes: Vienna is a city in Austria.")
    assert grounded("Type 2 diabetes", "first-line drug for type 2 diabetes")
    assert not grounded("Marie Curie", "Metformin lowers glucose.")
    raw = " The Danube flows through Vienna.\n- Metformin reduces glucose output.\n"
    assert parse_items(raw, "Metformin lowers glucose output.", 3) == ["Metformin reduces glucose output."]


def _chain_kg(n_edges: int, isolated: int = 0) -> KnowledgeGraph:
    kg = KnowledgeGraph()
    names = [f"n{i}" for i in range(n_edges + 1)]
    for i, name in enumerate(names):
        kg.add_node(
            name,
            name=name.upper(),
            entity_type="T",
            description=f"{name.upper()} is node {i}.",
            source_ids=[f"c{i % 2}"],
            loss=float(i),
        )
    for i in range(n_edges):
        kg.add_edge(
            names[i],
            names[i + 1],
            keywords=["next"],
            description=f"{names[i].upper()} precedes {names[i + 1].upper()}.",
            source_ids=["c0"],
            loss=0.5,
        )
    for j in range(isolated):
        kg.add_node(
            f"iso{j}",
            name=f"ISO{j}",
            entity_type="T",
            description=f"ISO{j} stands alone.",
            source_ids=["c1"],
            loss=10.0 + j,
        )
    return kg


def test_unit_rows_roundtrip_and_statements():
    kg = _chain_kg(2)
    rows = kg_to_unit_rows(kg, {"c0": "en", "c1": "de"})
    back = unit_rows_to_kg(rows)
    assert back.unit_ids() == kg.unit_ids()
    assert {r["unit_id"]: r["language"] for r in rows}["n1"] == "de"
    edge = next(r for r in rows if r["kind"] == "edge")
    assert unit_statement(edge) == "N0 precedes N1."
    node = {"kind": "node", "name": "Aspirin", "description": "A drug.", "entity_type": "DRUG"}
    assert unit_statement(node) == "Aspirin: A drug."
    assert unit_statement({**node, "description": ""}) == "Aspirin is a drug."


def _step(cls, **kwargs):
    step = cls(name=cls.__name__.lower(), **kwargs)
    step.load()
    return step


def test_extraction_gleans_until_nothing_new():
    from synth_hf.steps.graphgen.extract import ExtractKnowledge

    llm = FakeLLM(responder="graphgen_fakes:respond")
    step = _step(ExtractKnowledge, llm=llm, gleaning_rounds=3)
    rows = [
        {"chunk_id": "c1", "text": "Aspirin inhibits Cyclooxygenase."},
        {"chunk_id": "c2", "text": "nothing here"},
    ]
    out = step.run_batch(rows)
    assert [r["chunk_id"] for r in out] == ["c1"]
    names = [e["name"] for e in out[0]["entities"]]
    assert names == ["Aspirin", "Cyclooxygenase"]  # the copied 'Danube' is gone, the glean merged
    evidence = [{"chunk_id": "c1", "sentence": "Aspirin inhibits Cyclooxygenase."}]
    # descriptions are the evidence, never the model's text ('Found again in a gleaning round.')
    assert all(e["description"] == "Aspirin inhibits Cyclooxygenase." for e in out[0]["entities"])
    assert all(e["evidence"] == evidence for e in out[0]["entities"])
    assert out[0]["relations"][0]["keywords"] == ["inhibits"] and out[0]["relations"][0]["evidence"] == evidence
    assert out[0]["sentences"] == ["Aspirin inhibits Cyclooxygenase."]
    # c1: first pass + a glean that found the marker + one that found nothing new; c2: one pass only
    assert len(out[0]["extraction_raw"]) == 3 and len(llm.prompts_seen) == 4


def test_extraction_forces_a_relation_when_only_entities_came_back():
    from synth_hf.steps.graphgen.extract import ExtractKnowledge

    llm = FakeLLM(responder="graphgen_fakes:respond_entities_then_forced")
    step = _step(ExtractKnowledge, llm=llm, gleaning_rounds=1)
    [row] = step.run_batch([{"chunk_id": "c1", "text": "Aspirin inhibits Cyclooxygenase."}])
    assert [(r["source"], r["target"], r["keywords"]) for r in row["relations"]] == [
        ("Aspirin", "Cyclooxygenase", ["inhibits"])
    ]
    assert row["extraction_raw"][1].startswith("relation | Aspirin |")
    assert llm.prompts_seen[1].endswith("relation |")


def test_quiz_and_probe_steps():
    from synth_hf.steps.graphgen.probe import ProbeTrainee
    from synth_hf.steps.graphgen.quiz import QuizUnits

    unit = {
        "unit_id": "aspirin",
        "kind": "node",
        "name": "Aspirin",
        "description": "Aspirin inhibits COX.",
        "entity_type": "DRUG",
    }
    quiz = _step(QuizUnits, llm=FakeLLM(responder="graphgen_fakes:respond"), n_paraphrases=2, n_negations=1)
    [row] = quiz.run_batch([unit])
    # the fake's paraphrases: "In other words, ..." passes the support check; "Put differently, ..." and
    # "Said again: ..." add capitalised words the evidence lacks and are refused (counted, not kept)
    assert row["quiz_kinds"] == ["original", "paraphrase", "negation"]
    assert row["quiz_statements"][0] == "Aspirin inhibits COX."  # the evidence (here: the description)
    assert row["quiz_labels"] == [True, True, False]
    probe = _step(ProbeTrainee, llm=FakeLLM(yes_scorer="graphgen_fakes:trainee_yes"))
    [scored] = probe.run_batch([row])
    assert scored["quiz_p_yes"] == pytest.approx([0.95, 0.95, 0.05])
    assert scored["accuracy"] == 1.0 and scored["loss"] == pytest.approx(-__import__("math").log(0.95))


def test_judge_step_drops_below_threshold():
    from synth_hf.steps.graphgen.judge import JudgeGrounding

    judge = _step(JudgeGrounding, llm=FakeLLM(yes_scorer="graphgen_fakes:judge_yes"), threshold=0.5)
    rows = [
        {"question": "Where?", "answer": "In der Leber.", "facts": "- x"},
        {"question": "What?", "answer": "Insulin.", "facts": "- x", "source_texts": ["src"]},
    ]
    out = judge.run_batch(rows)
    assert [r["answer"] for r in out] == ["Insulin."] and out[0]["judge_score"] == pytest.approx(0.9)
    scorer = _step(JudgeGrounding, llm=FakeLLM(rules={"Rate from 1 to 10": '{"score": 10}'}), method="score")
    assert scorer.run_batch(rows[:1])[0]["judge_score"] == 1.0
    broken = _step(JudgeGrounding, llm=FakeLLM(default_reply="no idea"), method="score")
    assert broken.run_batch(rows[:1]) == []


def test_engine_failures_are_named_not_mistaken_for_bad_output(tmp_path):
    from synth_hf.steps.common.ledger import Ledger
    from synth_hf.steps.graphgen.generate import GenerateQA
    from synth_hf.steps.graphgen.judge import JudgeGrounding
    from synth_hf.steps.graphgen.probe import ProbeTrainee

    broken = {"fail_on": ".", "on_batch_failure": "skip", "batch_retries": 0}
    sample = {
        "sample_id": "atomic-00000", "mode": "atomic", "style": "concise", "language": "en",
        "evidence": [{"chunk_id": "c1", "sentence": "Aspirin inhibits Cyclooxygenase."}],
        "answer_span": "Cyclooxygenase", "anchor_names": ["Aspirin"], "hidden_names": [], "tf_label": True,
    }  # fmt: skip
    gen = _step(GenerateQA, llm=FakeLLM(**broken), ledger_dir=str(tmp_path))
    # the engine failed: the fact is still covered by the template question, and the failure is named
    [row] = gen.run_batch([sample])
    assert row["generator"] == "template" and row["question_rejected"] == "engine_failed"
    assert row["question"] == "Fill in the blank: Aspirin inhibits ____."
    wh = _step(GenerateQA, llm=FakeLLM(**broken), template_style="wh")
    assert wh.run_batch([sample])[0]["question"] == "Aspirin inhibits what?"
    stage = Ledger(tmp_path).stage_summary()["generateqa"]
    assert stage["counters"]["engine_failed_calls"] == 1
    probe = _step(ProbeTrainee, llm=FakeLLM(yes_scorer="graphgen_fakes:failing_scorer", **broken))
    [row] = probe.run_batch([{"unit_id": "a", "quiz_statements": ["A is B."], "quiz_labels": [True]}])
    assert row["quiz_p_yes"] == [None] and row["loss"] is None
    judge = _step(
        JudgeGrounding,
        llm=FakeLLM(yes_scorer="graphgen_fakes:failing_scorer", **broken),
        ledger_dir=str(tmp_path),
    )
    assert judge.run_batch([{"question": "Q?", "answer": "A.", "facts": "- A."}]) == []
    assert Ledger(tmp_path).stage_summary()["judgegrounding"]["dropped"] == {"judge_failed": 1}


def test_merge_step_resolves_near_duplicates_summarises_and_saves(tmp_path):
    from synth_hf.steps.graphgen.merge import CHUNKS_FILE, MergeGraph

    def ent(name: str, etype: str, desc: str) -> dict:
        return {"name": name, "entity_type": etype, "description": desc}

    rows = [
        {"chunk_id": "c1", "text": "t1", "language": "en",
         "entities": [ent("ACE inhibitor", "drug class", "ACE inhibitors block the conversion of angiotensin I."),
                      ent("Lisinopril", "drug", "Lisinopril is an ACE inhibitor.")],
         "relations": [{"source": "Lisinopril", "target": "ACE inhibitor", "keywords": ["is a"],
                        "description": "Lisinopril is an ACE inhibitor."}]},
        {"chunk_id": "c2", "text": "t2", "language": "en",
         "entities": [ent("ACE inhibitors", "drug class", "ACE inhibitors raise bradykinin and can cause a dry "
                          "cough in a noticeable share of patients."),
                      ent("Lisinopril", "medication", "Lisinopril treats hypertension."),
                      ent("lisinopril", "drug", "Lisinopril is taken once daily.")],
         "relations": []},
    ]  # fmt: skip
    faithful = " ACE inhibitors block the conversion of angiotensin I and raise bradykinin."
    llm = FakeLLM(rules={"Combine the notes": faithful})
    step = _step(MergeGraph, llm=llm, graph_dir=str(tmp_path / "graph"), description_token_budget=12,
                 embedding_merge=True, similarity_threshold=0.9)  # fmt: skip
    units = {r["unit_id"]: r for r in step.run_batch(rows)}
    # "ACE inhibitors" merged into "ACE inhibitor" by embedding; "lisinopril" by name normalisation
    assert set(units) == {"ace inhibitor", "lisinopril", "lisinopril -> ace inhibitor"}
    assert units["lisinopril"]["entity_type"] == "DRUG"  # majority type
    assert units["ace inhibitor"]["source_chunk_ids"] == ["c1", "c2"]
    assert (
        units["ace inhibitor"]["summarized"]
        and units["ace inhibitor"]["description"] == faithful.strip()
    )
    kg = KnowledgeGraph.load(tmp_path / "graph")
    assert len(kg.get_unit("ace inhibitor")["descriptions"]) == 2  # the parts are kept, never cut
    assert (tmp_path / "graph" / "graph.graphml").exists() and (tmp_path / "graph" / CHUNKS_FILE).exists()


ACE_DESCS = ["ACE inhibitors block the conversion of angiotensin I.", "ACE inhibitors raise bradykinin levels."]


def _ace_rows(descs: list[str]) -> list[dict]:
    """Extraction rows naming one entity once per description, each in its own chunk."""
    return [
        {"chunk_id": f"c{i}", "text": "t", "language": "en", "relations": [],
         "entities": [{"name": "ACE inhibitor", "entity_type": "drug class", "description": d}]}
        for i, d in enumerate(descs)
    ]  # fmt: skip


def test_merge_keeps_all_descriptions_when_the_summary_is_a_copied_example(tmp_path):
    from synth_hf.steps.graphgen.merge import MergeGraph

    descs = ACE_DESCS
    rows = _ace_rows(descs)
    copycat = FakeLLM(rules={"Combine the notes": " Vienna is the capital of Austria and lies on the Danube."})
    step = _step(MergeGraph, llm=copycat, graph_dir=str(tmp_path / "g"), description_token_budget=8)
    [unit] = step.run_batch(rows)
    assert not unit["summarized"] and unit["description"] == "\n".join(descs)  # joined, never cut
    # a summary that says what the evidence does not (a drifted description) is refused the same way
    drifter = FakeLLM(rules={"Combine the notes": " ACE inhibitors were discovered by Vell in 1931."})
    step = _step(MergeGraph, llm=drifter, graph_dir=str(tmp_path / "g2"), description_token_budget=8)
    [unit] = step.run_batch(rows)
    assert not unit["summarized"] and unit["description"] == "\n".join(descs)


class _CountingLLM(FakeLLM):
    """A fake engine that counts its loads (merge loads its engine only when it has something to summarise)."""

    loads: int = 0

    def load(self) -> None:
        super().load()
        object.__setattr__(self, "loads", self.loads + 1)


def test_merge_loads_its_engine_only_when_a_unit_needs_a_summary(tmp_path):
    from synth_hf.steps.graphgen.merge import MergeGraph

    rows = _ace_rows(ACE_DESCS)
    roomy = _step(MergeGraph, llm=_CountingLLM(), graph_dir=str(tmp_path / "g"), description_token_budget=512)
    roomy.run_batch(rows)
    assert roomy.llm.loads == 0 and roomy.llm.usage["calls"] == 0  # nothing over budget: no model load
    tight = _step(MergeGraph, llm=_CountingLLM(), graph_dir=str(tmp_path / "g2"), description_token_budget=8)
    tight.run_batch(rows)
    assert tight.llm.loads == 1 and tight.llm.usage["calls"] == 1
