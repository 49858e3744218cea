import pytest

from synth_hf.text.parsing import parse_choice, parse_qa_pairs, parse_score, parse_yes_no


@pytest.mark.parametrize(
    "text,pairs",
    [
        (
            "Question: What is X?\nAnswer: X is Y.\n\nQuestion: Why?\nAnswer: Because.",
            [("What is X?", "X is Y."), ("Why?", "Because.")],
        ),
        ("Q: a?\nA: b\nQ: c?\nA: d\nline 2 of d", [("a?", "b"), ("c?", "d\nline 2 of d")]),
        (
            "1. **Question:** What?\n   **Answer:** That.\n2. **Question:** Who?\n   **Answer:** Him.",
            [("What?", "That."), ("Who?", "Him.")],
        ),
        ("Question 1: foo? Answer 1: bar.", [("foo?", "bar.")]),
        (
            '[{"question": "q1", "answer": "a1"}, {"Question": "q2", "Answer": 5}]',
            [("q1", "a1"), ("q2", "5")],
        ),
        ('```json\n{"question": "Is water wet?", "answer": "Yes."}\n```', [("Is water wet?", "Yes.")]),
        ("Question: Same?\nAnswer: Same.\nQuestion: Same?\nAnswer: Same.", [("Same?", "Same.")]),
        ("Question: What is 2+2?\nAnswer: 4<|COMPLETE|>", [("What is 2+2?", "4")]),
        (
            "Q1. Who wrote it?\nA1. Ada.\nQ2) When?\nA2) 1843.",
            [("Who wrote it?", "Ada."), ("When?", "1843.")],
        ),
        (
            "Question: Capital of France?\nA. Paris\nB. Rome\nAnswer: A",
            [("Capital of France?\nA. Paris\nB. Rome", "A")],
        ),
    ],
)
def test_qa_pairs(text, pairs):
    res = parse_qa_pairs(text)
    assert res.pairs == pairs, res.reason


def test_qa_reports_unanswered_and_failure():
    res = parse_qa_pairs("Question: a?\nAnswer: b\nQuestion: dangling?")
    assert res.pairs == [("a?", "b")] and "unanswered=1" in res.reason
    assert parse_qa_pairs("Plan A: do things").reason == "no_pairs"
    assert parse_qa_pairs("").reason == "empty"


@pytest.mark.parametrize(
    "text,value",
    [
        ("8", 8.0),
        ("Score: 7/10", 7.0),
        ("I'd rate it 4/5", 8.0),
        ("On a scale of 1-10, I give it a 9.", 9.0),
        ('{"score": 6, "reason": "fine"}', 6.0),
        ("Rating: **8.5**", 8.5),
        ("The answer has 3 errors. Score: 6", 6.0),
        ("eight", 8.0),
        ("10/10!", 10.0),
    ],
)
def test_score(text, value):
    assert parse_score(text).value == value


def test_score_range_and_failures():
    assert parse_score("Score: 85").reason == "out_of_range"
    assert parse_score("Score: 0/10").value is None  # the denominator is not a score
    assert parse_score("nothing here").reason == "no_number"
    assert parse_score("Score: 85", lo=0, hi=100).value == 85.0
    assert parse_score("3", lo=1, hi=5).value == 3.0


@pytest.mark.parametrize(
    "text,value",
    [
        ("Yes", True),
        ("no.", False),
        ("Answer: True", True),
        ("**Yes**, it is.", True),
        ("I think the answer is no", False),
        ("It is not true.", False),
        ('{"answer": "yes"}', True),
        ("False - because", False),
        ("  NO", False),
        ('{"label": false}', False),
    ],
)
def test_yes_no(text, value):
    assert parse_yes_no(text).value is value


def test_yes_no_undecided():
    assert parse_yes_no("maybe").value is None
    assert parse_yes_no("").reason == "empty"


@pytest.mark.parametrize(
    "text,index",
    [
        ("C", 2),
        ("(B)", 1),
        ("Answer: (C)", 2),
        ("The answer is d.", 3),
        ("A. Paris", 0),
        ("A good choice here is C", 2),
        ("Option 2", 1),
        ('{"answer": "B"}', 1),
        ("I think B is right", 1),
        ("[A]", 0),
        ("3", 2),
    ],
)
def test_choice(text, index):
    assert parse_choice(text, 4).value == index


def test_choice_out_of_range():
    assert parse_choice("Z", 4).value is None
    assert parse_choice("E", 4).value is None
    assert parse_choice("E", 5).value == 4
    assert parse_choice("C", 0).value is None


@pytest.mark.parametrize(
    "text",
    [
        '{"question": "What is X?", "answer": "Y"}\n{"question": "What is Z?", "answer": "W"}',
        "| # | Question | Answer |\n|---|---|---|\n| 1 | What is X? | Y |\n| 2 | What is Z? | **W** |",
        "Q | A\nWhat is X? | Y\nWhat is Z? | W",
        '```json\n[{"q": "What is X?", "a": "Y"},\n {"q": "What is Z?", "a": "W"}]\n```',
    ],
    ids=["json_lines", "markdown_table", "bare_table", "fenced_list"],
)
def test_qa_pairs_in_other_layouts(text):
    assert parse_qa_pairs(text).pairs == [("What is X?", "Y"), ("What is Z?", "W")]


def test_qa_table_without_question_column_is_not_pairs():
    assert not parse_qa_pairs("| Name | Type |\n|---|---|\n| Aspirin | drug |").ok
