"""TRL-ready output: a `messages` column, plus prompt/completion, Alpaca and ShareGPT exports."""

from __future__ import annotations

from pathlib import Path

from datasets import Dataset

EXPORT_FORMATS = ("messages", "prompt_completion", "alpaca", "sharegpt")


def qa_messages(question: str, answer: str, system: str | None = None) -> list[dict]:
    turns = [{"role": "system", "content": system}] if system else []
    return turns + [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def _split(messages: list[dict]) -> tuple[str | None, list[dict], str]:
    system = next((m["content"] for m in messages if m["role"] == "system"), None)
    turns = [m for m in messages if m["role"] != "system"]
    if not turns or turns[-1]["role"] != "assistant":
        raise ValueError("a conversation must end with an assistant turn")
    return system, turns[:-1], turns[-1]["content"]


def convert(dataset: Dataset, fmt: str) -> Dataset:
    """Convert a dataset with a `messages` column; provenance columns are kept."""
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format '{fmt}'; choose from {', '.join(EXPORT_FORMATS)}")
    if "messages" not in dataset.column_names:
        raise ValueError(f"dataset has no 'messages' column (columns: {dataset.column_names})")
    if fmt == "messages":
        return dataset

    def row(example: dict) -> dict:
        system, context, answer = _split(example["messages"])
        if fmt == "prompt_completion":
            prompt = ([{"role": "system", "content": system}] if system else []) + context
            return {"prompt": prompt, "completion": [{"role": "assistant", "content": answer}]}
        if fmt == "alpaca":
            instruction = "\n\n".join(m["content"] for m in context if m["role"] == "user")
            return {"instruction": instruction, "input": "", "output": answer, "system": system or ""}
        names = {"user": "human", "assistant": "gpt", "system": "system"}
        conv = [{"from": names[m["role"]], "value": m["content"]} for m in example["messages"]]
        return {"conversations": conv}

    converted = dataset.map(row)
    return converted.remove_columns(["messages"])


def save_exports(dataset: Dataset, out_dir: str | Path, formats: list[str]) -> dict[str, str]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for fmt in formats:
        path = out / f"{fmt}.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        convert(dataset, fmt).to_json(str(tmp), lines=True, force_ascii=False)
        tmp.replace(path)  # atomic: a reader never sees a half-written export
        paths[fmt] = str(path)
    return paths
