"""Check SFT training rows before they reach TRL: a bad row is skipped and counted by id, or refused.

TRL renders every row through the chat template inside `Dataset.map`; one `content: null` there ends
the run with a deep traceback and no row id. `validate_training_data` finds such rows first:

- `messages`: a list of {role, content} turns, roles system / user / assistant, content a non-empty
  string, a system turn only first, at least one user turn, the last turn the assistant's;
- `prompt` / `completion`: non-empty strings, or (conversational) turn lists checked as above with
  only assistant turns in the completion;
- length (with a tokenizer): a row whose prompt alone fills `max_length` leaves no answer token to
  learn from and is invalid; a longer row that still has room is kept and counted as truncated.

Policy `skip` drops invalid rows (counted per reason, with their ids); policy `error` refuses the
dataset with one TrainingDataError that names the first bad rows.

Rows whose `verified` column is False (AIDE answers never checked against evidence) are valid but
excluded by default and counted apart (`unverified`); `include_unverified=True` trains on them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ROLES = ("system", "user", "assistant")
POLICIES = ("skip", "error")
ID_COLUMNS = ("id", "sample_id", "row_id", "seed_id", "doc_id")
MAX_IDS = 20  # ids listed per reason in the report


class TrainingDataError(ValueError):
    """The training data cannot be used as given (message names the rows and what is wrong)."""


@dataclass
class TrainDataReport:
    """What the check found: counts per reason, the first ids per reason, and one example per reason."""

    rows_in: int = 0
    rows_kept: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    dropped_ids: dict[str, list[str]] = field(default_factory=dict)
    examples: dict[str, str] = field(default_factory=dict)  # reason -> "row <id>: <detail>"
    truncated: int = 0  # kept rows longer than max_length (TRL cuts their end)
    truncated_ids: list[str] = field(default_factory=list)
    unverified: int = 0  # valid rows left out because `verified` is False (see include_unverified)

    def add(self, reason: str, row_id: str, detail: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1
        ids = self.dropped_ids.setdefault(reason, [])
        if len(ids) < MAX_IDS:
            ids.append(row_id)
        self.examples.setdefault(reason, f"row {row_id}: {detail}")

    def describe(self) -> str:
        """One line for the terminal."""
        line = f"training rows: {self.rows_kept} of {self.rows_in} kept"
        if self.dropped:
            line += "; skipped " + ", ".join(f"{r}={n} (e.g. {self.examples[r]})" for r, n in self.dropped.items())
        if self.unverified:
            line += (f"; left out {self.unverified} unverified rows (answers not checked against evidence; "
                     "include_unverified / --include-unverified trains on them)")
        if self.truncated:
            line += f"; {self.truncated} longer than max_length (their end is cut)"
        return line

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------------ row checks
def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def check_turns(turns: Any, *, what: str = "messages", only: str | None = None) -> tuple[str, str] | None:
    """(reason, detail) for the first problem of a list of chat turns, or None when it is valid.

    `only` restricts the allowed role (the completion of a conversational row: "assistant").
    """
    if not isinstance(turns, (list, tuple)):
        return "not_a_turn_list", f"{what} is {_kind(turns)}, expected a list of {{role, content}} turns"
    if not turns:
        return "empty_conversation", f"{what} has no turns"
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict):
            return "turn_not_a_mapping", f"{what}[{i}] is {_kind(turn)}, expected {{role, content}}"
        role, content = turn.get("role"), turn.get("content")
        if role not in ROLES or (only is not None and role != only):
            allowed = [only] if only else list(ROLES)
            return "bad_role", f"{what}[{i}] has role {role!r}; allowed: {allowed}"
        if role == "system" and i > 0:
            return "system_not_first", f"{what}[{i}] is a system turn after the first turn"
        if not isinstance(content, str):
            return "content_not_text", f"{what}[{i}] ({role}) has content {_kind(content)}, expected a string"
        if not content.strip():
            return "empty_turn", f"{what}[{i}] ({role}) has empty content"
    return None


def check_messages(messages: Any) -> tuple[str, str] | None:
    """(reason, detail) for an invalid `messages` conversation, None for a trainable one."""
    problem = check_turns(messages)
    if problem:
        return problem
    roles = [t["role"] for t in messages]
    if "user" not in roles:
        return "no_user_turn", "the conversation has no user turn"
    if roles[-1] != "assistant":
        return "last_turn_not_assistant", f"the last turn is {roles[-1]!r}; training needs an assistant answer last"
    return None


def check_prompt_completion(prompt: Any, completion: Any) -> tuple[str, str] | None:
    """(reason, detail) for an invalid prompt/completion row (text or conversational), else None."""
    if isinstance(prompt, str) or isinstance(completion, str):
        for name, value in (("prompt", prompt), ("completion", completion)):
            if not isinstance(value, str):
                return "content_not_text", f"{name} is {_kind(value)}, expected a string"
            if not value.strip():
                return "empty_turn", f"{name} is empty"
        return None
    problem = check_turns(prompt, what="prompt")
    if problem:
        return problem
    if not any(t["role"] == "user" for t in prompt):
        return "no_user_turn", "the prompt has no user turn"
    return check_turns(completion, what="completion", only="assistant")


# ------------------------------------------------------------------------------------ the dataset
def _row_ids(dataset: Any, id_column: str | None) -> list[str]:
    column = id_column or next((c for c in ID_COLUMNS if c in dataset.column_names), None)
    if column is None:
        return [f"#{i}" for i in range(len(dataset))]
    return [f"{column}={v}" if v is not None else f"#{i}" for i, v in enumerate(dataset[column])]


def _token_count(encoded: Any) -> int:
    ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded
    return len(ids)


def _lengths(row: dict, fmt: str, tokenizer: Any, chat_template: str | None) -> tuple[int, int]:
    """(prompt tokens, whole-row tokens) as the trainer will see them (approximately for raw text)."""
    kw = {"chat_template": chat_template} if chat_template else {}
    if fmt == "messages":
        turns = row["messages"]
        full = _token_count(tokenizer.apply_chat_template(turns, tokenize=True, **kw))
        prompt = _token_count(tokenizer.apply_chat_template(turns[:-1], tokenize=True, add_generation_prompt=True, **kw))
        return prompt, full
    if isinstance(row["prompt"], str):
        prompt = _token_count(tokenizer(row["prompt"]))
        return prompt, prompt + _token_count(tokenizer(row["completion"], add_special_tokens=False))
    prompt = _token_count(tokenizer.apply_chat_template(row["prompt"], tokenize=True, add_generation_prompt=True, **kw))
    full = _token_count(tokenizer.apply_chat_template(row["prompt"] + row["completion"], tokenize=True, **kw))
    return prompt, full


def validate_training_data(
    dataset: Any,
    fmt: str,
    *,
    policy: str = "skip",
    tokenizer: Any = None,
    max_length: int | None = None,
    chat_template: str | None = None,
    id_column: str | None = None,
    include_unverified: bool = False,
) -> tuple[Any, TrainDataReport]:
    """Check every row of a `messages` or `prompt_completion` Dataset; returns (usable rows, report).

    Row ids come from `id_column` (or the first of ID_COLUMNS present; else `#index`). With a
    `tokenizer` and `max_length`, lengths are measured with `chat_template` (None: the tokenizer's own).
    Raises TrainingDataError when policy is "error" and a row is invalid, or when no row is usable;
    ValueError for an unknown policy or format. Rows with `verified` False are left out (not invalid,
    so policy "error" does not refuse them) unless `include_unverified`.
    """
    if policy not in POLICIES:
        raise ValueError(f"invalid_rows policy must be one of {POLICIES}, got {policy!r}")
    if fmt not in ("messages", "prompt_completion"):
        raise ValueError(f"unknown training format {fmt!r}")
    ids = _row_ids(dataset, id_column)
    columns = ["messages"] if fmt == "messages" else ["prompt", "completion"]
    report = TrainDataReport(rows_in=len(dataset))
    keep: list[int] = []
    for i, row in enumerate(dataset.select_columns(columns)):
        problem = check_messages(row["messages"]) if fmt == "messages" else check_prompt_completion(
            row["prompt"], row["completion"]
        )
        if problem is None and tokenizer is not None and max_length:
            prompt_len, full_len = _lengths(row, fmt, tokenizer, chat_template)
            if prompt_len >= max_length:
                problem = ("no_room_for_answer", f"the prompt alone is {prompt_len} tokens >= max_length {max_length}")
            elif full_len > max_length:
                report.truncated += 1
                if len(report.truncated_ids) < MAX_IDS:
                    report.truncated_ids.append(ids[i])
        if problem is None:
            keep.append(i)
        else:
            report.add(problem[0], ids[i], problem[1])
    bad = report.rows_in - len(keep)
    if not include_unverified and "verified" in dataset.column_names:
        verified = dataset["verified"]
        report.unverified = sum(verified[i] is False for i in keep)
        keep = [i for i in keep if verified[i] is not False]
    report.rows_kept = len(keep)
    if bad and policy == "error":
        examples = "; ".join(report.examples.values())
        raise TrainingDataError(
            f"{bad} of {report.rows_in} training rows are invalid ({examples}); fix them or use "
            f"invalid_rows=skip (--invalid-rows skip) to train on the rest"
        )
    if not keep:
        raise TrainingDataError(f"no usable training row: {report.describe()}")
    return (dataset.select(keep) if len(keep) != len(dataset) else dataset), report
