import numpy as np
import pytest

from synth_hf.graph import (
    EntityRecord,
    RelationRecord,
    merge_records,
    normalize_name,
    set_summary,
    units_over_budget,
)
from synth_hf.graph.merge import clean_surface_form, find_near_duplicate_names


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Paris ", "paris"),
        ('"Paris"', "paris"),
        ("**PARIS**.", "paris"),
        ("\u201cNew   York\u201d", "new york"),
        ("(Apollo 11)", "apollo 11"),
        ("\uff2e\uff21\uff33\uff21", "nasa"),  # fullwidth -> NFKC
        ("Stra\u00dfe", "strasse"),  # casefold
        (".NET", ".net"),  # a leading dot is part of the name
        ("C++", "c++"),
        ("U.S.", "u.s"),
        ("a -> b", "a \u2192 b"),  # never the edge separator
        ("zero\u200bwidth\tand\nlines", "zerowidth and lines"),
        ('"..."', ""),
    ],
)
def test_normalize_name(raw, expected):
    assert normalize_name(raw) == expected
    assert normalize_name(normalize_name(raw)) == expected  # idempotent


def test_clean_surface_form_keeps_case():
    assert clean_surface_form('  "New  York".') == "New York"


def _records():
    entities = [
        EntityRecord("Marie Curie", "person", "Physicist.", "c2"),
        EntityRecord("MARIE CURIE", "PERSON", "Chemist.", "c1"),
        EntityRecord('"Marie Curie"', "scientist", "Physicist.", "c3"),  # duplicate description
        EntityRecord("Marie Curie", "scientist", "", "c3"),
        EntityRecord("Radium", "element", "An element.", "c1"),
        EntityRecord("Polonium", "element", "Another element.", "c1"),
        EntityRecord("Polonium", "", "", "c4"),
        EntityRecord("...", "x", "junk", "c9"),
    ]
    relations = [
        RelationRecord("Marie Curie", "Radium", ["discovered", "chemistry"], "She discovered radium.", "c1"),
        RelationRecord("marie curie", "radium", ["Discovery", "discovered "], "Radium was found by her.", "c2",
                       weight=2.0),
        RelationRecord("Marie Curie", "Radium", [], "She discovered radium.", "c1", weight=0.5),
        RelationRecord("Radium", "Marie Curie", ["named by"], "Radium named by Curie.", "c3"),
        RelationRecord("Marie Curie", "MARIE CURIE", ["self"], "loop", "c1"),
        RelationRecord("Marie Curie", "Sorbonne", ["worked at"], "She taught at the Sorbonne.", "c5"),
        RelationRecord("Pierre", "sorbonne", ["taught at"], "He taught there.", "c6"),
        RelationRecord("Polonium", "", [], "dangling", "c4"),
    ]
    return entities, relations


def test_merge_records_exact():
    kg, stats = merge_records(*_records())
    assert stats.to_dict() == {
        "input_entities": 8, "input_relations": 8, "merged_nodes": 5, "merged_edges": 4,
        "implicit_nodes": 2, "duplicate_entities": 4, "duplicate_relations": 2, "self_loops": 1,
        "empty_names": 2, "aliases_applied": 0,
    }
    assert [reason for _, reason in stats.dropped] == ["empty_name", "self_loop", "empty_name"]
    assert kg.node_ids() == ["marie curie", "radium", "polonium", "sorbonne", "pierre"]
    curie = kg.get_unit("marie curie")
    assert curie["name"] == "Marie Curie"  # 3 of 4 surface forms once quotes are cleaned
    assert curie["entity_type"] == "PERSON"  # PERSON 2 vs SCIENTIST 2: tie -> lexicographic
    assert curie["descriptions"] == ["Physicist.", "Chemist."]
    assert curie["description"] == "Physicist.\nChemist."
    assert curie["source_ids"] == ["c1", "c2", "c3"]
    assert kg.get_unit("polonium")["entity_type"] == "ELEMENT"  # empty type does not vote
    sorbonne = kg.get_unit("sorbonne")
    assert sorbonne["entity_type"] == "UNKNOWN" and sorbonne["descriptions"] == []
    assert sorbonne["source_ids"] == ["c5", "c6"] and sorbonne["name"] == "Sorbonne"
    edge = kg.get_unit("marie curie -> radium")
    assert edge["keywords"] == ["discovered", "chemistry", "Discovery"]
    assert edge["descriptions"] == ["She discovered radium.", "Radium was found by her."]
    assert edge["weight"] == 3.5
    assert edge["source_ids"] == ["c1", "c2"]
    assert kg.get_unit("radium -> marie curie")["keywords"] == ["named by"]  # direction kept
    assert kg.edges() == [("marie curie", "radium"), ("marie curie", "sorbonne"), ("radium", "marie curie"),
                          ("pierre", "sorbonne")]


def test_merge_with_aliases_and_chains():
    entities = [EntityRecord("M. Curie", "PERSON", "a", "c1"), EntityRecord("Marie Curie", "PERSON", "b", "c2"),
                EntityRecord("Mme Curie", "PERSON", "c", "c3")]
    relations = [RelationRecord("Mme Curie", "Radium", [], "r", "c3")]
    kg, stats = merge_records(entities, relations, aliases={"m. curie": "Mme Curie", "MME CURIE": "marie curie"})
    assert kg.node_ids() == ["marie curie", "radium"]
    assert kg.get_unit("marie curie")["descriptions"] == ["a", "b", "c"]
    assert kg.edges() == [("marie curie", "radium")]
    assert stats.aliases_applied == 2


def test_merge_is_order_independent_for_types_and_names():
    ents = [EntityRecord("x", "B", "", "c"), EntityRecord("X", "A", "", "c")]
    kg1, _ = merge_records(ents, [])
    kg2, _ = merge_records(ents[::-1], [])
    assert kg1.get_unit("x")["entity_type"] == kg2.get_unit("x")["entity_type"] == "A"
    assert kg1.get_unit("x")["name"] == kg2.get_unit("x")["name"] == "X"


def test_units_over_budget_and_summary():
    kg, _ = merge_records(*_records())
    words = lambda text: len(text.split())
    kg.set_unit_attrs("marie curie", description="stale")
    over = units_over_budget(kg, words, budget=5)
    assert over == ["marie curie -> radium"]  # 3 + 4 words; the 5-word sorbonne edge fits
    assert kg.get_unit("marie curie")["description"] == "Physicist.\nChemist."
    long_text = kg.get_unit("marie curie -> radium")["description"]
    assert long_text == "She discovered radium.\nRadium was found by her."  # not truncated
    set_summary(kg, "marie curie -> radium", "  Curie discovered radium. ")
    assert kg.get_unit("marie curie -> radium")["description"] == "Curie discovered radium."
    assert kg.get_unit("marie curie -> radium")["summarized"] is True
    assert units_over_budget(kg, words, budget=5) == []  # summarised units are left alone
    with pytest.raises(ValueError):
        set_summary(kg, "radium", "  ")


def test_find_near_duplicate_names_leader_clustering():
    names = ["NYC", "New York City", "New York City", "new york", "boston", "Boston", "zero"]
    vecs = np.array([[1.0, 0.05, 0], [1, 0, 0], [1, 0, 0], [0.9, 0.3, 0], [0, 1, 0], [0, 2, 0.1], [0, 0, 0]])
    expected = {"NYC": "New York City", "new york": "New York City", "boston": "Boston"}
    assert find_near_duplicate_names(names, vecs, 0.94) == expected
    # Tiny blocks (one row at a time) must give the same answer.
    assert find_near_duplicate_names(names, vecs, 0.94, block_bytes=1) == expected
    # Explicit counts change who is canonical.
    counts = [10, 1, 1, 1, 1, 1, 1]
    assert find_near_duplicate_names(names, vecs, 0.94, counts=counts)["New York City"] == "NYC"


def test_near_duplicates_do_not_chain():
    # a~b and b~c but not a~c: c must not be folded into a through b.
    vecs = np.array([[1, 0], [np.cos(0.3), np.sin(0.3)], [np.cos(0.6), np.sin(0.6)]])
    assert find_near_duplicate_names(["a", "b", "c"], vecs, float(np.cos(0.35))) == {"b": "a"}
    with pytest.raises(ValueError):
        find_near_duplicate_names(["a"], vecs, 0.9)
