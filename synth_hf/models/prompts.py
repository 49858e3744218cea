"""Prompt normalisation and rendering shared by every engine."""

from __future__ import annotations

import json
from typing import Any

PromptLike = str | list[dict]


def prompt_messages(prompt: Any) -> list[dict]:
    """A plain string becomes one user turn; chat lists are validated, not rewritten."""
    if isinstance(prompt, str):
        return [{"role": "user", "content": prompt}]
    if isinstance(prompt, list) and prompt and all(isinstance(m, dict) and "content" in m for m in prompt):
        return [{"role": m.get("role", "user"), "content": str(m["content"])} for m in prompt]
    raise ValueError(f"A prompt must be a string or a non-empty list of chat messages, got {type(prompt).__name__}")


def render_plain(messages: list[dict]) -> str:
    """Render chat turns for a base model without a chat template.

    Our prompts are written as completions, so a single user turn is used verbatim; a
    final assistant turn is a prefix the model continues.
    """
    if len(messages) == 1:
        return messages[0]["content"]
    return "\n\n".join(m["content"] for m in messages)


def render_prompt(messages: list[dict], tokenizer: Any, use_chat_template: bool | None) -> str:
    has_template = bool(getattr(tokenizer, "chat_template", None))
    if use_chat_template is True and not has_template:
        raise ValueError("use_chat_template=True but the tokenizer has no chat template")
    if has_template and use_chat_template is not False:
        if messages[-1]["role"] == "assistant":
            return tokenizer.apply_chat_template(messages, tokenize=False, continue_final_message=True)
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    return render_plain(messages)


def schema_instruction(schema: dict) -> str:
    """Appended to a prompt when the engine cannot constrain decoding to the schema."""
    props = schema.get("properties", {})
    example = {k: _example_value(v) for k, v in props.items()}
    return (
        "\n\nReply with one JSON object only, with these keys: "
        + ", ".join(props)
        + f".\nExample format: {json.dumps(example)}\nJSON:"
    )


def _example_value(prop: dict) -> Any:
    kind = prop.get("type")
    if kind == "integer":
        return 0
    if kind == "number":
        return 0.0
    if kind == "boolean":
        return True
    if kind == "array":
        return [_example_value(prop.get("items", {"type": "string"}))]
    if kind == "object":
        return {k: _example_value(v) for k, v in prop.get("properties", {}).items()}
    return "..."
