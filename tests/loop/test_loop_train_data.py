"""Training input is checked before TRL: bad rows are skipped and counted by id, or refused with one
clear error; `synth-hf train` never prints a traceback for them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset
from test_loop_model import tiny_model  # noqa: F401 - the tiny Llama fixture

from synth_hf.cli import main
from synth_hf.train import train_lora
from synth_hf.train_data import (
    TrainingDataError,
    check_messages,
    check_prompt_completion,
    validate_training_data,
)


def _qa(q: str, a, **extra) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}], **extra}


# the input: one assistant turn with content null among good rows
NULL_ANSWER = [_qa("What lowers glucose?", "Metformin.", id="ok-1"), _qa("What treats CAP?", None, id="null-1"),
               _qa("What is an ACE inhibitor?", "Lisinopril.", id="ok-2")]


@pytest.mark.parametrize(
    ("messages", "reason"),
    [
        (None, "not_a_turn_list"),
        ("User: hi", "not_a_turn_list"),
        ([], "empty_conversation"),
        (["hi"], "turn_not_a_mapping"),
        ([{"role": "human", "content": "hi"}, {"role": "assistant", "content": "yo"}], "bad_role"),
        ([{"role": "user", "content": "hi"}, {"role": "system", "content": "s"}, {"role": "assistant", "content": "a"}],
         "system_not_first"),
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": None}], "content_not_text"),
        ([{"role": "user", "content": [{"type": "text", "text": "hi"}]}, {"role": "assistant", "content": "a"}],
         "content_not_text"),
        ([{"role": "user", "content": 3}, {"role": "assistant", "content": "a"}], "content_not_text"),
        ([{"role": "user", "content": "  "}, {"role": "assistant", "content": "a"}], "empty_turn"),
        ([{"role": "system", "content": "s"}, {"role": "assistant", "content": "a"}], "no_user_turn"),
        ([{"role": "user", "content": "hi"}], "last_turn_not_assistant"),
        ([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "a"}, {"role": "user", "content": "?"}],
         "last_turn_not_assistant"),
    ],
)
def test_each_kind_of_bad_conversation_is_named(messages, reason):
    problem = check_messages(messages)
    assert problem is not None and problem[0] == reason, problem


def test_good_conversations_pass():
    assert check_messages([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"},
                           {"role": "assistant", "content": "a"}, {"role": "user", "content": "more"},
                           {"role": "assistant", "content": "b"}]) is None
    assert check_prompt_completion("Q: x\nA:", " y") is None
    assert check_prompt_completion([{"role": "user", "content": "x"}], [{"role": "assistant", "content": "y"}]) is None


def test_prompt_completion_rows():
    assert check_prompt_completion("Q", None)[0] == "content_not_text"
    assert check_prompt_completion("", "a")[0] == "empty_turn"
    assert check_prompt_completion([{"role": "user", "content": "x"}], [{"role": "user", "content": "y"}])[0] == "bad_role"
    assert check_prompt_completion([{"role": "assistant", "content": "x"}],
                                   [{"role": "assistant", "content": "y"}])[0] == "no_user_turn"


def test_skip_policy_counts_by_id_and_error_policy_refuses():
    ds = Dataset.from_list(NULL_ANSWER)
    kept, report = validate_training_data(ds, "messages")
    assert kept["id"] == ["ok-1", "ok-2"] and report.rows_in == 3 and report.rows_kept == 2
    assert report.dropped == {"content_not_text": 1} and report.dropped_ids == {"content_not_text": ["id=null-1"]}
    assert "messages[1] (assistant) has content null" in report.describe()
    with pytest.raises(TrainingDataError, match=r"1 of 3 training rows are invalid \(row id=null-1: messages\[1\]"):
        validate_training_data(ds, "messages", policy="error")
    with pytest.raises(TrainingDataError, match="no usable training row"):
        validate_training_data(Dataset.from_list([NULL_ANSWER[1]]), "messages")
    with pytest.raises(ValueError, match="policy"):
        validate_training_data(ds, "messages", policy="ignore")
    # without an id column the row index is the id
    _, report = validate_training_data(Dataset.from_list([{k: v for k, v in r.items() if k != "id"}
                                                          for r in NULL_ANSWER]), "messages")
    assert report.dropped_ids["content_not_text"] == ["#1"]


class _WordTokenizer:
    """One token per word; the chat template is 'role: content' per turn."""

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": text.split()}

    def apply_chat_template(self, turns, tokenize=True, add_generation_prompt=False, chat_template=None):
        words = [w for t in turns for w in f"{t['role']}: {t['content']}".split()]
        return words + (["assistant:"] if add_generation_prompt else [])


def test_length_prompt_filling_max_length_is_invalid_longer_rows_are_counted():
    rows = [_qa("short question", "short answer", id="fits"),
            _qa("a question of many many words here", "an answer that runs long too", id="cut"),
            _qa(" ".join(["word"] * 20), "answer", id="no-room")]
    kept, report = validate_training_data(Dataset.from_list(rows), "messages", tokenizer=_WordTokenizer(), max_length=12)
    assert kept["id"] == ["fits", "cut"]
    assert report.dropped_ids == {"no_room_for_answer": ["id=no-room"]} and report.truncated_ids == ["id=cut"]


def _jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_train_cli_on_a_null_answer(tmp_path, tiny_model, capsys):  # noqa: F811
    # issue 10.7: before, TRL crashed inside its map (TypeError, no row id, a huge traceback)
    data = _jsonl(tmp_path / "chat.jsonl", NULL_ANSWER)
    out = tmp_path / "adapter"
    assert main(["train", data, "--model", str(tiny_model), "--out", str(out), "--dry-run"]) == 0
    assert "2 of 3 kept" in capsys.readouterr().out
    code = main(["train", data, "--model", str(tiny_model), "--out", str(out), "--invalid-rows", "error"])
    err = capsys.readouterr().err
    assert code == 2 and "id=null-1" in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["train", data, "--model", str(tiny_model), "--out", str(out), "--max-steps", "1", "--batch-size", "2"]) == 0
    metrics = json.loads((out / "train_metrics.json").read_text())
    assert metrics["n_examples"] == 2 and metrics["data_check"]["dropped_ids"] == {"content_not_text": ["id=null-1"]}


def test_train_lora_skips_bad_rows_in_python_too(tmp_path, tiny_model):  # noqa: F811
    rows = [*NULL_ANSWER, {"id": "sys-last", "messages": [{"role": "user", "content": "q"},
                                                         {"role": "system", "content": "s"}]}]
    result = train_lora(Dataset.from_list(rows), tiny_model, tmp_path / "a", max_steps=1, batch_size=2)
    assert result.metrics["data_check"]["dropped"] == {"content_not_text": 1, "system_not_first": 1}


def test_unreadable_training_file_names_the_line(tmp_path, capsys):
    bad = tmp_path / "chat.jsonl"
    bad.write_text(json.dumps(NULL_ANSWER[0]) + "\n{not json\n", encoding="utf-8")
    assert main(["train", str(bad), "--out", str(tmp_path / "o"), "--dry-run"]) == 2
    assert "chat.jsonl:2: invalid JSON" in capsys.readouterr().err
