"""Property tests: no parser ever raises, whatever a model emits."""

import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth_hf.text.parsing import (
    extract_json,
    parse_choice,
    parse_kg_records,
    parse_qa_pairs,
    parse_score,
    parse_yes_no,
)

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# text biased towards the characters parsers care about, plus arbitrary unicode
PUNCT = st.sampled_from(
    list("{}[]:,\"'`|<>\\/#*()-;\n\t ")
    + ["<|>", "```", "entity", "relation", "Question:", "Answer:", "True", "null", "“", "”", "\ud800", "\x00"]
)
UGLY_TEXT = st.lists(st.one_of(PUNCT, st.text(max_size=8)), max_size=60).map("".join)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=10),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=6), kids, max_size=4),
    max_leaves=20,
)


def _all_parsers(text):
    extract_json(text)
    extract_json(text, expect=dict)
    extract_json(text, expect=list)
    parse_kg_records(text)
    parse_qa_pairs(text)
    parse_score(text)
    parse_yes_no(text)
    parse_choice(text, 4)


@FAST
@given(UGLY_TEXT)
def test_never_raises_on_ugly_text(text):
    _all_parsers(text)


@FAST
@given(st.text())
def test_never_raises_on_random_unicode(text):
    _all_parsers(text)


@FAST
@given(JSON_VALUES.filter(lambda v: isinstance(v, (dict, list))), st.text(max_size=20), st.text(max_size=20))
def test_valid_json_is_recovered_inside_prose(value, before, after):
    before = before.replace("{", "").replace("[", "")
    res = extract_json(f"{before}\n```json\n{json.dumps(value)}\n```\n{after}")
    assert res.value == value


@FAST
@given(JSON_VALUES.filter(lambda v: isinstance(v, (dict, list))), st.data())
def test_truncated_json_never_raises_and_keeps_type(value, data):
    dumped = json.dumps(value)
    cut = data.draw(st.integers(1, len(dumped)))
    res = extract_json(dumped[:cut])
    if res.ok:
        assert isinstance(res.value, type(value))


@FAST
@given(st.dictionaries(st.sampled_from(["score", "answer", "q"]), st.integers(-5, 20) | st.text(max_size=5)))
def test_scores_are_in_range_or_none(obj):
    for text in (json.dumps(obj), str(obj)):
        res = parse_score(text, lo=1, hi=10)
        assert res.value is None or 1 <= res.value <= 10
        choice = parse_choice(text, 3)
        assert choice.value is None or 0 <= choice.value < 3


def test_giant_inputs_are_fast_and_safe():
    giants = [
        "{" * 60_000,
        '{"a": "' + "x" * 300_000,  # longer than the parsers' input cap
        "[" + "1," * 30_000,
        "entity | " + "| " * 30_000,
        "Question: " * 10_000,
        "\\" * 60_000 + "'" * 60_000,
    ]
    start = time.perf_counter()
    for text in giants:
        _all_parsers(text)
    assert time.perf_counter() - start < 45  # ~3 s normally; a quadratic path would take minutes
    assert extract_json('{"a": "' + "x" * 300_000).reason.endswith("input_cut")
    assert all(len(line) <= 1001 for line in parse_kg_records("entity | " + "| " * 30_000).bad_lines)
