"""Prompt rendering for AIDE, written once and shared by the synthesis and reflection steps
(re-synthesis must rebuild exactly the prompt that made the row, plus the grader's feedback).

Templates (*.jinja) sit beside this module. Custom operation templates get these variables:
task_description, noun, label, format_hint, demonstrations (rendered strings), example,
seed (None outside residual hops >= 2), parent, topic, attribute, relation, operation,
instruction, feedback, previous.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from synth_hf.items import item_label, mcq_question, prompt_item

TEMPLATE_DIR = Path(__file__).resolve().parent

OPERATION_INSTRUCTIONS: dict[str, str] = {
    "concretize": "make it more specific: replace general ideas with a concrete case, numbers, names or a "
    "situation that involves the focus attribute.",
    "add_constraints": "add one or two constraints or requirements tied to the focus attribute, so that "
    "answering it takes more care.",
    "add_reasoning": "change it so that answering needs several explicit reasoning steps that go through "
    "the focus attribute.",
}

# The Evol-Instruct-style baseline's wording of the same operations: no focus attribute.
EVOL_INSTRUCTIONS: dict[str, str] = {
    "concretize": "make it more specific: replace general ideas with a concrete case, numbers, names or a "
    "situation.",
    "add_constraints": "add one or two constraints or requirements, so that answering it takes more care.",
    "add_reasoning": "change it so that answering needs several explicit reasoning steps.",
}

# Answer-first wording (grounded runs): the fact is fixed, so an operation shapes only how it is asked;
# "names" are left out, since a name the fact does not hold gets the question refused.
ANSWER_FIRST_INSTRUCTIONS: dict[str, str] = {
    "concretize": "make it concrete: set it in a situation in which someone needs the answer",
    "add_constraints": "add one or two conditions taken from the fact",
    "add_reasoning": "ask it so that answering takes a reasoning step through the fact",
}

FORMAT_HINTS: dict[str, str] = {
    "qa": "as 'New question:' followed by a line 'Answer:' with its correct answer",
    "mcq": "with options A) to D), exactly one of them correct, followed by a line 'Answer:' with the "
    "letter of the correct option",
    "true_false": "as a statement that is either true or false, followed by a line 'Answer:' with true "
    "or false",
}

SOLVE_RULES: dict[str, str] = {
    "qa": "Answer each question correctly and concisely.",
    "mcq": "Answer each question with the letter of the single correct option.",
    "true_false": "Answer each statement with true or false.",
}

STOP = ["###"]

EXTRACTION_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "topic": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"attribute": {"type": "string"}, "relation": {"type": "string"}},
                "required": ["attribute"],
            },
        },
    },
    "required": ["topic", "attributes"],
}

# Longest topic / attribute / relation a constrained decode may write (characters): a small model
# otherwise loops inside a string until max_new_tokens cuts the JSON.
EXTRACTION_MAX_CHARS = 80


def extraction_schema(k: int) -> dict:
    """EXTRACTION_SCHEMA bounded for native constrained decoding: at most `k` attributes and
    EXTRACTION_MAX_CHARS per string, so the reply closes instead of repeating one attribute until it
    is cut (Gemma-3-270M asked for 1 attribute wrote the same one until max_new_tokens)."""
    text = {"type": "string", "maxLength": EXTRACTION_MAX_CHARS}
    item = {**EXTRACTION_SCHEMA["properties"]["attributes"]["items"]}
    item["properties"] = {"attribute": text, "relation": text}
    attributes = {"type": "array", "items": item, "maxItems": max(1, k)}
    return {**EXTRACTION_SCHEMA, "properties": {"topic": text, "attributes": attributes}}


GRADE_SCHEMA: dict = {
    "type": "object",
    "properties": {
        "relevance": {"type": "number"},
        "diversity": {"type": "number"},
        "feedback": {"type": "string"},
    },
    "required": ["relevance", "diversity"],
}


def schema_hint(schema: dict) -> str:
    """The engines' schema-in-prompt text, also used inside our few-shot examples so a base
    model sees a real answer follow it (instead of copying its '...' placeholders)."""
    from synth_hf.models.prompts import schema_instruction

    return schema_instruction(schema)


@lru_cache(maxsize=1)
def _env() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        undefined=jinja2.StrictUndefined,  # a missing variable is a bug, not an empty string
        keep_trailing_newline=False,
        autoescape=False,
    )


def render(name: str, **context: Any) -> str:
    return _env().get_template(name).render(**context).strip()


@lru_cache(maxsize=64)
def _custom(source: str) -> Any:
    return _env().from_string(source)


def noun(fmt: str) -> str:
    return item_label(fmt).lower()


def demo_block(fmt: str, demo: dict) -> str:
    return f"{prompt_item(fmt, demo['question'], demo.get('options'))}\nAnswer: {demo.get('answer', '')}"


def seed_block(fmt: str, row: dict) -> str:
    return demo_block(
        fmt, {"question": row["seed_question"], "options": row["seed_options"], "answer": row["seed_answer"]}
    )


def plain_item(fmt: str, question: str, options: list[str] | None) -> str:
    """Question text plus options, without a label (for grading prompts)."""
    return mcq_question(question, options) if fmt == "mcq" and options else question


def synthesis_prompt(
    row: dict,
    *,
    fmt: str,
    task_description: str | None,
    demonstrations: list[dict],
    operations: dict[str, str],
    operation_templates: dict[str, str],
    feedback: str | None = None,
    previous: str | None = None,
) -> str:
    """The prompt for a child row (branch attribute or persona). The residual seed block is
    added for hops >= 2 when `row['residual']`; at hop 1 the parent is the seed itself.
    A row of branch "evol" (the baseline) gets the operation alone: no topic, focus or persona."""
    evol = row["branch"] == "evol"
    triplet = row.get("attribute_triplet") or {}
    context = {
        "task_description": task_description,
        "noun": noun(fmt),
        "label": noun(fmt),
        "format_hint": FORMAT_HINTS[fmt],
        "demonstrations": [demo_block(fmt, d) for d in demonstrations],
        "example": render("_example.jinja", fmt=fmt, focus=not evol),
        "seed": seed_block(fmt, row) if row["residual"] and row["hop"] >= 2 else None,
        "parent": prompt_item(fmt, row["parent_question"], row["parent_options"], label=noun(fmt)),
        "topic": triplet.get("head") or row.get("topic") or "",
        "attribute": triplet.get("tail", ""),
        "relation": triplet.get("relation", ""),
        "operation": row.get("operation") or "",
        "instruction": operations.get(row.get("operation") or "", ""),
        "persona": row.get("persona") or "",
        "feedback": feedback,
        "previous": previous,
    }
    if row["branch"] == "persona":
        return render("synthesize_persona.jinja", **context)
    op = row.get("operation") or ""
    if op in operation_templates:
        return _custom(operation_templates[op]).render(**context).strip()
    if evol:
        context["instruction"] = EVOL_INSTRUCTIONS.get(op, context["instruction"])
        return render("synthesize_evol.jinja", **context)
    return render("synthesize_operation.jinja", **context)


def answer_first_prompt(
    row: dict,
    *,
    fmt: str,
    task_description: str | None,
    operations: dict[str, str],
    feedback: str | None = None,
    previous: str | None = None,
    **_: object,
) -> str:
    """The answer-first prompt for a child that carries its fact (`evidence[0]`) and `answer_span`: the
    parent question as the way to ask, the operation (or persona) as the instruction, the seed on
    residual hops >= 2 (as in `synthesis_prompt`); `previous` / `feedback` on re-synthesis."""
    op = row.get("operation") or ""
    if row["branch"] == "persona":
        instruction = f"ask it as this person would: {row.get('persona') or ''}"
    else:
        instruction = ANSWER_FIRST_INSTRUCTIONS.get(op) or operations.get(op) or op
    return render(
        "synthesize_answer_first.jinja",
        task_description=task_description,
        noun=noun(fmt),
        seed=" ".join(row["seed_question"].split()) if row["residual"] and row["hop"] >= 2 else None,
        parent=" ".join(str(row["parent_question"]).split()),
        instruction=instruction,
        fact=row["evidence"][0]["sentence"],
        answer=row["answer_span"],
        feedback=feedback,
        previous=previous,
    )


_EXTRACTION_EXAMPLES = [
    (
        "A train covers 180 km in 2 hours and then 60 km in 1 hour. What is its average speed?",
        {
            "topic": "average speed",
            "attributes": [
                {"attribute": "total distance", "relation": "is divided by the total time to give"},
                {"attribute": "travel time", "relation": "is the denominator of"},
                {"attribute": "km per hour", "relation": "is the unit of"},
            ],
        },
    ),
    (
        "Why do metal spoons get hot in a bowl of soup?",
        {
            "topic": "heat conduction",
            "attributes": [
                {"attribute": "metal", "relation": "conducts heat far better than wood in"},
                {"attribute": "soup temperature", "relation": "is the heat source of"},
                {"attribute": "thermal equilibrium", "relation": "is the end state of"},
            ],
        },
    ),
]


def extraction_prompt(fmt: str, question: str, options: list[str], k: int) -> str:
    # The worked examples list k attributes (up to 3): base models copy the examples' length.
    n = max(1, min(k, 3))
    examples = [(q, json.dumps({**a, "attributes": a["attributes"][:n]})) for q, a in _EXTRACTION_EXAMPLES]
    return render(
        "extract_attributes.jinja",
        noun=noun(fmt),
        item=prompt_item(fmt, question, options),
        k=k,
        example_k=n,
        examples=examples,
        schema_hint=schema_hint(EXTRACTION_SCHEMA),
    )


def grade_prompt(fmt: str, row: dict) -> str:
    return render(
        "grade.jinja",
        noun=noun(fmt),
        seed=plain_item(fmt, row["seed_question"], row["seed_options"]),
        parent=plain_item(fmt, row["parent_question"], row["parent_options"]),
        child=plain_item(fmt, row["question"], row["options"]),
        schema_hint=schema_hint(GRADE_SCHEMA),
    )


def solve_prompt(fmt: str, row: dict, task_description: str | None, demonstrations: list[dict]) -> str:
    """Few-shot solve; without task demonstrations the row's own seed is the example."""
    demos = demonstrations or [
        {"question": row["seed_question"], "options": row["seed_options"], "answer": row["seed_answer"]}
    ]
    return render(
        "solve.jinja",
        task_description=task_description,
        rule=SOLVE_RULES[fmt],
        demonstrations=[demo_block(fmt, d) for d in demos],
        item=prompt_item(fmt, row["question"], row["options"]),
    )


def grounded_solve_prompt(question: str, evidence: list[str]) -> str:
    """Few-shot 'answer from the evidence' prompt (free-text questions of a grounded run)."""
    return render("solve_grounded.jinja", question=" ".join(question.split()), evidence=evidence)


def persona_pool_prompt(fmt: str, question: str) -> str:
    return render("persona_pool.jinja", noun=noun(fmt), item=f"Question: {question}")
