"""Sentence splitting: Latin, abbreviations, decimals, CJK, full-width, other scripts, lists/tables."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth_hf.text.sentences import sentence_cuts, sentence_texts, split_sentences

CASES = [
    # Latin
    ("It rained. We stayed in! Did you? Yes.", ["It rained.", "We stayed in!", "Did you?", "Yes."]),
    ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
    ("Wait... What happened? OK.", ["Wait...", "What happened?", "OK."]),
    ("It ended… Then it began.", ["It ended…", "Then it began."]),
    ("Done.\nNext one.", ["Done.", "Next one."]),
    ("¿Qué pasa? ¡Nada! Bien.", ["¿Qué pasa?", "¡Nada!", "Bien."]),
    ("Он пришёл. Она ушла.", ["Он пришёл.", "Она ушла."]),
    # abbreviations, initials, decimals, numbers
    ("Dr. Smith gave 2.5 mg. It helped.", ["Dr. Smith gave 2.5 mg.", "It helped."]),
    ("Use e.g. aspirin. See Fig. 3 now.", ["Use e.g. aspirin.", "See Fig. 3 now."]),
    ("J. R. Tolkien wrote it. Fine.", ["J. R. Tolkien wrote it.", "Fine."]),
    ("Value is 3.14. Next.", ["Value is 3.14.", "Next."]),
    ("We counted 2. Then 3.", ["We counted 2.", "Then 3."]),
    # CJK and full-width
    (
        "二甲双胍是一线药物。它降低血糖！真的吗？是的。",
        ["二甲双胍是一线药物。", "它降低血糖！", "真的吗？", "是的。"],
    ),
    ("真的吗？ 是的。", ["真的吗？", "是的。"]),  # a space after the mark
    ("药物。\n它降低血糖。", ["药物。", "它降低血糖。"]),  # a line break after the mark
    ("他说：「很好。」然后走了。", ["他说：「很好。」", "然后走了。"]),  # closing bracket stays
    ("剂量为３．５ｍｇ。然后停药。", ["剂量为３．５ｍｇ。", "然后停药。"]),  # full-width decimal point
    ("Ｈｅｌｌｏ． Ｗｏｒｌｄ．", ["Ｈｅｌｌｏ．", "Ｗｏｒｌｄ．"]),
    ("これはペンです。あれは本です！", ["これはペンです。", "あれは本です！"]),
    ("半角｡次の文", ["半角｡", "次の文"]),
    ("It works. 二甲双胍很好。Really!", ["It works.", "二甲双胍很好。", "Really!"]),  # Latin end then CJK
    ("好吗?好的。", ["好吗?", "好的。"]),  # ASCII mark directly before CJK
    ("안녕하세요. 반갑습니다.", ["안녕하세요.", "반갑습니다."]),  # hangul has no case
    ("यह अच्छा है। वह भी।", ["यह अच्छा है।", "वह भी।"]),
    # no boundary
    ("No boundary here at all", ["No boundary here at all"]),
    ("二甲双胍用于治疗糖尿病", ["二甲双胍用于治疗糖尿病"]),
    ("lower case after. a period does not cut", ["lower case after. a period does not cut"]),
    # lists and tables
    ("1. First item\n2. Second item", ["1. First item", "2. Second item"]),
    ("Intro line.\n 12. Twelfth item", ["Intro line.", "12. Twelfth item"]),
    ("Steps:\n- mix\n- bake", ["Steps:", "- mix", "- bake"]),
    ("| a | b |\n| c | d |", ["| a | b |", "| c | d |"]),
    ("One para\n\nTwo para", ["One para", "Two para"]),
    # a word ending in a letter after a digit is no initial
    ("Aim for HbA1c. Adverse effects are rare.", ["Aim for HbA1c.", "Adverse effects are rare."]),
    ("Dr. J. Smith came.", ["Dr. J. Smith came."]),
]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0][:24] for c in CASES])
def test_sentences(text, expected):
    assert sentence_texts(text) == expected


def test_offsets_point_into_the_text():
    text = "  First one.   Second one!\n\n第三句。第四句？"
    sents = split_sentences(text)
    assert [s.index for s in sents] == [0, 1, 2, 3]
    for s in sents:
        assert text[s.start : s.end] == s.text


def test_empty_and_punctuation_only():
    assert split_sentences("") == [] and split_sentences("  \n ") == []
    assert sentence_texts("。。。") == []  # no word characters: nothing to cite


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab A.!?。！？．５5 \n「」")), max_size=60))
def test_cuts_are_inside_and_sentences_keep_every_word_character(text):
    cuts = sentence_cuts(text)
    assert cuts == sorted(set(cuts)) and all(0 < c < len(text) for c in cuts)
    kept = "".join(s.text for s in split_sentences(text))
    assert [ch for ch in kept if ch.isalnum()] == [ch for ch in text if ch.isalnum()]
