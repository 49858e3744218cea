"""The shipped example data: corpus, MedQA-style questions and held-out yes/no statements."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import synth_hf
from synth_hf.evaluation import load_rows, normalize_mcq, normalize_statements

DATA = Path(synth_hf.__file__).parent / "data"


def _corpus_text() -> str:
    return " ".join(
        p.read_text(encoding="utf-8") for p in sorted((DATA / "medical_corpus").glob("*.md"))
    ).lower()


def test_corpus_has_three_to_four_documents_of_300_to_500_words() -> None:
    docs = sorted((DATA / "medical_corpus").glob("*.md"))
    assert 3 <= len(docs) <= 4
    for doc in docs:
        words = len(doc.read_text(encoding="utf-8").split())
        assert 300 <= words <= 520, (doc.name, words)


def test_medqa_sample_is_well_formed() -> None:
    rows = load_rows(DATA / "medqa_sample.jsonl")
    assert 18 <= len(rows) <= 25
    assert len({r["id"] for r in rows}) == len(rows)
    items, skipped = normalize_mcq(rows)
    assert skipped == []
    for row, item in zip(rows, items):
        assert set(row) == {"id", "question", "options", "answer_idx", "answer"}
        assert list(row["options"]) == list("ABCDE"[: len(row["options"])])
        assert len(row["options"]) in (4, 5)
        assert row["options"][row["answer_idx"]] == row["answer"]
        assert item.options[item.answer] == row["answer"]
    # answers are spread over the letters, not all "A"
    assert len({r["answer_idx"] for r in rows}) >= 4


def test_medqa_answers_are_grounded_in_the_corpus() -> None:
    corpus = _corpus_text()
    for row in load_rows(DATA / "medqa_sample.jsonl"):
        key = next((w for w in re.findall(r"[A-Za-z][\w-]{2,}", row["answer"])), None)
        if key is None:  # numeric answers (scores, days) are checked by hand
            continue
        assert key.lower() in corpus, (row["id"], key)


def test_statements_are_balanced_and_well_formed() -> None:
    rows = load_rows(DATA / "statements_heldout.jsonl")
    items, skipped = normalize_statements(rows)
    assert skipped == []
    assert 25 <= len(items) <= 40
    positives = sum(it.label for it in items)
    assert 10 <= positives <= len(items) - 10
    assert len({r["id"] for r in rows}) == len(rows)


def test_an_evaluation_file_that_is_a_json_array_of_numbers_is_one_clear_error(tmp_path, capsys):
    from synth_hf.cli import main

    path = tmp_path / "nums.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match=r"nums.json: row 1 is a JSON int, not an object"):
        load_rows(path)
    assert main(["eval", "--mcq", str(path)]) == 2  # was a traceback (AttributeError: 'int' ... 'get')
    err = capsys.readouterr().err
    assert "row 1 is a JSON int" in err and "Traceback" not in err
