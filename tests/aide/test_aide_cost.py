"""AIDE LLM calls per kept row (issue 11 performance): deterministic checks before a call, no call
whose reply is known in advance, and the run's call accounting."""

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from aide_fakes import GROUNDED_DOCS, GROUNDED_SEEDS, config_data

from synth_hf.models.base import GenParams
from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.annotate import AnnotateAndVerify
from synth_hf.steps.aide.extract import ExtractAttributes
from synth_hf.steps.aide.grounding import evidence_sentence_answer, ground_free_text, groundable
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.aide.synthesis_prompts import EXTRACTION_SCHEMA
from synth_hf.steps.common.ledger import Ledger
from synth_hf.text.support import check_support

ZORVATIDE = ["Zorvatide is manufactured by Lumera Pharma.", "Zorvatide was approved in 2009."]


def _grounded_docs(tmp_path) -> Path:
    """GROUNDED_DOCS written as one file each under tmp_path/docs."""
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, text in GROUNDED_DOCS.items():
        (docs / name).write_text(text)
    return docs


def _row(i: int, question: str, draft: str | None, evidence: list[str]) -> dict:
    return new_row(row_id=f"r{i}", seed_id="s", hop=1, branch="attribute", question=question, draft_answer=draft,
                   seed_question="seed", synth_model="synth-model",
                   evidence=[{"chunk_id": f"d:s{k}", "sentence": e} for k, e in enumerate(evidence)])  # fmt: skip


def _annotate(tmp_path, rows: list[dict], **kw) -> tuple[list[dict], dict, FakeLLM]:
    llm = FakeLLM(default_reply=" Lumera Pharma", name="annotator-model")
    step = AnnotateAndVerify(name="annotate_h1", llm=llm, hop=1, seed_format="qa", grounded=True,
                             ledger_dir=str(tmp_path), **kw)  # fmt: skip
    step.load()
    out = next(step.process(rows))
    return out, Ledger(tmp_path).stage_summary()["annotate_h1"], llm


def test_groundable_is_the_precondition_of_a_supported_answer():
    assert groundable("Which company manufactures Zorvatide?", ZORVATIDE)
    assert not groundable("Which company manufactures a drug?", ZORVATIDE)  # one content word shared
    assert not groundable("Which company manufactures Brevimast?", ZORVATIDE)  # its name is missing
    assert groundable("Which company manufactured the pharma product?", ZORVATIDE)  # no name: two words
    # what it rules out, neither the support check nor the evidence-sentence fallback could keep
    for question in ("Which company manufactures a drug?", "Which company manufactures Brevimast?"):
        assert ground_free_text(question, "Lumera Pharma", ZORVATIDE)[1] == "answer_not_about_question"
        assert evidence_sentence_answer(question, ZORVATIDE) is None


def test_a_question_no_evidence_is_about_costs_no_annotator_call(tmp_path):
    evidence = ["Fendoralin is manufactured by Castiva Labs.", *ZORVATIDE]
    rows = [_row(0, "Which company manufactures Zorvatide?", None, evidence),
            _row(1, "Which company manufactures a drug?", None, evidence)]  # fmt: skip
    out, ledger, llm = _annotate(tmp_path, rows, evidence_fallback=True)
    assert llm.usage["calls"] == 1 and len(llm.prompts_seen) == 1 and "Zorvatide?" in llm.prompts_seen[0]
    # the annotator sees the sentences about the question only, not the other drug's maker
    assert "Lumera Pharma" in llm.prompts_seen[0] and "Castiva" not in llm.prompts_seen[0]
    assert [r["row_id"] for r in out] == ["r0"] and out[0]["answer"] == "Lumera Pharma"
    assert ledger["dropped"] == {"evidence_not_about_question": 1}
    counters = ledger["counters"]  # still a generated row that failed the check: in the support rate
    assert counters["checked:attribute"] == 2 and counters["supported:attribute"] == 1
    assert counters["dropped_before_call"] == 1 and counters["annotator_calls"] == 1


def test_a_supported_draft_is_the_answer_without_a_call(tmp_path):
    rows = [_row(0, "In which year was Zorvatide approved?", "2009.", ZORVATIDE),
            _row(1, "Which company manufactures Zorvatide?", "Orvel Biotech", ZORVATIDE)]  # fmt: skip
    out, ledger, llm = _annotate(tmp_path, rows)
    assert llm.usage["calls"] == 1 and "manufactures Zorvatide" in llm.prompts_seen[0]  # only the bad draft
    by_id = {r["row_id"]: r for r in out}
    assert by_id["r0"]["answer"] == "2009" and by_id["r0"]["verified"] is True
    assert by_id["r0"]["verification"] == "evidence" and by_id["r0"]["annotator_model"] == "synth-model"
    assert by_id["r1"]["answer"] == "Lumera Pharma" and by_id["r1"]["annotator_model"] == "annotator-model"
    assert by_id["r1"]["agreed"] is False  # the draft it replaced
    assert ledger["counters"]["answered_by_draft"] == 1 and ledger["counters"]["supported:attribute"] == 2


@pytest.mark.parametrize(("native", "temperature", "calls"), [(True, 0.0, 1), (True, 0.7, 3), (False, 0.0, 3)])
def test_greedy_constrained_json_is_not_reasked(native, temperature, calls):
    """Under native constrained decoding a greedy reply fails only by being cut; asking again
    repeats it. Sampled requests and prompt-only schemas keep their re-asks."""
    llm = FakeLLM(default_reply='{"topic": "cut', structured_retries=2, native_structured_output=native)
    llm.load()
    result = llm.generate_json(["q"], EXTRACTION_SCHEMA, temperature=temperature)[0]
    assert result.data is None and result.raw == '{"topic": "cut'
    assert llm.usage["calls"] == calls and result.attempts == calls


SCHEMAS: list = []  # the JSON schema each SchemaRecorder request was constrained to


class SchemaRecorder(FakeLLM):
    def _complete(self, prompts: list[list[dict]], params: GenParams):
        SCHEMAS.append(params.json_schema)
        return super()._complete(prompts, params)


def test_native_extraction_is_bounded_to_the_attributes_asked(tmp_path):
    """Gemma-3-270M repeated one attribute until max_new_tokens cut its JSON (and was re-asked twice):
    a native engine gets maxItems = k and bounded strings; a prompt-only schema stays as it was."""
    reply = json.dumps({"topic": "dose", "attributes": [{"attribute": "tablet", "relation": "form of"}]})
    parent = new_row(row_id="p", seed_id="s", hop=0, question="What is the dose of Zorvatide?", attr_quota=3)
    for native in (True, False):
        SCHEMAS.clear()
        llm = SchemaRecorder(default_reply=reply, native_structured_output=native)
        llm.load()
        step = ExtractAttributes(name="extract_h1", llm=llm, hop=1, attributes_per_node=2, ledger_dir=str(tmp_path))
        step.load()
        out = next(step.process([parent]))
        assert out[0]["attributes"][0] == {"attribute": "tablet", "relation": "form of"}
        if native:
            schema = SCHEMAS[0]["properties"]
            assert schema["attributes"]["maxItems"] == 2 and schema["topic"]["maxLength"] > 0
            assert schema["attributes"]["items"]["properties"]["relation"]["maxLength"] > 0
        else:
            assert SCHEMAS == [None]


@pytest.mark.usefixtures("fakes_on_worker_path")
def test_grounded_run_spends_annotator_calls_only_where_they_can_keep_a_row(tmp_path):
    """Whole run: every LLM call is an extraction, a synthesis or an annotator call for a groundable
    question whose draft was not already supported; the kept rows are all supported."""
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig

    docs = _grounded_docs(tmp_path)
    data = config_data(str(tmp_path), "cost", seeds={"rows": GROUNDED_SEEDS},
                       expansion={"depth": 1, "attributes_per_node": 2, "operations_per_node": 2,
                                  "personas_per_node": 0},
                       dedup={"minhash_threshold": None}, documents={"source": str(docs), "top_k": 2})  # fmt: skip
    data["engine"]["options"]["responder"] = "aide_cost_fakes:cost_kinds"
    result = run_aide(AIDEConfig.model_validate(data))
    summary = json.loads((result.run_dir / "summary.json").read_text())
    stages = summary["stages"]
    ann = stages["annotate_h1"]
    counters = ann["counters"]
    assert counters["dropped_before_call"] > 0 and counters["answered_by_draft"] > 0
    assert ann["dropped"]["evidence_not_about_question"] == counters["dropped_before_call"]
    needed = counters["annotated"] - counters["dropped_before_call"] - counters["answered_by_draft"]
    assert ann["llm_calls"] == counters["annotator_calls"] == needed > 0
    assert summary["llm_calls"] == stages["extract_attributes_h1"]["llm_calls"] + stages["synthesize_h1"]["llm_calls"] + needed
    rows = result.dataset.to_list()
    assert len(rows) == counters["answered_by_draft"] + needed  # every call left a supported row here
    for row in rows:
        assert row["verified"] is True
        assert check_support(row["answer"], [e["sentence"] for e in row["evidence"]]).supported, row


def test_evidence_answer_source_makes_no_annotator_call(tmp_path):
    """`answer_source="evidence"`: a supported draft is kept, an unsupported or missing draft is answered
    by the evidence sentence about the question, an ungroundable question is dropped; no call at all,
    and the support rate still counts only the drafts that passed."""
    evidence = ["Fendoralin is manufactured by Castiva Labs.", *ZORVATIDE]
    rows = [_row(0, "In which year was Zorvatide approved?", "2009", evidence),
            _row(1, "Which company manufactures Zorvatide?", "Orvel Biotech", evidence),
            _row(2, "Who manufactures Fendoralin?", None, evidence),
            _row(3, "Which company manufactures a drug?", "Lumera Pharma", evidence),
            _row(4, "Who sets the price of Zorvatide?", None, evidence)]  # fmt: skip
    out, ledger, llm = _annotate(tmp_path, rows, answer_source="evidence")
    assert llm.usage["calls"] == 0 and llm.prompts_seen == []
    by_id = {r["row_id"]: r for r in out}
    # r4: sentences about Zorvatide, none about its price - a neighbouring fact is no answer
    assert set(by_id) == {"r0", "r1", "r2"}
    assert ledger["dropped"] == {"evidence_not_about_question": 1, "evidence_does_not_answer_question": 1}
    assert by_id["r0"]["answer"] == "2009" and by_id["r0"]["verification"] == "evidence"
    assert by_id["r0"]["annotator_model"] == "synth-model"
    assert by_id["r1"]["answer"] == "Zorvatide is manufactured by Lumera Pharma."
    assert by_id["r2"]["answer"] == "Fendoralin is manufactured by Castiva Labs."
    for row_id in ("r1", "r2"):
        row = by_id[row_id]
        assert row["verification"] == "evidence_sentence" and row["verified"] is True
        assert row["annotator_model"] == "evidence"
    counters = ledger["counters"]
    assert counters["annotator_calls"] == 0 and counters["answered_by_evidence_sentence"] == 2
    assert counters["answered_by_draft"] == 1 and counters["dropped_before_call"] == 1
    assert counters["checked:attribute"] == 5 and counters["supported:attribute"] == 1  # only r0's draft
    # the annotator mode, same rows: r1 and r2 each cost a call
    out, ledger, llm = _annotate(tmp_path / "annotator", rows, evidence_fallback=True)
    assert llm.usage["calls"] == 3 and ledger["counters"]["annotator_calls"] == 3


def test_evidence_answer_source_needs_documents(tmp_path):
    from pydantic import ValidationError

    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.pipelines.aide_plan import plan_aide

    data = {"seeds": {"rows": GROUNDED_SEEDS}, "annotation": {"answer_source": "evidence"}}
    with pytest.raises(ValidationError, match="answer_source: evidence answers from the documents"):
        AIDEConfig.model_validate(data)
    plan = plan_aide(AIDEConfig.model_validate({**data, "documents": {"source": "docs"}}), 2)
    assert plan["llm_calls"]["annotate_h1"] == plan["llm_calls"]["annotate_h2"] == 0
    annotator = AIDEConfig.model_validate({**data, "documents": {"source": "docs"}, "annotation": {}})
    assert plan_aide(annotator, 2)["llm_calls"]["annotate_h1"] == plan["rows_per_hop"][1]


@pytest.mark.usefixtures("fakes_on_worker_path")
@pytest.mark.parametrize("attributes_from", ["llm", "question"])
def test_evidence_answer_source_run_spends_no_annotation_call_as_planned(tmp_path, attributes_from):
    """Whole run with `answer_source: evidence`: the ledger's calls per stage are the dry-run plan's
    (no annotation call; with attributes from the question, no extraction call either), every kept row
    is answered by its supported draft or its evidence sentence."""
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.pipelines.aide_plan import plan_aide

    docs = _grounded_docs(tmp_path)
    data = config_data(str(tmp_path), "evidence", seeds={"rows": GROUNDED_SEEDS},
                       expansion={"depth": 1, "attributes_per_node": 2, "operations_per_node": 2,
                                  "personas_per_node": 0, "attributes_from": attributes_from,
                                  "answer_first": False},  # free synthesis, answered afterwards
                       annotation={"answer_source": "evidence"},
                       dedup={"minhash_threshold": None}, documents={"source": str(docs), "top_k": 2})  # fmt: skip
    data["engine"]["options"]["responder"] = "aide_cost_fakes:cost_kinds"
    config = AIDEConfig.model_validate(data)
    plan = plan_aide(config, len(GROUNDED_SEEDS))
    result = run_aide(config)
    summary = json.loads((result.run_dir / "summary.json").read_text())
    spent = {name: s["llm_calls"] for name, s in summary["stages"].items() if "llm_calls" in s}
    assert {k: v for k, v in spent.items() if v} == {k: v for k, v in plan["llm_calls"].items() if v}
    assert plan["llm_calls"]["annotate_h1"] == 0 and summary["llm_calls"] == plan["llm_calls_total"]
    extraction = summary["stages"]["extract_attributes_h1"]
    assert extraction["llm_calls"] == (len(GROUNDED_SEEDS) if attributes_from == "llm" else 0)
    if attributes_from == "question":
        assert extraction["counters"]["attributes_from_question"] == len(GROUNDED_SEEDS)
        assert summary["llm_calls"] == summary["stages"]["synthesize_h1"]["llm_calls"]
    counters = summary["stages"]["annotate_h1"]["counters"]
    assert counters["annotator_calls"] == 0 and counters["answered_by_draft"] > 0
    assert counters["answered_by_evidence_sentence"] > 0  # the unsupported drafts
    rows = result.dataset.to_list()
    assert len(rows) == counters["answered_by_draft"] + counters["answered_by_evidence_sentence"]
    for row in rows:
        evidence = [e["sentence"] for e in row["evidence"]]
        assert row["verified"] is True and row["verification"] in ("evidence", "evidence_sentence")
        assert check_support(row["answer"], evidence).supported, row
    support = summary["support"]  # the evidence sentences are not counted as supported answers
    assert support["supported"] == counters["answered_by_draft"] < len(rows)


def test_attributes_from_the_question_cost_no_extraction_call(tmp_path):
    """`from_question`: topic = the question's names (else its longest content word), attributes = its
    other words; leaves untouched, persona-only parents get a topic and no attribute, no call."""
    from synth_hf.steps.aide.outputs import question_topic

    llm = FakeLLM(default_reply='{"topic": "never asked", "attributes": []}')
    step = ExtractAttributes(name="extract_h1", llm=llm, hop=1, attributes_per_node=2, from_question=True,
                             ledger_dir=str(tmp_path))  # fmt: skip
    step.load()
    rows = [new_row(row_id="a", seed_id="a", hop=0, question="Which company manufactures Zorvatide?", attr_quota=2),
            new_row(row_id="p", seed_id="p", hop=0, question="How do volcanoes form?", persona_quota=1),
            new_row(row_id="leaf", seed_id="l", hop=0, question="What is Quenamycin made from?")]  # fmt: skip
    out = {r["row_id"]: r for r in next(step.process(rows))}
    assert llm.usage["calls"] == 0 and llm.prompts_seen == []
    assert out["a"]["topic"] == "Zorvatide"
    assert [a["attribute"] for a in out["a"]["attributes"]] == ["manufactures", "company"]
    assert out["p"]["topic"] == "volcanoes" and out["p"]["attributes"] == []
    assert out["leaf"]["topic"] is None  # a leaf gets no children: nothing to analyse
    ledger = Ledger(tmp_path).stage_summary()["extract_h1"]
    assert ledger["llm_calls"] == 0 and ledger["counters"]["attributes_from_question"] == 1
    assert ledger["counters"]["skipped_leaves"] == 1
    assert question_topic("Patients fall ill. Doctors see Kelmar fever in Valdoria.") == "Kelmar fever"  # not "Doctors"
    where = "Where is the Harnveld Institute of Tropical Medicine?"
    assert question_topic(where) == "Harnveld Institute of Tropical Medicine"
    assert question_topic("What does Dr. Teodor Vasko study?") == "Dr. Teodor Vasko"  # "Dr." ends no sentence
    assert question_topic("Zorvatide is made by which company?") == "Zorvatide"  # spelled as asked


def test_plan_counts_no_extraction_call_for_attributes_from_the_question():
    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.pipelines.aide_plan import plan_aide

    data = {"seeds": {"rows": GROUNDED_SEEDS}, "expansion": {"attributes_from": "question"}}
    plan = plan_aide(AIDEConfig.model_validate(data), 2)
    assert plan["llm_calls"]["extract_attributes_h1"] == plan["llm_calls"]["extract_attributes_h2"] == 0
    assert plan_aide(AIDEConfig.model_validate({"seeds": data["seeds"]}), 2)["llm_calls"]["extract_attributes_h1"] == 2
