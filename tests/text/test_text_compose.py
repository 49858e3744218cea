"""Joining two facts about one subject into one statement (synth_hf.text.compose)."""

from synth_hf.text.compose import join_facts, join_same_subject
from synth_hf.text.support import check_support


def test_two_facts_opening_with_the_subject_become_one_supported_statement():
    one = "Zorvatide is manufactured by Lumera Pharma."
    two = "Zorvatide was approved for use in 2009."
    joined = join_same_subject(one, two, "Zorvatide")
    assert joined == "Zorvatide is manufactured by Lumera Pharma and was approved for use in 2009."
    assert check_support(joined, [one, two]).supported


def test_no_join_when_a_sentence_does_not_open_with_the_subject():
    assert join_same_subject("Zorvatide is made by Lumera Pharma.", "Lumera Pharma makes Brevimast.", "Zorvatide") is None
    assert join_same_subject("The dose of Zorvatide is 40 mg.", "Zorvatide is a drug.", "Zorvatide") is None
    # a longer name that merely starts with the subject is another subject
    assert join_same_subject("Kelmar fever is a disease.", "Kelmar feverwort is a plant.", "Kelmar fever") is None
    # a negation would blur its scope once joined
    assert join_same_subject("Brevimast should not be taken during pregnancy.", "Brevimast was developed by Dr. Edda Norquist.",
                             "Brevimast") is None
    # possessive / apposition: nothing to join
    assert join_same_subject("Kelmar fever is a disease.", "Kelmar fever's vector is the dusk midge.", "Kelmar fever") is None


def test_join_facts_pairs_consecutive_sentences_and_keeps_the_rest_in_order():
    s = ["Kelmar fever is spread by the dusk midge.", "The dose is high.", "Kelmar fever is treated with Zorvatide.",
         "kelmar fever occurs in Harnveld."]
    out = join_facts(s, "Kelmar fever")
    assert out == ["Kelmar fever is spread by the dusk midge.", "The dose is high.",
                   "Kelmar fever is treated with Zorvatide and occurs in Harnveld."]
    assert join_facts([], "X") == []
    assert join_facts(["X is a drug."], "X") == ["X is a drug."]


def test_joins_that_would_say_what_the_sources_do_not_are_refused():
    # a subject that only starts a longer name
    assert join_same_subject("Kelmar is a town in Norway.", "Kelmar fever is caused by Ostravirus.", "Kelmar") is None
    assert join_same_subject("Zorvatide-XR is a drug.", "Zorvatide was approved in 2009.", "Zorvatide") is None
    # the first sentence has two clauses: the joined predicate would attach to its last subject
    assert join_same_subject("Zorvatide treats Kelmar fever, Quenamycin treats Tolvane syndrome.",
                             "Zorvatide is rarely used in children.", "Zorvatide") is None
    assert join_same_subject("Zorvatide treats Kelmar fever and Quenamycin treats Tolvane syndrome.",
                             "Zorvatide was approved in 2009.", "Zorvatide") is None
    # the rest of the sentence is no predicate: a number, a colon, a capitalised word
    assert join_same_subject("Zorvatide was approved in 2009.", "Zorvatide 20 mg is taken twice daily.", "Zorvatide") is None
    assert join_same_subject("Zorvatide was approved in 2009.", "Zorvatide: approved in 2009.", "Zorvatide") is None
    # hedges limit a clause like a negation does
    assert join_same_subject("Zorvatide is safe unless combined with alcohol.", "Zorvatide was approved in 2009.",
                             "Zorvatide") is None
    # other languages keep their sentences (the joint is the English 'and')
    de = ["Zorvatid wird von Lumera Pharma hergestellt.", "Zorvatid wurde 2009 zugelassen."]
    assert join_facts(de, "Zorvatid", "de") == de


def test_sentences_without_an_end_mark_do_not_run_together():
    out = join_facts(["Zorvatide is manufactured by Lumera Pharma", "Lumera Pharma is based in Ebberlin"], "Zorvatide")
    assert out == ["Zorvatide is manufactured by Lumera Pharma.", "Lumera Pharma is based in Ebberlin."]
