"""Reflection's grade before the call for answer-first children (the candidate fact is graded on its
branch's criterion: relevance to the seed, diversity from the parent), and re-synthesis of a failing
answer-first row on another fact. Embeddings: the lexical `hashing` stand-in, so grades follow word
overlap and the tests need no model."""

import json

from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.answer_first import FactIndex, retrieval_query
from synth_hf.steps.aide.grading import FactJudge, embedding_grades
from synth_hf.steps.aide.reflect import SelfReflect
from synth_hf.steps.aide.reflect_answer_first import SelfReflectAnswerFirst
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.aide.synthesize_answer_first import SynthesizeAnswerFirst
from synth_hf.steps.common.ledger import Ledger
from synth_hf.text.retrieval import document_passages

DOCS = {
    "z.md": "Zorvatide was approved in 2009. Zorvatide was approved for children in 2014. "
    "Zorvatide is taken twice daily. Zorvatide is made by Lumera Pharma.",
    "b.md": "Brevimast is sold by Castiva Labs. Castiva Labs is based in Oskeval. Oskeval is the capital of Valdoria.",
}
SEED = "Zorvatide was approved in which country?"  # its answer (Halden) is in no document: nothing reserved
# BM25 ranks the Brevimast / Castiva sentences first for this attribute ("Castiva Labs"), though they are
# off the seed's topic; "Zorvatide was approved in 2009." ranks third
OFF_TOPIC_TAIL = "Castiva Labs"


def _passages():
    return document_passages(DOCS.items())


def _attribute_child(**values) -> dict:
    base = {"row_id": "s.a1", "seed_id": "s", "hop": 1, "branch": "attribute", "parent_question": SEED,
            "seed_question": SEED, "seed_answer": "Halden",
            "attribute_triplet": {"head": "Zorvatide", "relation": "", "tail": OFF_TOPIC_TAIL}}  # fmt: skip
    return new_row(**{**base, **values})


def _persona_child() -> dict:
    return new_row(row_id="s.a1.p1", seed_id="s", hop=2, branch="persona", persona="a nurse asking about approval",
                   parent_question="Zorvatide was approved in which year?", seed_question=SEED, seed_answer="Halden",
                   attribute_triplet={"head": "Zorvatide", "relation": "", "tail": ""})  # fmt: skip


def test_attribute_child_skips_an_off_topic_sentence_ranked_above_a_relevant_one():
    index, child = FactIndex(_passages()), _attribute_child()
    query = retrieval_query(child)
    plain = index.choose(query, set())
    assert plain.passage["sentence"] == "Brevimast is sold by Castiva Labs." and plain.pregrade is None
    graded = index.choose(query, set(), judge=FactJudge("hashing", 6, 5).for_child(child))
    assert graded.passage["sentence"] == "Zorvatide was approved in 2009." and graded.pregrade == "passed"
    # the pre-grade is the grade reflection gives the same question afterwards (one shared scale)
    relevance, _, _ = embedding_grades([{**child, "question": graded.question}], "hashing")[0]
    assert relevance >= 6 > embedding_grades([{**child, "question": plain.question}], "hashing")[0][0]


def test_persona_child_takes_a_fact_asked_unlike_its_parent():
    index, child = FactIndex(_passages()), _persona_child()
    used = {"z.md:s0"}  # the parent's own sentence
    plain = index.choose(retrieval_query(child), used)
    assert plain.passage["chunk_id"] == "z.md:s1"  # "approved for children": the parent's question again
    graded = index.choose(retrieval_query(child), used, judge=FactJudge("hashing", 6, 5).for_child(child))
    assert graded.pregrade == "passed" and graded.passage["chunk_id"] not in ("z.md:s0", "z.md:s1")
    _, diversity, _ = embedding_grades([{**child, "question": graded.question}], "hashing")[0]
    assert diversity >= 5


def test_without_a_passing_candidate_the_best_graded_one_is_taken():
    index, child = FactIndex(_passages()), _attribute_child()
    got = index.choose(retrieval_query(child), set(), judge=FactJudge("hashing", 10, 5).for_child(child))
    assert got.pregrade == "fallback" and got.passage["sentence"] == "Zorvatide was approved in 2009."
    everything = {p["chunk_id"] for p in index.passages}
    assert index.choose(retrieval_query(child), everything, judge=FactJudge("hashing", 6, 5).for_child(child)) \
        == "evidence_already_used"  # fmt: skip


def _empty(prompt: str, index: int) -> str:
    """No usable question: every child gets its sentence's template question."""
    return ""


def _write_passages(tmp_path, docs=None) -> str:
    path = tmp_path / "passages.json"
    path.write_text(json.dumps(document_passages((docs or DOCS).items())))
    return str(path)


def _seed_row() -> dict:
    return new_row(row_id="s", seed_id="s", hop=0, question=SEED, seed_question=SEED, seed_answer="Halden",
                   topic="Zorvatide", attributes=[{"attribute": OFF_TOPIC_TAIL, "relation": "relates to"}],
                   attr_quota=1, persona_quota=0)  # fmt: skip


def test_synthesis_step_pregrades_its_picks_and_counts_them(tmp_path):
    common = {"llm": FakeLLM(responder=f"{__name__}:_empty"), "hop": 1, "operation_order": ["concretize"],
              "operations": {"concretize": "make it concrete"}, "passages_path": _write_passages(tmp_path)}  # fmt: skip
    picked = {}
    for pregrade in (False, True):
        ledger = tmp_path / f"ledger_{pregrade}"
        step = SynthesizeAnswerFirst(name="synthesize_h1", pregrade=pregrade, embedder="hashing",
                                     ledger_dir=str(ledger), **common)  # fmt: skip
        step.load()
        (child,) = next(step.process([_seed_row()]))
        picked[pregrade] = child["evidence"][0]["sentence"]
        counters = Ledger(ledger).stage_summary()["synthesize_h1"]["counters"]
        assert counters.get("pregrade_passed", 0) == int(pregrade) and "pregrade_fallback" not in counters
    assert picked == {False: "Brevimast is sold by Castiva Labs.", True: "Zorvatide was approved in 2009."}


def _failing_stream() -> list[dict]:
    """A kept row on "approved for children", and a child written for the off-topic Brevimast sentence
    (its template question fails relevance 6)."""
    kept = _attribute_child(row_id="s.a2", question="Zorvatide was approved for children in which year?",
                            evidence=[{"chunk_id": "z.md:s1", "sentence": "Zorvatide was approved for children in 2014."}],
                            answer_span="2014")  # fmt: skip
    failing = _attribute_child(question="Brevimast is sold by what?", answer_span="Castiva Labs", synthesis_raw="Who sells it?",
                               evidence=[{"chunk_id": "b.md:s0", "sentence": "Brevimast is sold by Castiva Labs."}])  # fmt: skip
    return [kept, failing]


def _reflect(cls, tmp_path, docs=None, **extra):
    step = cls(name="reflect_h1", llm=FakeLLM(responder=f"{__name__}:_empty"), hop=1, max_attempts=1,
               scorer="embedding", embedder="hashing", min_relevance=6, ledger_dir=str(tmp_path / "ledger"),
               operations={"concretize": "make it concrete"}, **extra)  # fmt: skip
    step.load()
    out = next(step.process(_failing_stream()))
    return out, Ledger(tmp_path / "ledger").stage_summary()["reflect_h1"]


def test_a_failing_answer_first_row_is_resynthesized_on_another_sentence(tmp_path):
    out, stage = _reflect(SelfReflectAnswerFirst, tmp_path, passages_path=_write_passages(tmp_path))
    row = next(r for r in out if r["row_id"] == "s.a1")
    assert row["evidence"][0]["sentence"] == "Zorvatide was approved in 2009." and row["answer_span"] == "2009"
    assert row["question"] == "Zorvatide was approved in which year?" and row["relevance"] >= 6
    assert row["draft_answer"].startswith("2009") and row["reflection_attempts"] == 1
    assert row["synthesis_raw"] == _empty("", 0)  # the re-synthesis reply, not the first one
    assert stage["dropped"] == {} and stage["counters"]["resynthesized"] == 1
    assert stage["counters"]["resynthesis_new_fact"] == stage["counters"]["resynthesis_pregrade_passed"] == 1
    assert stage["counters"]["resynthesis_same_fact"] == 0
    # the batch step re-asks on the same sentence: the template question fails again and the row is dropped
    out, stage = _reflect(SelfReflect, tmp_path / "batch")
    assert [r["row_id"] for r in out] == ["s.a2"] and stage["dropped"] == {"reflection_failed": 1}


def test_a_row_without_another_unused_sentence_keeps_its_fact_and_is_counted(tmp_path):
    docs = {"z.md": "Zorvatide was approved in 2009. Zorvatide was approved for children in 2014.",
            "b.md": "Brevimast is sold by Castiva Labs."}  # fmt: skip
    stream_used = {"chunk_id": "z.md:s0", "sentence": "Zorvatide was approved in 2009."}
    path = _write_passages(tmp_path, docs)
    step = SelfReflectAnswerFirst(name="reflect_h1", llm=FakeLLM(responder=f"{__name__}:_empty"), hop=1,
                                  max_attempts=1, scorer="embedding", embedder="hashing", min_relevance=6,
                                  ledger_dir=str(tmp_path / "ledger"), passages_path=path)  # fmt: skip
    step.load()
    other = _attribute_child(row_id="s.a3", question="Zorvatide was approved in which year?", evidence=[stream_used])
    out = next(step.process([*_failing_stream(), other]))
    assert [r["row_id"] for r in out] == ["s.a2", "s.a3"]  # every other sentence serves a row
    stage = Ledger(tmp_path / "ledger").stage_summary()["reflect_h1"]
    assert stage["dropped"] == {"reflection_failed": 1}
    assert stage["counters"]["resynthesis_same_fact"] == 1 and stage["counters"]["resynthesis_new_fact"] == 0


def test_a_sentence_one_row_failed_with_is_not_handed_to_a_sibling(tmp_path):
    """Two siblings fail on off-topic sentences; the first's released sentence tops the second's ranking
    (same query, same seed) but failed for that seed already, so the second takes another one."""
    docs = {"z.md": "Zorvatide was approved in 2009.",
            "b.md": "Brevimast is sold by Castiva Labs. Castiva Labs is based in Oskeval. Castiva Labs makes Quenamycin."}  # fmt: skip
    path = _write_passages(tmp_path, docs)
    step = SelfReflectAnswerFirst(name="reflect_h1", llm=FakeLLM(responder=f"{__name__}:_empty"), hop=1,
                                  max_attempts=2, scorer="embedding", embedder="hashing", min_relevance=9,
                                  ledger_dir=str(tmp_path / "ledger"), passages_path=path)  # fmt: skip
    step.load()
    first = _attribute_child(row_id="s.a1", question="Brevimast is sold by what?", answer_span="Castiva Labs",
                             evidence=[{"chunk_id": "b.md:s0", "sentence": "Brevimast is sold by Castiva Labs."}])  # fmt: skip
    second = _attribute_child(row_id="s.a2", question="Castiva Labs is based in what?", answer_span="Oskeval",
                              evidence=[{"chunk_id": "b.md:s1", "sentence": "Castiva Labs is based in Oskeval."}])  # fmt: skip
    next(step.process([first, second]))
    assert Ledger(tmp_path / "ledger").stage_summary()["reflect_h1"]["counters"]["resynthesized"] == 4
    tried = step._state["tried"]  # row -> the sentences it failed with (after two re-syntheses: both)
    assert "b.md:s0" in tried["s.a1"] and len(tried["s.a2"]) == 2
    assert "b.md:s0" not in tried["s.a2"]  # never moved onto its sibling's failed sentence


def _two_hop_child(row_id: str = "s.a1") -> dict:
    first = {"chunk_id": "b.md:s0", "sentence": "Brevimast is sold by Castiva Labs."}
    second = {"chunk_id": "b.md:s1", "sentence": "Castiva Labs is based in Oskeval."}
    return _attribute_child(row_id=row_id, question="The one that Brevimast is sold by is based in what?",
                            answer_span="Oskeval", reasoning_link="Castiva Labs", generator="two_hop",
                            evidence=[first, second], operation="add_reasoning")  # fmt: skip


def test_a_failing_two_hop_row_releases_both_sentences_and_becomes_a_one_hop_row(tmp_path):
    docs = {"z.md": "Zorvatide was approved in 2009.", "b.md": DOCS["b.md"]}
    step = SelfReflectAnswerFirst(name="reflect_h1", llm=FakeLLM(responder=f"{__name__}:_empty"), hop=1,
                                  max_attempts=1, scorer="embedding", embedder="hashing", min_relevance=6,
                                  ledger_dir=str(tmp_path / "ledger"), passages_path=_write_passages(tmp_path, docs))  # fmt: skip
    step.load()
    (row,) = next(step.process([_two_hop_child()]))
    assert row["reasoning_link"] is None and [e["sentence"] for e in row["evidence"]] == ["Zorvatide was approved in 2009."]
    assert row["question"] == "Zorvatide was approved in which year?" and row["answer_span"] == "2009"
    assert step._state["tried"]["s.a1"] == {"b.md:s0", "b.md:s1"}  # both released, neither handed back


def test_a_failing_two_hop_row_without_another_fact_keeps_its_question_and_is_not_reasked(tmp_path):
    docs = {"b.md": "Brevimast is sold by Castiva Labs. Castiva Labs is based in Oskeval."}
    step = SelfReflectAnswerFirst(name="reflect_h1", llm=FakeLLM(responder=f"{__name__}:_empty"), hop=1,
                                  max_attempts=2, scorer="embedding", embedder="hashing", min_relevance=6,
                                  ledger_dir=str(tmp_path / "ledger"), passages_path=_write_passages(tmp_path, docs))  # fmt: skip
    step.load()
    next(step.process([_two_hop_child()]))
    stage = Ledger(tmp_path / "ledger").stage_summary()["reflect_h1"]
    assert stage["dropped"] == {"reflection_failed": 1} and stage["llm_calls"] == 0  # a one-fact prompt never sent
    (dropped,) = Ledger(tmp_path / "ledger").dropped_rows()
    row = json.loads(dropped["row"])
    assert row["question"] == "The one that Brevimast is sold by is based in what?"
    assert row["reflection_attempts"] == 2 and len(row["evidence"]) == 2
