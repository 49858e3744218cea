"""Answer-first AIDE after a fresh-user review: sentences that cannot stand as facts are never asked
(FAQ questions, pronoun subjects, negations, tables), non-English documents get cloze templates, a child
without a fact says why (used / a seed's fact / no answer span), a seed's fact is reserved in every
restatement, and an empty run exits 2 with drops reported against the children planned."""

import sys
from pathlib import Path

import pytest
import yaml

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from aide_fakes import config_data

from synth_hf.runtime.notices import run_notices
from synth_hf.steps.aide.answer_first import FactIndex, settle_question, template_question
from synth_hf.steps.aide.fact_sentences import clean_fact, skip_reason
from synth_hf.text.retrieval import document_passages

FAQ = ("# Zorvatide FAQ\n\nQ: Who makes Zorvatide?\nA: Lumera Pharma.\n\n"
       "Zorvatide is not manufactured by Ostra Labs. It is also sold by Halden Retail. They were founded in 1990. "
       "This drug treats Tolvane syndrome. Like ACE inhibitors they can cause hyperkalemia and are risky.\n\n"
       "- **Zorvatide** was approved in `2009`.\n\n| Drug | Maker |\n|---|---|\n| Zorvatide | Lumera Pharma |\n")  # fmt: skip


def _index(*docs: tuple[str, str]) -> FactIndex:
    return FactIndex(document_passages(list(docs)))


def test_sentences_that_cannot_stand_as_facts_are_skipped_and_counted():
    index = _index(("faq.md", FAQ))
    assert [p["sentence"] for p in index.passages] == ["Lumera Pharma.", "Zorvatide was approved in 2009."]
    assert index.skipped["question"] == 1 and index.skipped["negation"] == 1
    assert index.skipped["pronoun_subject"] == 4 and index.skipped["heading"] == 1
    assert index.skipped["table_row"] >= 1
    for sentence in ["Q: Who makes Zorvatide?", "It is also sold by Halden Retail.", "This drug treats Tolvane.",
                     "Neither Zorvatide nor Quenamycin is approved in Norway."]:  # fmt: skip
        assert skip_reason(sentence), sentence
    assert skip_reason("Zorvatide is manufactured by Lumera Pharma.") == ""
    assert skip_reason("- Zorvatide: 20 mg twice daily") == "label_value"  # not "Zorvatide: what twice daily?"
    assert skip_reason("Dr. Lin said the dose is 20 mg.") == ""
    assert clean_fact("* __Brevimast__ is made by `Castiva Labs`.") == "Brevimast is made by Castiva Labs."
    # what the index asks: only the plain fact, never a question, pronoun or negation asked back
    passage, span = index.pick("When was Zorvatide approved?", set())
    assert (passage["sentence"], span) == ("Zorvatide was approved in 2009.", "2009")
    assert index.pick("Who sells it? Halden Retail", set()) == "no_matching_sentence"


def test_non_english_documents_get_a_cloze_and_cjk_says_no_answer_span():
    german = _index(("de.txt", ("Zorvatid wird von Lumera Pharma hergestellt. Zorvatid wurde 2009 zugelassen. "
                                "Kelmar-Fieber wird durch das Ostravirus verursacht.")))  # fmt: skip
    passage, span = german.pick("Wann wurde Zorvatid zugelassen?", set())
    assert span == "2009" and not german.english(passage["chunk_id"])
    assert template_question(passage["sentence"], span, False) == "Fill in the blank: Zorvatid wurde ____ zugelassen."
    child = {"evidence": [dict(passage)], "answer_span": span, "fact_english": False}
    assert settle_question(child, "", []) is None
    assert "which" not in child["question"] and child["question"].startswith("Fill in the blank")
    english = _index(("en.txt", "Zorvatide treats Kelmar fever. Zorvatide was approved in 2009."))
    assert all(english.english(p["chunk_id"]) for p in english.passages)
    cjk = _index(("zh.txt", "佐伐肽由鲁梅拉制药公司生产。佐伐肽于2009年获得批准。凯尔玛热由奥斯特拉病毒引起。"))
    assert cjk.pick("谁生产佐伐肽？", set()) == "no_answer_span"


def test_drop_reason_says_why_a_child_gets_no_fact():
    index = _index(("a.txt", "Zorvatide is manufactured by Lumera Pharma."))
    reserved = index.seed_facts([("Who manufactures Zorvatide?", "Lumera Pharma")])
    assert index.pick("Zorvatide maker", set(), reserved) == "evidence_is_seed_fact"
    assert index.pick("Zorvatide maker", set(reserved)) == "evidence_already_used"


def test_every_restatement_of_a_seed_fact_is_reserved():
    text = ("Zorvatide treats Kelmar fever. Doctors treat Kelmar fever with Zorvatide. Kelmar fever responds well "
            "when treated with Zorvatide. Severe Kelmar fever is treated with Zorvatide in hospital. Zorvatide "
            "remains the treatment of choice for Kelmar fever. Kelmar fever can be treated with Zorvatide at home. "
            "Zorvatide is manufactured by Lumera Pharma. Zorvatide was approved in 2009.")  # fmt: skip
    index = _index(("a.txt", text))
    reserved = index.seed_facts([("Which drug is used to treat Kelmar fever?", "Zorvatide")])
    free = sorted(p["sentence"] for p in index.passages if p["chunk_id"] not in reserved)
    assert free == ["Zorvatide is manufactured by Lumera Pharma.", "Zorvatide was approved in 2009."]


def test_drops_are_shares_of_the_children_planned_never_over_100_percent():
    stage = {"in": 2, "out": 0, "dropped": {"evidence_is_seed_fact": 6}, "counters": {"children": 6}}
    notes = run_notices({"stages": {"synthesize_h1": stage}})
    assert any("dropped 6 of 6 planned children (100%)" in n for n in notes), notes
    odd = {"in": 2, "out": 0, "dropped": {"x": 7}}  # no plan: no share over 100 %
    assert not any("%" in n for n in run_notices({"stages": {"s": odd}}) if "stage s" in n)


@pytest.mark.usefixtures("fakes_on_worker_path")
def test_a_run_that_keeps_nothing_exits_2_with_one_line(tmp_path, capsys):
    from synth_hf.cli import main

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Zorvatide is manufactured by Lumera Pharma.")
    data = config_data(str(tmp_path), "empty", responder="answer_first_or_empty", documents={"source": str(docs)},
                       seeds={"rows": [{"question": "Who manufactures Zorvatide?", "answer": "Lumera Pharma"}]},
                       annotation={"answer_source": "evidence"},
                       expansion={"depth": 1, "attributes_per_node": 1, "operations_per_node": 1,
                                  "personas_per_node": 0, "attributes_from": "question"})  # fmt: skip
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    assert main(["aide", "--config", str(path), "--dry-run"]) == 0
    assert "answer-first synthesis on" in capsys.readouterr().err
    assert main(["aide", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "synth-hf: error: the run produced no rows (largest drops: evidence_is_seed_fact=" in err
    assert "Traceback" not in err
