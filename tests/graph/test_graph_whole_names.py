"""Names the extraction cut short join the whole name their evidence spells."""

from __future__ import annotations

from synth_hf.graph.merge import merge_records
from synth_hf.graph.records import EntityRecord, RelationRecord
from synth_hf.graph.whole_names import whole_name_aliases

CAUSE = "Ostravirus is the virus that causes Kelmar fever."
TREAT = "Kelmar fever is treated with Zorvatide."
ALONE = "Ostravirus was first isolated in Harnveld."


def _ev(sentence: str, chunk: str = "c1") -> list[dict]:
    return [{"chunk_id": chunk, "sentence": sentence}]


def _ent(name: str, sentence: str) -> EntityRecord:
    return EntityRecord(name, "thing", sentence, "c1", _ev(sentence))


def _rel(source: str, target: str, sentence: str, chunk: str = "c1") -> RelationRecord:
    return RelationRecord(source, target, ["r"], sentence, chunk, evidence=_ev(sentence, chunk))


def test_a_cut_name_joins_the_whole_name_and_the_two_hop_path_meets():
    entities = [_ent("Kelmar fever", TREAT), _ent("Ostravirus", ALONE)]
    relations = [_rel("Ostravirus", "Kelmar", CAUSE, "c2"), _rel("Kelmar fever", "Zorvatide", TREAT)]
    assert whole_name_aliases(entities, relations) == {"Kelmar": "Kelmar fever"}
    kg, _ = merge_records(entities, relations, aliases=whole_name_aliases(entities, relations))
    assert "kelmar" not in kg.graph.nodes
    assert kg.graph.has_edge("ostravirus", "kelmar fever") and kg.graph.has_edge("kelmar fever", "zorvatide")


def test_names_stay_when_the_evidence_uses_them_alone_or_the_whole_phrase_is_no_extracted_name():
    # "Ostravirus" is also a name on its own (ALONE): never folded into a longer phrase
    entities = [_ent("Ostravirus", ALONE), _ent("Ostravirus strain", "The Ostravirus strain is rare.")]
    relations = [_rel("Ostravirus", "Harnveld", ALONE)]
    assert whole_name_aliases(entities, relations) == {}
    # "Kelmar" widens to "Kelmar fever", but nothing extracted that name: no alias is made up
    assert whole_name_aliases([_ent("Kelmar", CAUSE)], []) == {}
    # records without evidence are ignored
    bare = [EntityRecord("Kelmar", "thing", "", "c1"), _ent("Kelmar fever", TREAT)]
    assert whole_name_aliases(bare, []) == {}


def test_the_node_keeps_the_whole_name_even_when_the_cut_one_is_more_frequent():
    whole = "Tolvane syndrome is a fungal disease caused by Cryptomyces ardeni."
    entities = [_ent("Cryptomyces ardeni", whole)] + [_ent("ardeni", whole) for _ in range(3)]
    kg, _ = merge_records(entities, [], aliases=whole_name_aliases(entities, []))
    assert kg.graph.nodes["cryptomyces ardeni"]["name"] == "Cryptomyces ardeni"


def test_a_name_used_alone_anywhere_in_a_sentence_or_a_common_noun_is_never_folded():
    cases = [
        ("Harnveld", "Harnveld Institute", "The Harnveld Institute is located in Harnveld."),
        ("Marlow", "Marlow syndrome", "Marlow syndrome was first described by Edwin Marlow in 1952."),
        ("Lunthe", "Lunthe virus", "The Lunthe virus was discovered in Lunthe."),
        ("fever", "Kelmar fever", "Kelmar fever is spread by the dusk midge."),
    ]
    for short, whole, sentence in cases:
        entities = [_ent(short, sentence), _ent(whole, sentence)]
        assert whole_name_aliases(entities, []) == {}, sentence
