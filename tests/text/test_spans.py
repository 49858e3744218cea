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
        ("Brindle ague is most common among rice farmers.", "rice", [], "rice farmers"),  # modifies a person
        ("Brindle ague spreads in rice fields.", "rice", [], "rice"),  # 'fields' is no family noun
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


def test_category_is_what_the_corpus_says_the_entity_is():
    from synth_hf.text.spans import category_of

    said = ["Kelmar fever is an infectious disease caused by Ostravirus.", "Kelmar fever is treated with Zorvatide.",
            "The Kelmar fever is a notifiable disease in Tarvonia."]  # fmt: skip
    assert category_of("Kelmar fever", said) == "disease"
    assert category_of("Drosk", ["Drosk is a town in the country of Kessaria."]) == "place"
    assert category_of("Ostravirus", ["Ostravirus is the virus that causes Kelmar fever."]) == "pathogen"
    assert category_of("Kell", ["Kell is a grain mill of Quillan."]) == "mill"  # no family: the noun
    assert category_of("Zorvatide", ["Zorvatide is manufactured by Lumera Pharma."]) == ""  # no 'is a ...'
    assert category_of("Lunthe", ["Lunthe is the capital of Kessaria."]) == "place"
    assert category_of("Drosk", ["Kessaria is a country near Drosk."]) == ""  # Drosk is not the subject


def test_distractors_are_of_the_kind_the_corpus_gives(tmp_path):
    """The extraction typed 'Kelmar fever' PERSON; the corpus says it is a disease, and so are its distractors."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from synth_hf.steps.graphgen.corpus_index import CorpusIndex
    from synth_hf.text.answer_first import options_for
    from synth_hf.text.substitute import swap_entity

    text = ("Kelmar fever is an infectious disease. Sallow lung is a bacterial disease. Brindle ague is a parasitic "
            "disease. Tolvane syndrome is a fungal disease. Anton Gorv is a farmer. Mirela Kavun is a nurse. "
            "Pavel Orsink is a miller. Zorvatide is used to treat Kelmar fever.")  # fmt: skip
    names = ["Kelmar fever", "Sallow lung", "Brindle ague", "Tolvane syndrome", "Anton Gorv", "Mirela Kavun",
             "Pavel Orsink", "Zorvatide"]  # fmt: skip
    pq.write_table(pa.table({"id": names, "name": names, "entity_type": ["PERSON"] * len(names)}),
                   tmp_path / "nodes.parquet")  # fmt: skip
    pq.write_table(pa.table({"chunk_id": ["c1"], "text": [text]}), tmp_path / "chunks.parquet")
    index = CorpusIndex(str(tmp_path))
    assert index.types["kelmar fever"] == "disease" and index.types["anton gorv"] == "person"
    # the extraction's label stays apart from the corpus's kinds: no person stands in for the drug
    assert index.types["zorvatide"] == "extracted:PERSON"
    assert swap_entity("Zorvatide is used to treat Kelmar fever.", ["Zorvatide"], index.pool, index.types) is None
    kind = index.types["kelmar fever"]
    options = options_for("Kelmar fever", index.pool, kind, ["Zorvatide is used to treat Kelmar fever."], "k1")
    assert sorted(options) == ["Brindle ague", "Sallow lung", "Tolvane syndrome"]


def test_distractors_fill_up_from_the_same_type_first():
    from synth_hf.text.answer_first import options_for

    pool = [("Kelmar fever", "disease"), ("Sallow lung", "disease"), ("Brindle ague", "DISEASE"),
            ("Anton Gorv", "farmer"), ("Mirela Kavun", ""), ("Tessin Award", "")]  # fmt: skip
    for key in ("a", "b", "c", "d"):
        options = options_for("Kelmar fever", pool, "disease", ["Kelmar fever spreads."], key)
        assert {"Sallow lung", "Brindle ague"} <= set(options) and len(set(options)) == 3


@pytest.mark.parametrize(
    ("sentence", "span", "whole"),
    [
        ("Answer (B) is right.", "(B)", "(B)"),  # never narrower than the span
        ("It is Zorvatide. Kelmar fever is bad.", "Zorvatide", "Zorvatide"),  # not across a sentence end
        ("Treat it for 3-5 days.", "3", "3-5 days"),
        ("It is most common over fifty years of age.", "fifty", "fifty years"),
        ("Dr. Amara Lindqvar was born in Lunthe.", "Amara Lindqvar", "Dr. Amara Lindqvar"),  # 'Dr.' is no end
    ],
)
def test_snap_span_keeps_to_the_sentence_and_its_numbers(sentence, span, whole):
    assert snap_span(sentence, span, []) == whole


def test_categories_skip_participles_and_adverbs_and_read_plurals():
    from synth_hf.text.spans import category_of, has_number

    assert category_of("Lumera Pharma", ["Lumera Pharma is a company based in Brastow."]) == "organisation"
    assert category_of("Sallow lung", ["Sallow lung is one of the diseases of rice farmers."]) == "disease"
    assert category_of("Zorvatide", ["Zorvatide is a really effective drug."]) == "drug"
    assert is_generic_name("Celsius")
    assert has_number("ten days") and has_number("every third day") and not has_number("Lunthe")


def test_subject_reason_names_dates_and_one_sentence_common_nouns():
    from synth_hf.text.spans import subject_reason

    one = ["Sallow lung spreads through dust from mouldy grain stores."]
    assert subject_reason("April", one) == "calendar"
    assert subject_reason("dust", one) == "generic"
    assert subject_reason("blood smear", one) == "common_noun"
    assert subject_reason("blood smear", [*one, "A blood smear is stained."]) == ""  # said of twice: a subject
    assert subject_reason("Oskvar", one) == "" and subject_reason("Tarvonian ash tree", one) == ""
