"""Support check, grounding and substitutions: hand cases that must pass and must fail."""

from __future__ import annotations

import pytest

from synth_hf.text.grounding import candidate_names, ground_records
from synth_hf.text.sentences import split_sentences
from synth_hf.text.substitute import change_number, substitutions, swap_entity
from synth_hf.text.support import check_support, contains_span, gives_away, normalize_span

EVIDENCE = [
    "Zorvatide is used to treat Kelmar fever.",
    "Kelmar fever was first described in 1987 in the town of Oskvar.",
]


@pytest.mark.parametrize(
    "claim",
    [
        "Kelmar fever is treated with Zorvatide.",  # paraphrase, passive voice
        "Zorvatide treats Kelmar fever.",
        "Kelmar fever was first described in the town of Oskvar in 1987.",  # reordered
    ],
)
def test_paraphrases_are_supported(claim):
    assert check_support(claim, EVIDENCE).supported


@pytest.mark.parametrize(
    ("claim", "reason"),
    [
        ("Zorvatide is used to treat Brenn syndrome.", "name_not_in_evidence"),  # swapped entity
        ("Kelmar fever was first described in 1991 in Oskvar.", "number_not_in_evidence"),  # changed number
        ("Zorvatide is not used to treat Kelmar fever.", "negation_mismatch"),  # negated verb
        ("Zorvatide cures every cancer quickly.", "low_coverage"),  # invented content
        ("", "empty_claim"),
    ],
)
def test_unsupported_claims_name_their_reason(claim, reason):
    result = check_support(claim, EVIDENCE)
    assert not result.supported and result.reason.startswith(reason)


def test_a_negation_in_the_evidence_must_be_kept():
    evidence = ["Brevimast should not be taken during pregnancy."]
    assert check_support("Brevimast should not be taken during pregnancy.", evidence).supported
    assert not check_support("Brevimast should be taken during pregnancy.", evidence).supported


def test_no_evidence_supports_nothing():
    assert check_support("Zorvatide treats Kelmar fever.", []).reason == "no_evidence"


def test_spans_and_give_aways():
    assert contains_span("Zorvatide is used to treat Kelmar fever.", "kelmar FEVER")
    assert not contains_span("Zorvatide is used to treat Kelmar fever.", "Kelmar fe")
    assert gives_away("Which drug, Zorvatide, treats Kelmar fever?", "Zorvatide")
    assert not gives_away("Which drug treats Kelmar fever?", "Zorvatide")


def test_substituted_statements_are_false_by_construction():
    pool = [("Zorvatide", "DRUG"), ("Brevimast", "DRUG"), ("Kelmar fever", "DISEASE"), ("Oskvar", "TOWN")]
    types = {"zorvatide": "DRUG", "brevimast": "DRUG", "kelmar fever": "DISEASE", "oskvar": "TOWN"}
    sentence = "Patients with Kelmar fever take 40 mg of Zorvatide daily."
    made = substitutions(sentence, ["Kelmar fever", "Zorvatide"], pool, types, lambda name: [])
    assert [m["kind"] for m in made] == ["entity_swap", "number_change"]
    swap, number = made
    assert swap["statement"] == "Patients with Kelmar fever take 40 mg of Brevimast daily."  # same type
    assert number["statement"] == "Patients with Kelmar fever take 80 mg of Zorvatide daily."
    for m in made:  # every substitution is unsupported by the sentence it came from
        assert not check_support(m["statement"], [sentence]).supported
    # a swap that another corpus sentence states is true, not false: it is not made
    said = {"Brevimast": ["Patients with Kelmar fever take 40 mg of Brevimast daily."]}
    again = substitutions(sentence, ["Kelmar fever", "Zorvatide"], pool, types, lambda n: said.get(n, []))
    assert [m["kind"] for m in again] == ["number_change"]


def test_years_move_and_nothing_to_swap_gives_none():
    changed = change_number("Ostravirus was first isolated in 1987.")
    assert changed is not None and changed[1] == "1987" and 3 <= abs(int(changed[2]) - 1987) <= 9
    assert change_number("No digits here.") is None
    assert swap_entity("Zorvatide treats Kelmar fever.", ["Zorvatide"], [("Zorvatide", "DRUG")], {}) is None


def test_grounding_keeps_only_what_sentences_say():
    text = (
        "Zorvatide is used to treat Kelmar fever. Kelmar fever is caused by Ostravirus. "
        "Patients with Kelmar fever rest. The Institute of Vell Medicine developed Zorvatide."
    )
    sentences = split_sentences(text)
    assert "Institute of Vell Medicine" in candidate_names(sentences)
    assert "Patients" not in candidate_names(sentences)  # sentence-initial common word
    pair = candidate_names(split_sentences("Patients take Aspirin and Ibuprofen for Pain."))
    assert "Aspirin" in pair and "Ibuprofen" in pair and "Aspirin and Ibuprofen" not in pair
    proposed = [
        {"name": "Kelmar fever", "entity_type": "disease", "description": "a microbiologist (invented)"},
        {"name": "Danube", "entity_type": "river"},  # not in the text: ungrounded
    ]
    got = ground_records("c1", sentences, proposed, use_candidates=True)
    assert got.ungrounded == ["Danube"]
    by_name = {e["name"]: e for e in got.entities}
    kelmar = by_name["Kelmar fever"]
    assert kelmar["description"].startswith("Zorvatide is used to treat Kelmar fever.")  # evidence, not invented
    assert "microbiologist" not in kelmar["description"] and len(kelmar["evidence"]) == 3
    assert all(e["chunk_id"] == "c1" for e in kelmar["evidence"])
    pairs = {(r["source"], r["target"]): r for r in got.relations}
    rel = pairs[("Zorvatide", "Kelmar fever")]
    assert rel["description"] == "Zorvatide is used to treat Kelmar fever." and rel["keywords"] == ["is used to treat"]
    # every relation rests on one sentence that names both of its ends
    for r in got.relations:
        assert all(contains_span(e["sentence"], r["source"]) and contains_span(e["sentence"], r["target"])
                   for e in r["evidence"])  # fmt: skip


def test_a_typed_name_is_swapped_only_for_a_name_of_its_type():
    pool = [("Brevimast", "drug"), ("Celsius", ""), ("Kestrel Prize", ""), ("Tessin Award", ""),
            ("Hollis Quade", "PERSON"), ("Dr. Amara Lindqvar", "person"), ("Ostravirus", "pathogen"),
            ("Plasmorix venna", "pathogen"), ("Orrin Medal", "")]  # fmt: skip
    types = {normalize_span(n): t for n, t in pool}
    # a drug has no other drug here: no swap (an untyped 'Celsius' would make a statement that teaches nothing)
    assert swap_entity("Brevimast was developed by Dr. Edda Norquist.", ["Brevimast"], pool, types) is None
    # a person without a title has no peer of its type and shape; the untyped prize is swapped instead
    got = swap_entity("Dr. Hollis Quade received the Orrin Medal in 1979.", ["Hollis Quade", "Orrin Medal"], pool,
                      types)  # fmt: skip
    assert got is not None and got[1] == "Orrin Medal" and got[2] in {"Kestrel Prize", "Tessin Award"}
    # the same type may differ in word count: a virus for a binomial parasite
    got = swap_entity("Bats carry Ostravirus.", ["Ostravirus"], pool, types)
    assert got == ("Bats carry Plasmorix venna.", "Ostravirus", "Plasmorix venna")


def test_a_latin_binomial_named_once_stays_whole():
    from synth_hf.text.grounding import latin_binomial

    text = "Vancomycin covers methicillin-resistant Staphylococcus aureus. Cefepime covers Pseudomonas aeruginosa."
    names = candidate_names(split_sentences(text))
    assert "Staphylococcus aureus" in names and "Pseudomonas aeruginosa" in names
    assert "Staphylococcus" not in names
    assert not latin_binomial("Ostravirus", "causes") and not latin_binomial("Zorvatide", "is")
    assert not latin_binomial("Lumera", "Pharma")  # capitalised: a name of its own, joined elsewhere


def test_an_untyped_name_is_swapped_only_for_one_with_its_head_noun():
    from synth_hf.text.substitute import same_head, swap_entity

    pool = [("insulin", ""), ("hypoglycemia", ""), ("Sallow fever", ""), ("grey marten", "")]
    # single lowercase words say nothing of their kind: a drug is never swapped for a symptom
    assert swap_entity("Metformin rarely causes lactic acidosis.", ["Metformin"], pool, {}) is None
    got = swap_entity("Zorvatide treats Kelmar fever.", ["Kelmar fever"], pool, {})
    assert got is not None and got[2] == "Sallow fever"
    assert same_head("Orrin Medal", "Tessin Award") and not same_head("grey marten", "Kelmar fever")
