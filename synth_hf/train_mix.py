"""Raw source text as language-modelling rows, alone or mixed with a `messages` dataset.

TRL's SFTTrainer takes one dataset format at a time, so a mix of chat rows and plain text is
handed to it already tokenized (`input_ids` + `assistant_masks`, which TRL turns into labels and
truncates as usual):

- a `messages` row is rendered with the tokenizer's chat template (the plain template of
  `synth_hf.train` for a base model); with `{% generation %}` markers only the assistant's tokens
  are trained, as in an unmixed run;
- a raw-text row is `<bos> text <eos>` with every token trained. A text longer than the training
  window is split at paragraph / sentence / word boundaries into passages that fit, so nothing is
  cut off by truncation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from datasets import Dataset


@dataclass
class MixStats:
    """What went into a mixed training set (all counts are rows/passages, not tokens)."""

    chat_rows: int = 0
    raw_texts: int = 0  # texts given
    raw_passages: int = 0  # rows made from them (long texts split into several)
    raw_empty: int = 0  # blank texts, skipped
    raw_tokens: int = 0
    raw_truncated: int = 0  # passages the splitter could not fit (not expected; counted, not hidden)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def read_raw_text(source: str, text_column: str = "text") -> list[str]:
    """The documents of a corpus source (folder, file or Hub id; see `synth_hf.io.readers`) as texts,
    saying on stdout how many were read. Raises FileNotFoundError / ValueError as the readers do."""
    from synth_hf.io.readers import load_text_dataset

    corpus, _ = load_text_dataset(source, text_column=text_column)
    print(f"raw text: {len(corpus)} documents from {source}")
    return list(corpus["text"])


def training_format(dataset: Dataset | None, texts: list[str] | None) -> str:
    """The format a training run has: the dataset's ('messages' / 'prompt_completion') or 'raw_text'
    when only texts are given. Raises ValueError when there is nothing to train on, the dataset is
    empty, or texts would be mixed into a dataset that is not `messages`."""
    from synth_hf.train import detect_format

    if dataset is None:
        if not texts:
            raise ValueError("nothing to train on: give a dataset, raw_text, or both")
        return "raw_text"
    fmt = detect_format(dataset)
    if len(dataset) == 0:
        raise ValueError("the training dataset is empty")
    if texts is not None and fmt != "messages":
        raise ValueError(f"raw_text can only be mixed into a 'messages' dataset, not {fmt}")
    return fmt


def _passages(text: str, tokenizer: Any, budget: int) -> list[str]:
    """`text` as one passage when it fits `budget` tokens, else split without losing any of it."""
    from synth_hf.text.chunking import chunk_document, token_counter

    count = token_counter(tokenizer)
    if count(text) <= budget:
        return [text]
    return [c.text for c in chunk_document(text, "raw", count, chunk_size=budget, overlap=0, language="und")]


def raw_text_rows(texts: Iterable[str], tokenizer: Any, max_length: int) -> tuple[list[dict], MixStats]:
    """Tokenized language-modelling rows (`input_ids`, `assistant_masks` all 1) from plain texts.

    Each row holds at most `max_length` tokens including BOS and EOS. Raises TypeError for a
    non-string item and ValueError when `max_length` leaves no room for text.
    """
    budget = max_length - 2  # BOS + EOS
    if budget < 1:
        raise ValueError(f"max_length={max_length} leaves no room for text")
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    rows: list[dict] = []
    stats = MixStats()
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(f"raw text #{i} is {type(text).__name__}, expected str")
        stats.raw_texts += 1
        if not text.strip():
            stats.raw_empty += 1
            continue
        for passage in _passages(text.strip(), tokenizer, budget):
            ids = tokenizer(passage, add_special_tokens=False).input_ids
            if len(ids) > budget:
                stats.raw_truncated += 1
                ids = ids[:budget]
            ids = ([bos] if bos is not None else []) + ids + ([eos] if eos is not None else [])
            rows.append({"input_ids": ids, "assistant_masks": [1] * len(ids)})
            stats.raw_passages += 1
            stats.raw_tokens += len(ids)
    return rows, stats


def chat_rows(dataset: Dataset, tokenizer: Any, assistant_only: bool) -> list[dict]:
    """Tokenized `messages` rows; the mask marks the assistant's tokens (all tokens otherwise).

    Raises ValueError naming the row when assistant-only training finds no assistant token.
    """
    rows = []
    for i, messages in enumerate(dataset["messages"]):
        out = tokenizer.apply_chat_template(
            messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=assistant_only
        )
        ids = list(out["input_ids"])
        mask = list(out["assistant_masks"]) if assistant_only else [1] * len(ids)
        if 1 not in mask:
            raise ValueError(f"messages row {i} has no assistant tokens to train on")
        rows.append({"input_ids": ids, "assistant_masks": mask})
    return rows


def build_mixed_dataset(
    dataset: Dataset | None, texts: Iterable[str], tokenizer: Any, max_length: int, assistant_only: bool
) -> tuple[Dataset, MixStats]:
    """One pre-tokenized Dataset of the chat rows of `dataset` (or none) plus the raw-text rows.

    Raises ValueError when nothing is left to train on.
    """
    rows, stats = raw_text_rows(texts, tokenizer, max_length)
    if dataset is not None:
        chat = chat_rows(dataset, tokenizer, assistant_only)
        stats.chat_rows = len(chat)
        rows = chat + rows
    if not rows:
        raise ValueError("nothing to train on: the dataset is empty and every raw text is blank")
    return Dataset.from_list(rows), stats
