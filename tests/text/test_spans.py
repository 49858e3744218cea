"""Answer spans widened to whole phrases; bare common nouns recognised."""

from __future__ import annotations

import pytest

from synth_hf.text.spans import is_generic_name, number_phrases, snap_span

LUNTHE = "Dr. Amara Lindqvar was born in the town of Lunthe."


@pytest.mark.parametrize(
    ("sentence", "span", "names", "whole"),
    [
        ("Ostravirus is the virus that causes Kelmar fever.", "Kelmar", ["Kelmar fever"], "Kelmar fever"),
        ("Tolvane syndrome is a fungal disease.", "Tolvane", [], "Tolvane syndrome"),  # head noun, no node
        ("Zorvatide treats Kelmar fever.", "Zorvatide", [], "Zorvatide"),  # a verb is not a head noun
        ("Ostravirus is destroyed by heating to 60 degrees Celsius.", "Celsius", [], "60 degrees Celsius"),
        ("Zorvatide is taken as 40 mg twice daily.", "40", [], "40 mg"),
        ("Zorvatide is manufactured by Lumera Pharma.", "Lumera", [], "Lumera Pharma"),
        ("Dr. Teodor Vasko was a professor at the University of Oskeval.", "Oskeval", [], "University of Oskeval"),
        (LUNTHE, "Amara Lindqvar", [], "Dr. Amara Lindqvar"),
        (LUNTHE, "town", [], "town of Lunthe"),
        (LUNTHE, "Lunthe", [], "Lunthe"),  # 'town of' is not part of the name
        ("In 1987, Ostravirus was isolated in Oskvar.", "Ostravirus", [], "Ostravirus"),  # 'In 1987,' is not
        ("Kessaria and Tarvonia share a border.", "Kessaria", [], "Kessaria"),
        ("Tolvane syndrome is diagnosed with a skin scraping.", "skin", [], "skin"),
        ("Tolvane syndrome is diagnosed with a skin scraping.", "Vell", [], "Vell"),  # not in the sentence
    ],
)
def test_snap_span_widens_to_the_phrase_the_sentence_spells(sentence, span, names, whole):
    assert snap_span(sentence, span, names) == whole


def test_the_longest_known_name_wins_and_keeps_the_sentences_spelling():
    sentence = "Patients with tolvane syndrome recover."
    assert snap_span(sentence, "tolvane", ["Tolvane syndrome", "Tolvane"]) == "tolvane syndrome"


def test_numbers_keep_their_units():
    assert number_phrases("Heat to 60 degrees Celsius for 3 days, 12% of 40 mg.") == [
        "60 degrees Celsius", "3 days", "12%", "40 mg"]  # fmt: skip


def test_generic_names_are_bare_lowercase_words():
    assert [is_generic_name(n) for n in ("town", "drug", "Tarvonia", "60", "the grey marten", "gen1")] == [
        True, True, False, False, False, False]  # fmt: skip
