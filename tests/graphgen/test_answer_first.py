"""Answer-first QA pieces without a pipeline: question checks, templates, planning, the support gate."""

from __future__ import annotations

from synth_hf.graph.partition import partition
from synth_hf.graph.store import KnowledgeGraph, edge_id
from synth_hf.items import qa_answer
from synth_hf.steps.graphgen.grounded_plan import plan_grounded, two_hop_paths
from synth_hf.steps.graphgen.verify import verify_row
from synth_hf.text import answer_first as af

S1 = "Zorvatide is used to treat Kelmar fever."
S2 = "Kelmar fever is caused by Ostravirus."
S3 = "Ostravirus was first isolated in Oskvar in 1987."


def test_verify_question_accepts_a_real_question_and_names_each_fault():
    ev = [S1]
    assert af.verify_question("Which disease is Zorvatide used to treat?", "Kelmar fever", ev) == ""
    assert af.verify_question("Zorvatide treats it.", "Kelmar fever", ev) == "not_a_question"
    assert af.verify_question("Is Kelmar fever treated by Zorvatide?", "Kelmar fever", ev) == "question_gives_answer"
    assert af.verify_question("Which disease did Dr. Vell treat?", "Kelmar fever", ev).startswith(
        "question_names_unknown")
    assert af.verify_question("Into which sea does the Danube empty?", "Kelmar fever", ev) == "copied_example"
    assert af.verify_question("What does it cure in 1999?", "Kelmar fever", ev).startswith("question_unsupported")
    # multi-hop: must name the start, must not name the link
    ev2 = [S1, S2]
    assert af.verify_question("What causes the disease that Zorvatide treats?", "Ostravirus", ev2,
                              must_name=["Zorvatide"], must_not_name=["Kelmar fever"]) == ""  # fmt: skip
    assert af.verify_question("What causes Kelmar fever?", "Ostravirus", ev2, must_name=["Zorvatide"],
                              must_not_name=["Kelmar fever"]) == "question_not_anchored"  # fmt: skip


def test_templates_cover_a_fact_without_the_llm():
    assert af.cloze_question(S1, "Kelmar fever") == "Fill in the blank: Zorvatide is used to treat ____."
    assert af.cloze_question(S1, "Ostravirus") is None
    assert af.wh_question(S1, "Kelmar fever") == "Zorvatide is used to treat what?"
    assert af.wh_question(S1, "Zorvatide") == "What is used to treat Kelmar fever?"
    assert af.wh_question(S3, "1987") == "Ostravirus was first isolated in Oskvar in which year?"
    assert af.wh_question("Brevimast was developed by Dr. Edda Norquist.", "Dr. Edda Norquist") == (
        "Brevimast was developed by whom?")
    assert af.wh_question(S1, "Ostravirus") is None
    # a name's kind noun in the sentence asks "which <noun>"; a bare "the" before the gap goes
    assert af.wh_question("Plasmorix venna was first isolated in the town of Ebberlin.", "Ebberlin") == (
        "Plasmorix venna was first isolated in which town?")
    assert af.wh_question("Pyrenella gorvi is named after the miller Anton Gorv.", "Anton Gorv") == (
        "Pyrenella gorvi is named after which miller?")
    assert af.wh_question("Dr. Ilsa Brandtmoor worked at the Harnveld Institute.", "Harnveld Institute") == (
        "Dr. Ilsa Brandtmoor worked at what?")
    # the review: a title before the gap asked "Dr. what"; a comparative is no kind ("which newer")
    assert af.wh_question("Dr. Ilsa Brandtmoor was the first scientist to isolate Ostravirus.", "Ilsa Brandtmoor") == (
        "Who was the first scientist to isolate Ostravirus?")
    assert af.wh_question("Fendoralin was developed by Dr. Teodor Vasko.", "Teodor Vasko") == (
        "Fendoralin was developed by whom?")
    assert af.wh_question("It was replaced by the newer Ostrafen.", "Ostrafen") == "It was replaced by the newer what?"
    assert af.wh_question("Kelmar is an herb found in moss.", "herb") == "Kelmar is what found in moss?"
    # "the capital of X" names the country; a part ("the bark of") is not a kind; lowercase answers keep "what"
    assert af.wh_question("Oskeval is the capital of Merunia.", "Merunia") == "Oskeval is the capital of what?"
    assert af.wh_question("Brevimast is made from the bark of the ash tree.", "the ash tree") == (
        "Brevimast is made from the bark of what?")
    assert af.wh_question("Kelmar fever is spread by the dusk midge.", "dusk midge") == (
        "Kelmar fever is spread by what?")
    q = af.multi_hop_template(S1, S2, "Kelmar fever", "Ostravirus")
    assert q is not None and "Kelmar fever" not in q and "Ostravirus" not in q and "Zorvatide" in q
    assert af.answer_spans(S3, ["Ostravirus", "Oskvar", "Zorvatide"]) == ["Ostravirus", "Oskvar", "1987"]
    assert qa_answer("Kelmar fever", [S1]) == f"Kelmar fever. {S1}"


def test_teaching_spans_ask_the_fact_forward_object_first():
    # the object ends the sentence: it comes first, the subject last
    assert af.teaching_spans(S1, ["Zorvatide", "Kelmar fever"]) == ["Kelmar fever", "Zorvatide"]
    assert af.teaching_spans(S3, ["Ostravirus", "Oskvar"]) == ["1987", "Oskvar", "Ostravirus"]
    # no name ends it: the predicate after the copula, or the last prepositional phrase
    side = "The most common side effect of Quenamycin is a metallic taste."
    assert af.teaching_spans(side, ["Quenamycin"]) == ["a metallic taste", "Quenamycin"]
    river = "Harnveld lies on the banks of the river Sell."
    assert af.teaching_spans(river, ["Harnveld"]) == ["the river Sell", "Harnveld"]
    # a preposition inside a name does not cut it; a long predicate is no answer
    inst = "Dr. Ilsa Brandtmoor worked at the Harnveld Institute of Tropical Medicine."
    assert af.prepositional_tail(inst) == "the Harnveld Institute of Tropical Medicine"
    assert af.predicate_tail("Quenamycin is made from a mould found on the shores of the cold Lake Ebber.") == ""
    assert af.predicate_tail("Is it raining?") == ""
    # the phrase after the last preposition is a clause here: never a blank that crosses the verb
    hiccups = "The most common side effect of Brevimast is hiccups."
    assert af.prepositional_tail(hiccups) == "" and "Brevimast is hiccups" not in af.teaching_spans(hiccups, [])


def _kg() -> KnowledgeGraph:
    kg = KnowledgeGraph()
    for node, kind, sents in (("zorvatide", "DRUG", [S1]), ("kelmar fever", "DISEASE", [S1, S2]),
                              ("ostravirus", "VIRUS", [S2, S3]), ("oskvar", "TOWN", [S3]),
                              ("brevimast", "DRUG", ["Brevimast is given as a single dose of 600 mg."])):  # fmt: skip
        kg.add_node(node, name=node.title() if node != "kelmar fever" else "Kelmar fever", entity_type=kind,
                    description=" ".join(sents), source_ids=["c1"], loss=1.0,
                    evidence=[{"chunk_id": "c1", "sentence": s} for s in sents])  # fmt: skip
    for src, tgt, sentence, loss in (("zorvatide", "kelmar fever", S1, 2.0), ("kelmar fever", "ostravirus", S2, 1.5),
                                     ("ostravirus", "oskvar", S3, 0.1)):  # fmt: skip
        kg.add_edge(src, tgt, keywords=[], description=sentence, source_ids=["c1"], loss=loss,
                    evidence=[{"chunk_id": "c1", "sentence": sentence}])  # fmt: skip
    return kg


def test_plan_covers_every_fact_with_rotating_modes_and_spans():
    kg = _kg()
    chunks = {"c1": {"text": f"{S1} {S2} {S3}", "language": "en"}}
    modes = {"atomic": 1, "multiple_choice": 1, "true_false": 1, "multi_hop": 2, "cot": 1, "aggregated": 1}
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, modes, ["concise"],
                         rows_per_fact=2)  # fmt: skip
    single = [s for s in plan.samples if s["mode"] in ("atomic", "multiple_choice", "true_false")]
    facts = {s["evidence"][0]["sentence"] for s in single}
    # 3 edge facts + the one Brevimast sentence no edge covers; node sentences already on edges are not repeated
    assert facts == {S1, S2, S3, "Brevimast is given as a single dose of 600 mg."}
    assert len(single) == 2 * len(facts)
    assert single[0]["evidence"][0]["sentence"] == S1  # the highest-loss fact first
    first_two = [s for s in single if s["evidence"][0]["sentence"] == S1]
    # answers rotate, the object first: a question naming the subject asks for what must be recalled
    assert [s["answer_span"] for s in first_two] == ["Kelmar fever", "Zorvatide"]
    assert len({s["mode"] for s in first_two}) == 2  # modes rotate
    for fact in facts:  # each fact's first row is the open question, the others recognition / true-false
        rows = [s for s in single if s["evidence"][0]["sentence"] == fact]
        assert rows[0]["mode"] == "atomic" and rows[1]["mode"] in ("multiple_choice", "true_false")
    hops = [s for s in plan.samples if s["mode"] in ("multi_hop", "cot")]
    assert hops and all(len(s["evidence"]) == 2 and len(s["path_edge_ids"]) == 2 for s in hops)
    for s in hops:  # the answer rests on the last hop and the link is hidden
        assert s["answer_span"] in s["evidence"][1]["sentence"] and s["hidden_names"][0] in s["evidence"][0]["sentence"]
    assert [s["mode"] for s in plan.samples].count("aggregated") == 1


def test_two_hop_paths_need_distinct_sentences_and_a_bridge():
    paths = two_hop_paths(_kg())
    assert ("zorvatide", "kelmar fever", "ostravirus") in [p[:3] for p in paths]
    assert all(p[5]["sentence"] != p[6]["sentence"] for p in paths)
    assert paths[0][3] == edge_id("zorvatide", "kelmar fever") or paths[0][4] == edge_id("zorvatide", "kelmar fever")


def _row(**kw) -> dict:
    base = {"mode": "atomic", "question": "Which disease is Zorvatide used to treat?", "answer": f"Kelmar fever. {S1}",
            "answer_span": "Kelmar fever", "evidence": [{"chunk_id": "c1", "sentence": S1}]}  # fmt: skip
    return {**base, **kw}


def test_support_gate_drops_what_the_evidence_does_not_say():
    assert verify_row(_row()) == ""
    assert verify_row(_row(answer="Brenn syndrome.", answer_span="Brenn syndrome")) == "answer_span_not_in_evidence"
    assert verify_row(_row(question="Is Kelmar fever treated by Zorvatide?")) == "question_gives_answer"
    assert verify_row(_row(answer="Kelmar fever. It was discovered in 1999 by Vell.")).startswith("answer_")
    assert verify_row(_row(evidence=[])) == "no_evidence"
    tf = {"mode": "true_false", "question": "True or false: x", "answer": "False. x", "evidence": [{"chunk_id": "c1", "sentence": S1}]}
    assert verify_row({**tf, "tf_statement": "Brevimast is used to treat Kelmar fever.", "tf_label": False}) == ""
    assert verify_row({**tf, "tf_statement": S1, "tf_label": False}).startswith("true_false_label_wrong")
    mcq = _row(mode="multiple_choice", options=["Kelmar fever", "Brindle ague", "Sallow lung", "Tolvane syndrome"],
               answer=f"A) Kelmar fever. {S1}")  # fmt: skip
    assert verify_row(mcq) == ""
    both = {**mcq, "options": ["Kelmar fever", "Zorvatide", "Sallow lung", "Tolvane syndrome"]}
    assert verify_row(both) == "mcq_options_not_exactly_one_supported"  # a distractor the evidence supports


def test_aggregated_rows_cover_every_sentence_of_an_entity_a_few_at_a_time():
    from synth_hf.steps.graphgen.grounded_plan import _groups

    assert _groups(list(range(9)), 4) == [[0, 1, 2, 3], [4, 5, 6], [7, 8]]  # never a lone sentence
    assert _groups([0, 1], 4) == [[0, 1]]
    kg = _kg()
    extra = [f"Ostravirus survives {n} hours in water." for n in ("two", "three", "four")]
    node = kg.graph.nodes["ostravirus"]
    node["evidence"] = node["evidence"] + [{"chunk_id": "c1", "sentence": s} for s in extra]
    chunks = {"c1": {"text": " ".join([S1, S2, S3, *extra]), "language": "en"}}
    styles = ["concise", "detailed"]
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50}, styles)
    rows = [s for s in plan.samples if s["answer_span"] == "Ostravirus"]
    said = [e["sentence"] for r in rows for e in r["evidence"]]
    assert len(rows) == 2 and sorted(said) == sorted([S2, S3, *extra])
    assert plan.shortfalls["aggregated"].startswith("only")  # 50 asked, fewer entities to give
    pairs = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50}, styles,
                          aggregate_size=2)
    rows = [s for s in pairs.samples if s["answer_span"] == "Ostravirus"]
    assert [len(r["evidence"]) for r in rows] == [2, 3]
    one = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50}, ["concise"],
                        aggregate_size=2)  # one style, one question: one row with all five
    assert [len(s["evidence"]) for s in one.samples if s["answer_span"] == "Ostravirus"] == [5]
    many = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50},
                         ["concise", "detailed", "exam"], aggregate_size=2)  # fmt: skip
    styles = [s["style"] for s in many.samples if s["answer_span"] == "Ostravirus"]
    assert len(set(styles)) == len(styles) == 2  # one entity's rows never share a question
    assert _groups([0, 1, 2], 2) == [[0, 1, 2]]
    assert sorted(e["sentence"] for r in rows for e in r["evidence"]) == sorted([S2, S3, *extra])


def test_aggregated_answer_joins_two_facts_of_the_entity_and_stays_supported():
    from synth_hf.steps.graphgen.modes import get_mode

    ev = [{"chunk_id": "c1", "sentence": "Zorvatide is manufactured by Lumera Pharma."},
          {"chunk_id": "c2", "sentence": "Zorvatide was approved for use in 2009."}]
    row = {"mode": "aggregated", "style": "concise", "answer_span": "Zorvatide", "evidence": ev}
    out, reason = get_mode("aggregated").generate(row, "", None)
    assert reason == "" and out["answer"] == "Zorvatide is manufactured by Lumera Pharma and was approved for use in 2009."
    assert verify_row({**row, **out}) == ""
    # each statement against the evidence: one sentence's negation is not weighed against another's
    neg = [{"chunk_id": "c1", "sentence": "Without treatment, Kelmar fever lasts about three weeks."},
           {"chunk_id": "c1", "sentence": "The first recorded outbreak of Kelmar fever took place in 1985."}]
    row = {"mode": "aggregated", "style": "concise", "answer_span": "Kelmar fever", "evidence": neg}
    out, _ = get_mode("aggregated").generate(row, "", None)
    assert verify_row({**row, **out}) == ""
    flipped = {**row, **out, "answer": out["answer"].replace("took place", "did not take place")}
    assert verify_row(flipped).endswith("negation_mismatch")


def test_aggregated_question_gives_a_name_the_article_its_evidence_gives_it():
    from synth_hf.steps.graphgen.modes import get_mode

    ev = [{"chunk_id": "c1", "sentence": "Dr. Teodor Vasko received the Tessin Award in 1999."},
          {"chunk_id": "c1", "sentence": "The Tessin Award is given every two years."}]
    row = {"mode": "aggregated", "style": "detailed", "answer_span": "Tessin Award", "evidence": ev}
    out, _ = get_mode("aggregated").generate(row, "", None)
    assert out["question"] == "Explain what is known about the Tessin Award."
    row = {**row, "answer_span": "Teodor Vasko"}
    assert get_mode("aggregated").generate(row, "", None)[0]["question"] == "Explain what is known about Teodor Vasko."


def test_aggregated_question_names_a_place_with_the_kind_its_evidence_gives_it():
    from synth_hf.steps.graphgen.modes import get_mode

    ev = [{"chunk_id": "c1", "sentence": "Harnveld lies on the banks of the river Sell."}]
    row = {"mode": "aggregated", "style": "concise", "answer_span": "Sell", "evidence": ev}
    assert get_mode("aggregated").generate(row, "", None)[0]["question"] == "What do the sources say about the river Sell?"


def test_aggregated_profiles_skip_dates_and_one_sentence_common_nouns():
    kg = _kg()
    s4 = "Most cases of Kelmar fever occur between April and June."
    s5 = "Kelmar fever spreads through dust from grain stores."
    for node, sents in (("april", [s4]), ("dust", [s5]), ("grain stores", [s5])):
        kg.add_node(node, name=node.title(), entity_type="THING", description=sents[0], source_ids=["c1"], loss=1.0,
                    evidence=[{"chunk_id": "c1", "sentence": s} for s in sents])  # fmt: skip
        kg.add_edge("kelmar fever", node, keywords=[], description=sents[0], source_ids=["c1"], loss=1.0,
                    evidence=[{"chunk_id": "c1", "sentence": sents[0]}])  # fmt: skip
    chunks = {"c1": {"text": f"{S1} {S2} {S3} {s4} {s5}", "language": "en"}}
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=9)), chunks, {"aggregated": 50}, ["concise"],
                         aggregate_size=0, aggregate_min_sentences=1)  # fmt: skip
    names = {s["answer_span"] for s in plan.samples}
    assert "Oskvar" in names and "Kelmar fever" in names  # a one-sentence proper name keeps its profile
    assert not names & {"April", "Dust", "dust", "grain stores", "Grain Stores"}


def _cut_names_kg() -> KnowledgeGraph:
    """Extraction debris of the 270M model: a node 'Kelmar' cut from 'Kelmar fever', a node 'town'."""
    kg = KnowledgeGraph()
    born = "Dr. Amara Lindqvar was born in the town of Lunthe."
    lives = "Dr. Vell Orra lives in the town of Drosk."
    sents = {"ostravirus": [S2b := "Ostravirus is the virus that causes Kelmar fever."],
             "kelmar": [S2b], "kelmar fever": ["Kelmar fever is treated with Zorvatide."],
             "amara": [born], "vell": [lives], "town": [born, lives]}  # fmt: skip
    names = {"kelmar": "Kelmar", "kelmar fever": "Kelmar fever", "amara": "Dr. Amara Lindqvar",
             "vell": "Dr. Vell Orra", "town": "town", "ostravirus": "Ostravirus"}  # fmt: skip
    for node, ss in sents.items():
        kg.add_node(node, name=names[node], entity_type="", description=" ".join(ss), source_ids=["c1"],
                    loss=1.0, evidence=[{"chunk_id": "c1", "sentence": s} for s in ss])  # fmt: skip
    for src, tgt, sentence in (("ostravirus", "kelmar", S2b), ("amara", "town", born), ("vell", "town", lives)):
        kg.add_edge(src, tgt, keywords=[], description=sentence, source_ids=["c1"], loss=1.0,
                    evidence=[{"chunk_id": "c1", "sentence": sentence}])  # fmt: skip
    return kg


def test_plan_asks_for_whole_names_and_never_links_through_a_bare_noun():
    kg = _cut_names_kg()
    assert two_hop_paths(kg) == []  # 'town' would link Dr. Lindqvar's birthplace to Dr. Orra's
    plan = plan_grounded(kg, partition(kg, method="dfs", max_units=6, seed=0), {"c1": {"text": "", "language": "en"}},
                         {"atomic": 1, "multiple_choice": 1}, ["plain"], rows_per_fact=2)  # fmt: skip
    spans = {s["evidence"][0]["sentence"]: set() for s in plan.samples}
    for s in plan.samples:
        spans[s["evidence"][0]["sentence"]].add(s["answer_span"])
        assert s["answer_span"] not in {"Kelmar", "town"}, s
        assert not any(af.contains_span(s["answer_span"], a) for a in s["anchor_names"]), s
    assert "Kelmar fever" in spans["Ostravirus is the virus that causes Kelmar fever."]
    assert "town of Lunthe" in spans["Dr. Amara Lindqvar was born in the town of Lunthe."]


def test_questions_the_270m_model_writes_for_the_wrong_answer_are_refused():
    """Real questions the embedded model wrote, each for an answer it does not ask for."""
    made = ["Brevimast is manufactured by Lumera Pharma."]
    isolated = ["Plasmorix venna was first isolated in the town of Ebberlin."]
    outbreak = ["The largest outbreak of Sallow lung struck in 1998 and affected 640 people."]
    dose = ["Brevimast is given as a single dose of 600 mg."]
    assert af.verify_question("What is Lumera Pharma?", "Brevimast", made) == "question_lacks_relation"
    assert af.verify_question("In which year was Plasmorix venna first isolated?", "Ebberlin", isolated) == (
        "question_asks_other_type: year")
    assert af.verify_question("What disease struck in an outbreak?", "1998", outbreak) == (
        "question_asks_other_type: not a number")
    assert af.verify_question("What is the dose of 600 mg?", "Brevimast", dose) == "question_asks_other_type: number"
    # the right questions for the same answers pass
    assert af.verify_question("Which company manufactures Brevimast?", "Lumera Pharma", made) == ""
    assert af.verify_question("Where was Plasmorix venna first isolated?", "town of Ebberlin", isolated) == ""
    assert af.verify_question("In which year did the largest outbreak of Sallow lung strike?", "1998", outbreak) == ""
    assert af.verify_question("What is the single dose of Brevimast?", "600 mg", dose) == ""


def test_question_checks_read_spelled_numbers_cjk_and_refuse_empty_answers():
    ev = ["Quenamycin is taken for ten days."]
    assert af.verify_question("How long is Quenamycin taken?", "ten days", ev) == ""
    assert af.verify_question("凯尔马热是由什么引起的？", "奥斯特拉病毒", ["凯尔马热是由奥斯特拉病毒引起的。"]) == ""
    assert af.verify_question("What causes Kelmar fever?", "", [S2]) == "empty_answer"
    assert af.wh_question(S2, "") is None and af.cloze_question(S2, "") is None


def test_teaching_spans_never_ask_for_a_clause_a_pronoun_or_a_bare_noun():
    outbreak = "The largest outbreak of Sallow lung struck in 1998 and affected 640 people."
    assert "1998 and affected 640 people" not in af.teaching_spans(outbreak, ["Sallow lung"])
    assert af.teaching_spans("Plasmorix venna lives inside the red blood cells of its host.",
                             ["Plasmorix venna"]) == ["Plasmorix venna"]  # fmt: skip
    age = "Tolvane syndrome is most common in people over fifty years of age."
    assert af.teaching_spans(age, ["Tolvane syndrome", "age"])[0] == "fifty years"


def test_multi_hop_hides_the_whole_link_and_aggregates_name_the_whole_focus():
    kg = KnowledgeGraph()
    s1 = "Fendoralin is an antifungal drug used to treat Tolvane syndrome."
    s2 = "Tolvane syndrome is caused by Cryptomyces ardeni."
    for node, name, sents in (("fen", "Fendoralin", [s1]), ("tol", "Tolvane", [s1, s2]),
                              ("cry", "Cryptomyces ardeni", [s2]), ("drug", "drug", [s1])):  # fmt: skip
        kg.add_node(node, name=name, entity_type="", description=" ".join(sents), source_ids=["c1"], loss=1.0,
                    evidence=[{"chunk_id": "c1", "sentence": s} for s in sents])  # fmt: skip
    for src, tgt, sentence in (("fen", "tol", s1), ("tol", "cry", s2), ("fen", "drug", s1)):
        kg.add_edge(src, tgt, keywords=[], description=sentence, source_ids=["c1"], loss=1.0,
                    evidence=[{"chunk_id": "c1", "sentence": sentence}])  # fmt: skip
    plan = plan_grounded(kg, partition(kg, method="dfs", max_units=6, seed=0), {"c1": {"text": "", "language": "en"}},
                         {"multi_hop": 4, "aggregated": 4}, ["plain"])  # fmt: skip
    hops = [s for s in plan.samples if s["mode"] == "multi_hop"]
    assert hops and all(s["hidden_names"] == ["Tolvane syndrome"] for s in hops)
    assert all("drug" not in (s["answer_span"], *s["anchor_names"]) for s in hops)
    template = af.multi_hop_template(s1, s2, "Tolvane syndrome", "Cryptomyces ardeni")
    assert "Tolvane" not in template and "X syndrome" not in template
    aggregated = [s["answer_span"] for s in plan.samples if s["mode"] == "aggregated"]
    assert aggregated == ["Tolvane syndrome"]


def test_two_hop_paths_rank_bridges_across_documents_first_then_round_robin():
    from synth_hf.graph.merge import merge_records
    from synth_hf.graph.records import RelationRecord

    def rel(source, target, sentence, chunk):
        return RelationRecord(source, target, ["r"], sentence, chunk, evidence=[{"chunk_id": chunk, "sentence": sentence}])

    relations = [
        rel("Ostravirus", "Kelmar fever", "Ostravirus is the virus that causes Kelmar fever.", "ostravirus"),
        rel("Kelmar fever", "Zorvatide", "Kelmar fever is treated with Zorvatide.", "kelmar"),
        rel("Kelmar fever", "dusk midge", "Kelmar fever is spread by the dusk midge.", "kelmar"),
        rel("Zorvatide", "Lumera Pharma", "Zorvatide is manufactured by Lumera Pharma.", "zorvatide"),
    ]
    kg, _ = merge_records([], relations)
    for s, t in kg.graph.edges:  # the trainee got the same-document facts most wrong
        kg.graph.edges[s, t]["loss"] = 5.0 if t == "dusk midge" else 1.0
    paths = two_hop_paths(kg)
    cross = [p[5]["chunk_id"] != p[6]["chunk_id"] for p in paths]
    assert any(cross) and not all(cross)
    assert cross == sorted(cross, reverse=True)  # every cross-document path before any same-document one
    # round robin: the first two paths go through different bridges
    assert paths[0][1] != paths[1][1]


def test_two_hop_paths_skip_siblings_the_start_itself_would_answer():
    from synth_hf.graph.merge import merge_records
    from synth_hf.graph.records import RelationRecord

    def rel(source, target, sentence, chunk):
        return RelationRecord(source, target, ["r"], sentence, chunk, evidence=[{"chunk_id": chunk, "sentence": sentence}])

    kg, _ = merge_records([], [
        rel("Zorvatide", "Lumera Pharma", "Zorvatide is manufactured by Lumera Pharma.", "zorvatide"),
        rel("Brevimast", "Lumera Pharma", "Brevimast is manufactured by Lumera Pharma.", "brevimast"),
        rel("Lumera Pharma", "Brastow", "Lumera Pharma has its headquarters in Brastow.", "lumera"),
    ])  # fmt: skip
    triples = [p[:3] for p in two_hop_paths(kg)]
    # "X: Zorvatide is manufactured by X. ____ is manufactured by X" has Zorvatide itself as an answer
    assert ("zorvatide", "lumera pharma", "brevimast") not in triples
    assert ("zorvatide", "lumera pharma", "brastow") in triples


def test_a_name_with_a_backslash_is_no_regex_replacement():
    from synth_hf.graph.merge import merge_records
    from synth_hf.graph.records import RelationRecord

    def rel(source, target, sentence, chunk):
        return RelationRecord(source, target, ["r"], sentence, chunk, evidence=[{"chunk_id": chunk, "sentence": sentence}])

    kg, _ = merge_records([], [
        rel(r"Tool X\1", "Lumera Pharma", r"Tool X\1 is made by Lumera Pharma.", "a"),
        rel("Lumera Pharma", "Brastow", "Lumera Pharma has its headquarters in Brastow.", "b"),
    ])  # fmt: skip
    assert (r"tool x\1", "lumera pharma", "brastow") in [p[:3] for p in two_hop_paths(kg)]


def test_two_hop_wh_describes_the_hidden_link_by_the_first_fact():
    q = af.two_hop_wh("Brindle ague is treated with Brevimast.", "Brevimast was developed by Dr. Edda Norquist.",
                      "Brevimast", "Dr. Edda Norquist", "drug")
    assert q == "The drug that Brindle ague is treated with was developed by whom?"
    q = af.two_hop_wh("Plasmorix venna was first isolated in the town of Ebberlin.",
                      "Ebberlin is a town in the country of Tarvonia.", "Ebberlin", "Tarvonia", "place")
    assert q == "The town that Plasmorix venna was first isolated in is a town in which country?"
    q = af.two_hop_wh("Kelmar fever is caused by Ostravirus.", "Ostravirus was first isolated in 1994.",
                      "Ostravirus", "1994", "")
    assert q == "The one that Kelmar fever is caused by was first isolated in which year?"
    assert "Ostravirus" not in q and "1994" not in q
    # the link opens the first fact; a person is 'who'
    assert af.link_description("Dr. Soren Haldt first isolated Ostravirus.", "Dr. Soren Haldt", "person") == (
        "the person who first isolated Ostravirus")
    # the link inside the first sentence: no description, the caller keeps the cloze template
    assert af.two_hop_wh("The drug Zorvatide cures Kelmar fever quickly.", "Zorvatide is made by Lumera Pharma.",
                         "Zorvatide", "Lumera Pharma") is None
    assert af.two_hop_wh("Zorvatide is made by Lumera Pharma.", "Nothing here.", "Lumera Pharma", "Oskeval") is None


def test_multi_hop_template_style_picks_the_two_hop_wh_question_or_the_cloze():
    from synth_hf.steps.graphgen.modes import get_mode
    from synth_hf.steps.graphgen.modes.base import GenContext

    ev = [{"chunk_id": "c1", "sentence": "Brindle ague is treated with Brevimast."},
          {"chunk_id": "c2", "sentence": "Brevimast was developed by Dr. Edda Norquist."}]
    row = {"mode": "multi_hop", "evidence": ev, "hidden_names": ["Brevimast"], "anchor_names": ["Brindle ague"],
           "answer_span": "Dr. Edda Norquist"}
    mode = get_mode("multi_hop")
    assert mode.template(row, GenContext(template_style="wh")) == (
        "The one that Brindle ague is treated with was developed by whom?")
    assert mode.template(row, GenContext()).startswith("X is defined by this fact: Brindle ague is treated with X.")


def test_two_hop_wh_refuses_descriptions_the_sources_do_not_give():
    # "the polymerase of Ostravirus" is no statement of what Ostravirus is: 'the X of' only for places
    q = af.two_hop_wh("Zorvatide works by blocking the polymerase of Ostravirus.",
                      "Ostravirus was first isolated in the town of Harnveld.", "Ostravirus", "Harnveld", "pathogen")
    assert q is None or "polymerase that" not in q
    # a first fact of two clauses, a link glued to other text, a leading article
    assert af.link_description("The one that treats Kelmar fever, Quenamycin treats Tolvane syndrome-XR.",
                               "Tolvane syndrome") is None
    assert af.two_hop_wh("Zorvatide treats Kelmar fever.", "Kelmar fever-XR is sold by Lumera Pharma.",
                         "Kelmar fever", "Lumera Pharma") is None
    assert af.link_description("Zorvatide's maker is Lumera Pharma.", "Zorvatide") is None
    assert af.link_description("The implant is made by Orvel Biotech.", "Orvel Biotech", "organisation") == (
        "the organisation that the implant is made by")
    # the link named again elsewhere in the second fact: the question would name it
    assert af.two_hop_wh("Brindle ague is treated with Brevimast.",
                         "Brevimast was approved in 2009, and Brevimast is made in Ebberlin.",
                         "Brevimast", "Ebberlin") is None


def test_a_question_must_ask_the_relation_next_to_its_answer_and_keep_its_polarity():
    s = ["Zorvatide is manufactured by Lumera Pharma and was approved in 2009."]
    assert af.verify_question("Who manufactures Zorvatide?", "Lumera Pharma", s) == ""
    assert af.verify_question("In which year was Zorvatide approved?", "2009", s) == ""
    # fluent questions for the wrong relation of the same sentence
    assert af.verify_question("Who was Zorvatide approved by?", "Lumera Pharma", s) == "question_asks_other_relation"
    assert af.verify_question("Which company approved Zorvatide in 2009?", "Lumera Pharma", s) == (
        "question_asks_other_relation")
    assert af.verify_question("When was Zorvatide manufactured?", "2009", s) == "question_asks_other_relation"
    # the opposite of the sentence
    assert af.verify_question("Who does not manufacture Zorvatide?", "Lumera Pharma", s) == "question_negation_mismatch"
    assert af.answer_clause(s[0], "2009").strip() == "was approved in 2009."
    assert af.answer_clause(s[0], "Lumera Pharma").strip() == "Zorvatide is manufactured by Lumera Pharma"


def test_a_span_glued_to_a_hyphen_is_never_an_answer():
    assert af.answer_spans("Lumera Pharma makes Zorvatide-XR.", ["Lumera Pharma", "Zorvatide"]) == ["Lumera Pharma"]
    assert "1" not in af.answer_spans("GLP-1 agonists lower weight.", [])
    assert af.answer_spans("Zorvatide - a drug - is made by Lumera Pharma.", ["Zorvatide"]) == ["Zorvatide"]


def test_a_binomial_name_is_never_cut_or_taken_for_the_relation():
    from synth_hf.text.grounding import candidate_names
    from synth_hf.text.sentences import split_sentences

    doc = ("Plasmorix venna is the parasite that causes Brindle ague. The natural reservoir of Plasmorix venna "
           "is the water vole. Dr. Hollis Quade was the first scientist to isolate Plasmorix venna. "
           "Ostravirus causes Kelmar fever. Ostravirus causes rashes. Bats carry Ostravirus.")  # fmt: skip
    names = candidate_names(split_sentences(doc))
    assert "Plasmorix venna" in names and "Plasmorix" not in names
    assert "Ostravirus" in names and not any(n.startswith("Ostravirus ") for n in names)  # "causes" is not a name
    reservoir = ["The natural reservoir of Plasmorix venna is the water vole."]
    # the 270M model's question for the reservoir sentence asked for the disease; "venna" is no relation
    assert af.verify_question("Which of these diseases is caused by Plasmorix venna?", "the water vole", reservoir,
                              must_name=["Plasmorix venna"]) == "question_lacks_relation"  # fmt: skip
    assert af.verify_question("What is the natural reservoir of Plasmorix venna?", "the water vole", reservoir,
                              must_name=["Plasmorix venna"]) == ""  # fmt: skip
    spans = af.teaching_spans("The spores of Cryptomyces ardeni glow orange.", ["Cryptomyces ardeni"],
                              ["Cryptomyces ardeni"])  # fmt: skip
    assert "Cryptomyces" not in spans


def test_headings_and_pronoun_sentences_are_no_facts_and_are_counted():
    kg = _kg()
    heading, pronoun = "## Zorvatide", "It is manufactured by Lumera Pharma."
    extra = [{"chunk_id": "c1", "sentence": s} for s in (heading, pronoun)]
    kg.graph.nodes["zorvatide"]["evidence"] = kg.graph.nodes["zorvatide"]["evidence"] + extra
    chunks = {"c1": {"text": f"{heading}\n\n{S1} {pronoun} {S2} {S3}", "language": "en"}}
    modes = {"atomic": 1, "multiple_choice": 1, "true_false": 1, "aggregated": 5}
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, modes, ["concise"], rows_per_fact=2)
    used = {e["sentence"] for s in plan.samples for e in s["evidence"]}
    assert heading not in used and pronoun not in used and S1 in used
    assert plan.unusable_evidence == {"heading": 1, "pronoun_subject": 1}


def test_aggregated_profiles_give_every_entity_all_its_sentences_in_one_row():
    kg = _kg()
    chunks = {"c1": {"text": f"{S1} {S2} {S3}", "language": "en"}}
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50}, ["concise"],
                         aggregate_size=0, aggregate_min_sentences=1)  # fmt: skip
    by_name = {s["answer_span"]: [e["sentence"] for e in s["evidence"]] for s in plan.samples}
    # one row an entity, single-sentence entities included: Oskvar is taught from S3 too
    assert len(plan.samples) == len(by_name) == 5
    assert by_name["Oskvar"] == [S3] and sorted(by_name["Ostravirus"]) == sorted([S2, S3])
    default = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50}, ["concise"])
    assert "Oskvar" not in {s["answer_span"] for s in default.samples}  # >= 2 sentences by default


def test_aggregated_profiles_follow_the_grouped_rows_for_every_entity():
    kg = _kg()
    extra = [f"Ostravirus survives {n} hours in water." for n in ("two", "three")]
    node = kg.graph.nodes["ostravirus"]
    node["evidence"] = node["evidence"] + [{"chunk_id": "c1", "sentence": s} for s in extra]
    chunks = {"c1": {"text": " ".join([S1, S2, S3, *extra]), "language": "en"}}
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50},
                         ["concise", "detailed", "exam"], aggregate_size=2, aggregate_profiles=True)  # fmt: skip
    rows = {}
    for s in plan.samples:
        rows.setdefault(s["answer_span"], []).append([e["sentence"] for e in s["evidence"]])
    # Ostravirus: two pairs, then its profile with all four sentences
    assert [len(r) for r in rows["Ostravirus"]] == [2, 2, 4]
    # Kelmar fever's two sentences were one pair already: no second row; single-sentence entities get one
    assert rows["Kelmar fever"] == [[S1, S2]] and rows["Oskvar"] == [[S3]] and rows["Zorvatide"] == [[S1]]
    questions = [(s["answer_span"], s["style"]) for s in plan.samples]
    assert len(set(questions)) == len(questions)  # an entity's rows never share a question
    capped = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 3},
                           ["concise"], aggregate_size=2, aggregate_profiles=True)  # fmt: skip
    assert len(capped.samples) == 3  # profiles count toward the mode's number


def test_an_entity_with_more_pairs_than_styles_gets_bigger_groups_not_a_repeated_question():
    # review: "Summarize the key facts about Kelmar fever." twice, with 2 and with 10 facts (5 pairs +
    # the profile over 5 styles)
    kg = _kg()
    extra = [f"Ostravirus survives {n} hours in water." for n in ("two", "three", "four", "five")]
    node = kg.graph.nodes["ostravirus"]
    node["evidence"] = node["evidence"] + [{"chunk_id": "c1", "sentence": s} for s in extra]
    chunks = {"c1": {"text": " ".join([S1, S2, S3, *extra]), "language": "en"}}
    plan = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50},
                         ["concise", "detailed", "exam"], aggregate_size=2, aggregate_profiles=True)  # fmt: skip
    rows = [s for s in plan.samples if s["answer_span"] == "Ostravirus"]
    assert [len(r["evidence"]) for r in rows] == [3, 3, 6]  # 3 pairs + profile would need 4 styles
    assert len({r["style"] for r in rows}) == 3
    said = [e["sentence"] for r in rows[:2] for e in r["evidence"]]
    assert sorted(said) == sorted([S2, S3, *extra])  # every fact still in a grouped row
    one = plan_grounded(kg, list(partition(kg, "loss", max_units=6)), chunks, {"aggregated": 50},
                        ["concise"], aggregate_size=2, aggregate_profiles=True)  # fmt: skip
    assert [len(s["evidence"]) for s in one.samples if s["answer_span"] == "Ostravirus"] == [6]


def test_after_a_bare_subject_the_blank_is_the_last_prepositional_phrase():
    # "Brindle ague is ____." has many right answers; the object of the last preposition has one
    assert af.teaching_spans("Brindle ague is most common among rice farmers.", ["Brindle ague"])[0] == "rice farmers"
    assert af.teaching_spans("Kelmar fever is spread by the bite of the dusk midge.", ["Kelmar fever"])[0] == \
        "the dusk midge"
    # a relation phrase before the copula already pins the answer down: the whole predicate stays
    sign = "The earliest sign of Kelmar fever is a copper-coloured rash on the forearms."
    assert af.teaching_spans(sign, ["Kelmar fever"])[0] == "a copper-coloured rash on the forearms"
    # a generic prepositional object ("food") is no answer: the predicate is kept
    assert af.teaching_spans("Zorvatide is taken with food.", ["Zorvatide"])[0] == "taken with food"


def test_dedup_weighs_the_answer_so_a_profile_is_not_a_duplicate_of_its_first_pair():
    from synth_hf.pipelines.graphgen_config import DedupConfig
    from synth_hf.text.dedup import minhash_duplicates

    question = "Summarize the key facts about Sallow lung."
    pair = "Sallow lung is a bacterial lung disease caused by Pyrenella gorvi and mainly affects grain workers."
    profile = (pair + " The typical sign of Sallow lung is a cough with grey-yellow sputum. The incubation period of "
               "Sallow lung is twelve days. Sallow lung is treated with Quenamycin.")
    rows = [{"question": question, "answer": pair}, {"question": question, "answer": profile}]
    columns = DedupConfig().columns
    assert columns == ["question", "answer"]
    texts = ["\n".join(r[c] for c in columns) for r in rows]
    assert minhash_duplicates(texts, threshold=0.8) == [None, None]  # both kept
    assert minhash_duplicates([r["question"] for r in rows], threshold=0.8)[1] == 0  # the old rule dropped it


def test_a_cloze_with_another_right_answer_in_the_corpus_asks_the_year_or_is_dropped():
    from synth_hf.steps.graphgen.corpus_index import CorpusIndex
    from synth_hf.steps.graphgen.modes import get_mode
    from synth_hf.steps.graphgen.modes.base import GenContext

    year = "Ostravirus was first isolated in 1987."
    place = "Ostravirus was first isolated in the town of Harnveld."
    town = "Drosk is built on a hill above old salt mines."
    index = CorpusIndex(None)
    index.add_text(f"{year} {place} {town} Drosk is a town in Kessaria.")
    assert index.cloze_rivals(year, "1987") == ["the town of Harnveld"]
    assert index.cloze_rivals(S1, "Kelmar fever") == []
    ctx, atomic = GenContext(index, "cloze"), get_mode("atomic")

    def row(sentence: str, span: str) -> dict:
        return {"mode": "atomic", "style": "concise", "answer_span": span,
                "evidence": [{"chunk_id": "c1", "sentence": sentence}]}  # fmt: skip

    built, _ = atomic.generate(row(year, "1987"), "", ctx)
    assert built["question"] == "Ostravirus was first isolated in which year?"
    built, why = atomic.generate(row(town, "built on a hill above old salt mines"), "", ctx)
    assert built is None and why.endswith("ambiguous_cloze")
    built, _ = atomic.generate(row(town, "old salt mines"), "", ctx)  # its frame is unique: the cloze stays
    assert built["question"] == "Fill in the blank: Drosk is built on a hill above ____."


def test_a_multi_hop_row_whose_last_fact_has_another_answer_in_the_corpus_is_dropped():
    from synth_hf.steps.graphgen.corpus_index import CorpusIndex
    from synth_hf.steps.graphgen.modes import get_mode
    from synth_hf.steps.graphgen.modes.base import GenContext

    s1, s2 = "Lumera Pharma has its headquarters in Brastow.", "Zorvatide is manufactured by Lumera Pharma."
    row = {"mode": "multi_hop", "style": "concise", "answer_span": "Zorvatide", "anchor_names": ["Brastow"],
           "hidden_names": ["Lumera Pharma"], "evidence": [{"chunk_id": "c1", "sentence": s} for s in (s1, s2)]}  # fmt: skip
    index = CorpusIndex(None)
    index.add_text(f"{s1} {s2}")
    for mode in ("multi_hop", "cot"):
        built, _ = get_mode(mode).generate({**row, "mode": mode}, "", GenContext(index, "cloze"))
        assert built is not None and "Zorvatide" not in built["question"]  # one right answer: kept
    index.add_text("Brevimast is manufactured by Lumera Pharma.")
    for mode in ("multi_hop", "cot"):
        built, why = get_mode(mode).generate({**row, "mode": mode}, "", GenContext(index, "cloze"))
        assert built is None and why.endswith("ambiguous_answer")
