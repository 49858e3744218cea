"""Grounding judge: is the answer supported by the subgraph facts and their source passages?"""

from __future__ import annotations

YES_NO_TEMPLATE = """Decide whether each answer is supported by the facts and sources. Reply yes or no.

Facts:
- The Danube empties into the Black Sea.
Question: Where does the Danube end?
Answer: In the Black Sea.
Supported: yes

Facts:
- The Danube empties into the Black Sea.
Question: Where does the Danube end?
Answer: In the North Sea.
Supported: no

Facts:
{facts}
{sources}Question: {question}
Answer: {answer}
Supported:"""

SCORE_TEMPLATE = """Rate from 1 to 10 how well the answer is supported by the facts and sources
(10 = fully supported, 1 = contradicted or unsupported).

Facts:
{facts}
{sources}Question: {question}
Answer: {answer}
"""

SCORE_SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "integer", "minimum": 1, "maximum": 10}},
    "required": ["score"],
}


def _sources(texts: list[str]) -> str:
    if not texts:
        return ""
    return "Sources:\n" + "\n".join(f"> {' '.join(t.split())}" for t in texts) + "\n"


def judge_prompt(method: str, facts: str, sources: list[str], question: str, answer: str) -> str:
    template = YES_NO_TEMPLATE if method == "yes_no" else SCORE_TEMPLATE
    return template.format(facts=facts, sources=_sources(sources), question=question, answer=answer)
