"""Closed-book yes/no probe for the trainee. The prompt ends exactly where the answer word starts."""

from __future__ import annotations

PROBE_TEMPLATE = """Answer each question with yes or no.

Is this statement true? The heart pumps blood through the body.
Answer: yes

Is this statement true? Water boils at 20 degrees Celsius at sea level.
Answer: no

Is this statement true? {statement}
Answer:"""


def probe_prompt(statement: str) -> str:
    return PROBE_TEMPLATE.format(statement=" ".join(statement.split()))
