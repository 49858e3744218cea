"""Generation prompts, one per mode. Each is a few-shot completion (examples separated by '###', so one
stop string serves every mode) that also reads as instructions for chat models."""

from __future__ import annotations

from synth_hf.steps.graphgen.examples import copied_from_examples

STOP = ["###"]

STYLE_HINTS = {
    "concise": "a short, direct question",
    "detailed": "a question that asks for an explanation",
    "exam": "an exam-style question",
    "curious_student": "a question a curious student would ask",
    "clinical_case": "a question framed as a short practical scenario",
}


def style_hint(style: str) -> str:
    return STYLE_HINTS.get(style, style.replace("_", " "))


def _header(style: str, language: str | None) -> str:
    lang = f" Write in {language}." if language and language != "English" else ""
    return f"Style: {style_hint(style)}.{lang}\n"


# Examples come from a domain far from any likely corpus, so a copied example is easy to spot and drop.
_EX_FACT = "- The Danube flows through Vienna and empties into the Black Sea."
_EX_CHAIN = "- Vienna lies on the Danube.\n- The Danube empties into the Black Sea."

ATOMIC = """Write one question that the facts answer, then its answer. Use only the facts.

Style: a short, direct question.
Facts:
{ex_fact}
Question: Into which sea does the Danube empty?
Answer: The Danube empties into the Black Sea.
###
{header}Facts:
{facts}
Question:"""

MULTI_HOP = """Write one question that can only be answered by following the chain of facts from the first to the
last, then its answer. Use only the facts.

Style: a short, direct question.
Facts:
{ex_chain}
Question: Into which sea does the river that flows through Vienna empty?
Answer: Vienna lies on the Danube, and the Danube empties into the Black Sea.
###
{header}Facts:
{facts}
Question:"""

COT = """Write one question about the facts, then reason step by step, then give the answer. Use only the facts.

Style: a question that asks for an explanation.
Facts:
{ex_chain}
Question: A boat leaves Vienna and follows the river downstream. Which sea does it reach?
Reasoning: Vienna lies on the Danube. Following the river downstream leads to where the Danube ends. The Danube empties into the Black Sea.
Answer: The boat reaches the Black Sea.
###
{header}Facts:
{facts}
Question:"""

MULTIPLE_CHOICE = """Write one multiple-choice question about the facts with four options A-D, exactly one correct,
then the letter of the correct option.

Style: an exam-style question.
Facts:
{ex_fact}
Question: Into which sea does the Danube empty?
A) The North Sea
B) The Black Sea
C) The Baltic Sea
D) The Caspian Sea
Answer: B
###
{header}Facts:
{facts}
Question:"""

TRUE_FALSE = """Write one {kind} statement about the facts.

Facts:
{ex_fact}
True statement: The Danube ends in the Black Sea.
False statement: The Danube ends in the North Sea.
###
{header}Facts:
{facts}
{Kind} statement:"""

AGGREGATED_PASSAGE = """Rewrite the facts as one coherent paragraph. Keep every fact and add nothing.

Facts:
{ex_chain}
Paragraph: Vienna lies on the Danube, the river that flows on until it empties into the Black Sea.
###
{header}Facts:
{facts}
Paragraph:"""

AGGREGATED_QUESTION = """Write the question that the paragraph answers completely.

Paragraph: Vienna lies on the Danube, the river that flows on until it empties into the Black Sea.
Question: On which river does Vienna lie, and where does that river end?
###
{header}Paragraph: {passage}
Question:"""

EXAMPLE_QUESTIONS = {
    "into which sea does the danube empty?",
    "into which sea does the river that flows through vienna empty?",
    "a boat leaves vienna and follows the river downstream. which sea does it reach?",
    "on which river does vienna lie, and where does that river end?",
}
EXAMPLE_STATEMENTS = {"the danube ends in the black sea.", "the danube ends in the north sea."}


def copies_example(text: str, facts: str) -> bool:
    """True when the model repeated a few-shot example instead of using the facts."""
    key = " ".join(text.casefold().split())
    return key in EXAMPLE_QUESTIONS or key in EXAMPLE_STATEMENTS or copied_from_examples(text, facts)


TEMPLATES = {"atomic": ATOMIC, "multi_hop": MULTI_HOP, "cot": COT, "multiple_choice": MULTIPLE_CHOICE}


def first_prompt(row: dict, language: str | None) -> str:
    """The first (often only) prompt of a sample; aggregated mode asks for the passage first."""
    header = _header(row["style"], language)
    mode = row["mode"]
    if mode == "aggregated":
        return AGGREGATED_PASSAGE.format(header=header, facts=row["facts"], ex_chain=_EX_CHAIN)
    if mode == "true_false":
        kind = "true" if row["tf_label"] else "false"
        return TRUE_FALSE.format(
            kind=kind, Kind=kind.capitalize(), ex_fact=_EX_FACT, header=header, facts=row["facts"]
        )
    return TEMPLATES[mode].format(header=header, facts=row["facts"], ex_fact=_EX_FACT, ex_chain=_EX_CHAIN)


def aggregated_question_prompt(row: dict, passage: str, language: str | None) -> str:
    return AGGREGATED_QUESTION.format(header=_header(row["style"], language), passage=passage)
