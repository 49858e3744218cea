"""AIDE seeds accept every MCQ layout the evaluation accepts (one shared parser), and a refused
row's reason names the shape that was expected."""

from pathlib import Path

import pytest

from synth_hf.evaluation.data import load_rows, normalize_mcq
from synth_hf.pipelines.aide_config import SeedConfig
from synth_hf.steps.aide.rows import map_seed
from synth_hf.steps.aide.seeds import load_seeds

SAMPLE = Path(__import__("synth_hf").__file__).resolve().parent / "data" / "medqa_sample.jsonl"
LETTERS = "ABCDE"


def test_the_shipped_medqa_sample_is_accepted_as_seeds():
    """Regression: options as {"A": ...} were all skipped as invalid_options."""
    cfg = SeedConfig(source=str(SAMPLE), format="mcq", id_column="id")
    seeds, invalid = load_seeds(cfg)
    raw = load_rows(SAMPLE)
    assert invalid == [] and len(seeds) == len(raw) >= 10
    for seed, row in zip(seeds, raw):
        assert seed["seed_id"] == row["id"]
        assert seed["options"] == [row["options"][k] for k in sorted(row["options"])]
        assert seed["answer"] == row["answer_idx"]
        assert seed["options"][seed["answer_index"]] == row["answer"]


LAYOUTS = [
    {"options": {"A": "red", "B": "blue", "C": "green"}, "answer_idx": "B", "answer": "blue"},  # MedQA
    {"options": {"B": "blue", "A": "red", "C": "green"}, "answer_idx": "B"},  # keys out of order
    {"options": {"a": "red", "b": "blue", "c": "green"}, "answer": "b"},  # lower-case labels
    {"options": ["red", "blue", "green"], "answer": 1},
    {"options": ["red", "blue", "green"], "answer": "1"},
    {"options": ["red", "blue", "green"], "answer": "B"},
    {"options": ["red", "blue", "green"], "answer": "(b)"},
    {"options": ["red", "blue", "green"], "answer": " Blue "},
    {"options": ("red", "blue", "green"), "answer_index": 1},
    {"options": ["red", "blue", "green"], "label": 1, "answer": "blue"},
    {"options": ["1", "2", "3"], "answer": "2"},  # an option's text wins over a digit index
]


@pytest.mark.parametrize("layout", LAYOUTS, ids=range(len(LAYOUTS)))
def test_seed_and_evaluation_agree_on_every_layout(layout):
    row = {"question": "Which colour?", **layout}
    items, skipped = normalize_mcq([row])
    assert skipped == [] and len(items) == 1
    seed, reason = map_seed(row, 0, SeedConfig(rows=[{}], format="mcq"))
    assert reason is None
    assert seed["answer_index"] == items[0].answer and seed["options"] == items[0].options
    assert seed["answer"] == LETTERS[items[0].answer]


# (row, reason code, part of the expected shape, refused by the evaluation too). Blank or repeated
# options are content faults a seed must not have; the evaluation scores such rows anyway.
REFUSED = [
    ({"options": "red, blue", "answer": 0}, "invalid_options", 'a {"A": text', True),
    ({"options": ["red"], "answer": 0}, "invalid_options", "list of >= 2", True),
    ({"options": {"A": "red", "B": ""}, "answer": "A"}, "invalid_options", "non-empty", False),
    ({"options": ["red", "Red"], "answer": 0}, "duplicate_options", "distinct", False),
    (
        {"options": ["red", "blue"], "answer": "purple"},
        "invalid_answer_index",
        "option label (A, B, ...)",
        True,
    ),
    ({"options": {"A": "red", "B": "blue"}, "answer_idx": "C"}, "invalid_answer_index", "option index", True),
    (
        {"options": {"A": "red", "B": "blue"}, "answer_idx": "A", "answer": "blue"},
        "answer_disagrees_with_index",
        "option's text",
        True,
    ),
]


@pytest.mark.parametrize(
    "layout,code,shape,eval_refuses", REFUSED, ids=[f"{r[1]}{i}" for i, r in enumerate(REFUSED)]
)
def test_refused_rows_name_the_expected_shape(layout, code, shape, eval_refuses):
    row = {"question": "Which colour?", **layout}
    seed, reason = map_seed(row, 0, SeedConfig(rows=[{}], format="mcq"))
    assert seed is None and reason.startswith(code + " (expected") and shape in reason
    assert (normalize_mcq([row])[0] == []) is eval_refuses


def test_answer_idx_column_alone_is_enough(tmp_path):
    cfg = SeedConfig(
        rows=[{"question": "Q?", "options": {"A": "x", "B": "y"}, "answer_idx": "B"}], format="mcq"
    )
    seeds, invalid = load_seeds(cfg)
    assert invalid == [] and seeds[0]["answer"] == "B"
    with pytest.raises(ValueError, match=r"no column 'answer' \(seeds.answer_column\)"):
        load_seeds(SeedConfig(rows=[{"question": "Q?", "answer_idx": "B", "x": 1}], format="qa"))


def test_missing_id_column_names_the_field_and_the_available_columns():
    # the fresh-user review: a mistyped seeds.id_column must say which columns there are
    rows = [{"question": "Q?", "answer": "A", "qid": "q1"}]
    with pytest.raises(ValueError) as err:
        load_seeds(SeedConfig(rows=rows, id_column="id"))
    message = str(err.value)
    assert "'id' (seeds.id_column)" in message
    assert "available columns: ['question', 'answer', 'qid']" in message
    assert "leave seeds.id_column out" in message
