"""A fake model for the AIDE call-accounting tests (imported by FakeLLM in distilabel's workers).

Synthesis cycles through four kinds of child over the GROUNDED_DOCS documents: a draft answer the
evidence supports, a draft it does not support (the annotator must answer), a question whose
evidence is about something else (retrieval finds a shared word, no sentence carries the question),
and a question the documents never mention."""

from __future__ import annotations

from synth_hf.steps.aide.fake_responder import existing_item, kind, respond

CHILDREN = [
    ("In which year was Zorvatide approved?", "2009"),  # supported draft: no annotator call
    ("What is the natural reservoir of Ostravirus?", "the red fox"),  # unsupported draft: one call
    ("Which company manufactures a drug?", "Lumera Pharma"),  # evidence about Zorvatide only
    ("How do glaciers carve valleys?", "slowly"),  # no evidence at all
]


def cost_kinds(prompt: str, index: int) -> str:
    what = kind(prompt)
    if what.endswith("synthesis"):
        # every kind appears: one per (seed, operation) of GROUNDED_SEEDS x the first two operations
        pick = 2 * ("Kelmar" in existing_item(prompt)) + ('Operation "concretize"' not in prompt)
        question, draft = CHILDREN[pick]
        return f" {question}\nAnswer: {draft}\n###"
    if what == "solve" and "Evidence:" in prompt:
        return " the grey marten"  # right for the only question that reaches the annotator
    return respond(prompt, index)
