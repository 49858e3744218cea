import pytest

from synth_hf.text.parsing import extract_json

CASES = [
    # (raw model output, expect, value)
    ('{"a": 1}', None, {"a": 1}),
    ('```json\n{"a": 1, "b": [1, 2,],}\n```', None, {"a": 1, "b": [1, 2]}),
    ("```\n[1, 2, 3]\n```\nThat's all!", list, [1, 2, 3]),
    (
        'Sure! Here is the JSON you asked for:\n{"name": "Aspirin", "type": "drug"}\nHope it helps.',
        dict,
        {"name": "Aspirin", "type": "drug"},
    ),
    ("{'a': True, 'b': None, 'c': False}", None, {"a": True, "b": None, "c": False}),
    ("{'text': 'it\\'s fine'}", None, {"text": "it's fine"}),
    ("{“name”: “Bob”, “age”: 3}", None, {"name": "Bob", "age": 3}),
    ('{"quote": "He said “hi” to me"}', None, {"quote": "He said “hi” to me"}),
    ('{"answer": "The capital of Fra', None, {"answer": "The capital of Fra"}),
    ('{"a": [1, 2, {"b": "c"', None, {"a": [1, 2, {"b": "c"}]}),
    ('{"a": 1, "b', None, {"a": 1}),
    ('{"a": 1, "b":', None, {"a": 1}),
    ('[{"q": "x"}, {"q": "y"}, {"q": "z', list, [{"q": "x"}, {"q": "y"}, {"q": "z"}]),
    ('{"a": 1} {"b": 2}', None, {"a": 1}),
    ('First: {"a": 1}\nSecond: {"a": 2}', dict, {"a": 1}),
    ('See [1] for details. {"a": 2}', dict, {"a": 2}),
    ('[{"q": "x"}, {"q": "y"}]', dict, {"q": "x"}),
    ('{"questions": [{"q": 1}, {"q": 2}]}', list, [{"q": 1}, {"q": 2}]),
    ('{"q": 1}', list, [{"q": 1}]),
    ('{name: "x", count: 5}', None, {"name": "x", "count": 5}),
    ('{"a": 1 "b": 2}', None, {"a": 1, "b": 2}),
    ('{"a": NaN, "b": Infinity}', None, {"a": None, "b": None}),
    ('{"key": "value", // a comment\n "k2": 2}', None, {"key": "value", "k2": 2}),
    ('{{"a": 1}}', None, {"a": 1}),
    ('"{\\"a\\": 1}"', None, {"a": 1}),
    ('{"x": "\\ud83d\\ude00 ok"}', None, {"x": "😀 ok"}),
    ('{"x": "line one\nline two"}', None, {"x": "line one\nline two"}),
    ('{"path": "C:\\temp\\new"}', None, {"path": "C:\temp\new"}),
    ('{"a": [1, 2]]}', None, {"a": [1, 2]}),
    ('Output: [\n  "alpha",\n  "beta",\n]', list, ["alpha", "beta"]),
    ('{"n": 1.5e3, "m": -2, "p": .5}', None, {"n": 1500.0, "m": -2, "p": 0.5}),
    ('<start_of_turn>model\n```json\n{"ok": true}\n```<end_of_turn>', None, {"ok": True}),
]


@pytest.mark.parametrize("raw,expect,value", CASES, ids=[c[0][:30] for c in CASES])
def test_extracts_from_realistic_outputs(raw, expect, value):
    res = extract_json(raw, expect=expect)
    assert res.ok, res.reason
    assert res.value == value


@pytest.mark.parametrize(
    "raw,reason_prefix",
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("no json here at all", "no_json"),
        ("[" * 5000, "too_deep"),
    ],
)
def test_failures_report_a_reason(raw, reason_prefix):
    res = extract_json(raw)
    assert res.value is None and not res.ok
    assert res.reason.startswith(reason_prefix)


def test_type_mismatch_when_nothing_fits():
    res = extract_json("[1, 2, 3]", expect=dict)
    assert res.value is None and res.reason.startswith("type_mismatch")


def test_reason_distinguishes_clean_repaired_and_guessed():
    assert extract_json('{"a": 1}').reason == "ok"
    assert extract_json('{"a": 1,}').reason.startswith("repaired")
    assert "trailing_comma" in extract_json('{"a": 1,}').reason
    assert extract_json("{'a': (1)}").reason.startswith("guessed")


def test_prefers_clean_candidate_over_guess():
    # the first brace is prose ("{name}"), the real object comes later
    res = extract_json('Fill the {name} slot. Result: {"name": "Ada"}', expect=dict)
    assert res.value == {"name": "Ada"}


def test_non_string_input():
    assert extract_json(None).reason == "empty"
    assert extract_json(b'{"a": 1}').value == {"a": 1}
    assert extract_json({"a": 1}).value == {"a": 1}
    assert extract_json({"a": [1]}, expect=list).value == [1]
    assert extract_json(12345).reason == "no_json"


@pytest.mark.parametrize(
    "raw",
    [
        '{"q": "x"}\n{"q": "y"}\n{"q": "z"}',  # JSON lines
        '```jsonl\n{"q": "x"}\n{"q": "y"}\n{"q": "z"}\n```',  # fenced JSON lines (seen once, not twice)
        'First {"q": "x"}, then {"q": "y"} and finally {"q": "z"}.',  # objects inside prose
        '1. {"q": "x"}\n2. {"q": "y",}\n3. {"q": "z"}',  # numbered, one with a cosmetic repair
    ],
)
def test_several_objects_are_all_kept_when_a_list_is_expected(raw):
    res = extract_json(raw, expect=list)
    assert res.value == [{"q": "x"}, {"q": "y"}, {"q": "z"}], res.reason
    assert "json_lines" in res.reason
    assert extract_json(raw, expect=dict).value == {"q": "x"}  # a dict caller still gets the first
