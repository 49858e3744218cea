"""Fake-engine AIDE runs for the resume, empty-stream and budget tests (imported by FakeLLM in
distilabel's worker processes, so this folder must be on PYTHONPATH).

Call log: one line "<kind> <generation of the item>" per call to $AIDE_FAKE_LOG; $AIDE_FAKE_DELAY
seconds of sleep per call (so a run can be killed part-way)."""

from __future__ import annotations

import hashlib
import os
import time

from synth_hf.steps.aide.fake_responder import existing_item, generation, kind, last_item, respond

SEEDS = [
    {"question": "SEEDALPHA how do volcanoes form?", "answer": "magma rises through the crust"},
    {"question": "SEEDBETA why is the sky blue?", "answer": "rayleigh scattering of sunlight"},
    {"question": "SEEDGAMMA what makes tides?", "answer": "the pull of the moon"},
    {"question": "", "answer": "a seed without a question is counted, not used"},
]


def _log(prompt: str) -> None:
    path = os.environ.get("AIDE_FAKE_LOG")
    what = kind(prompt)
    if path:
        item = existing_item(prompt) if what.endswith("synthesis") else last_item(prompt)
        with open(path, "a", encoding="utf-8") as fh:  # one write per line: safe across processes
            fh.write(f"{what} {generation(item)}\n")
    delay = float(os.environ.get("AIDE_FAKE_DELAY", "0"))
    if delay:
        time.sleep(delay)


def some_unparseable(prompt: str, index: int) -> str:
    """The normal fake model, except that one synthesis reply in four is empty (a drop)."""
    _log(prompt)
    reply = respond(prompt, index)
    if (
        kind(prompt).endswith("synthesis")
        and int(hashlib.sha256(prompt.encode()).hexdigest()[:4], 16) % 4 == 0
    ):
        return ""
    return reply


def no_synthesis(prompt: str, index: int) -> str:
    """The normal fake model, except that no synthesis reply holds a question (every child is
    dropped, so hop 1 produces nothing)."""
    _log(prompt)
    return "" if kind(prompt).endswith("synthesis") else respond(prompt, index)


def config_data(out_dir: str, name: str, responder: str = "some_unparseable", **sections) -> dict:
    data = {
        "run": {"output_dir": out_dir, "name": name, "use_cache": True, "input_batch_size": 2},
        "engine": {"engine": "fake", "options": {"responder": f"aide_fakes:{responder}"}},
        "seeds": {"rows": SEEDS},
        "expansion": {"depth": 2, "attributes_per_node": 1, "operations_per_node": 2, "personas_per_node": 1},
        "personas": {"source": None, "embedder": "hashing", "cache_dir": os.path.join(out_dir, "emb"), "per_seed": 2},
        "reflection": {"enabled": False},  # on by default; tests that want it turn it on
        "quality_report": False,
    }
    for key, value in sections.items():
        data[key] = {**data.get(key, {}), **value} if isinstance(value, dict) else value
    return data


GROUNDED_DOCS = {
    "zorvatide.md": "Zorvatide is manufactured by Lumera Pharma. Zorvatide was approved in 2009. "
    "The standard dose of Zorvatide is 40 mg taken twice daily.",
    "kelmar.md": "Kelmar fever is caused by Ostravirus. The grey marten is the natural reservoir of Ostravirus.",
}
GROUNDED_SEEDS = [
    {"question": "Which company manufactures Zorvatide?", "answer": "Lumera Pharma"},
    {"question": "Which pathogen causes Kelmar fever?", "answer": "Ostravirus"},
]
_GROUNDED_QUESTIONS = [
    "In which year was Zorvatide approved?",
    "What is the natural reservoir of Ostravirus?",
    "What is the standard dose of Zorvatide?",
    "How do glaciers carve valleys?",  # nothing in the documents: no evidence
]


def grounded(prompt: str, index: int) -> str:
    """The normal fake model, except that synthesis asks about the documents (or, one in four,
    about something they never mention) and the grounded annotator copies the end of the first
    evidence sentence, or names a company that is not in it when the question asks for a year."""
    what = kind(prompt)
    if what.endswith("synthesis"):
        pick = int(hashlib.sha256(prompt.encode()).hexdigest()[:4], 16) % len(_GROUNDED_QUESTIONS)
        return f" {_GROUNDED_QUESTIONS[pick]}\nAnswer: draft\n###"
    if what == "solve" and "Evidence:" in prompt:
        question = prompt.rsplit("Question:", 1)[1]
        if "year" in question:
            return " Orvel Biotech"  # unsupported: dropped by the support check
        first = prompt.rsplit("Evidence:", 1)[1].strip().splitlines()[0].lstrip("- ").rstrip(".")
        return " " + " ".join(first.split()[-3:])
    return respond(prompt, index)


def answer_first_or_empty(prompt: str, index: int) -> str:
    """The normal fake model, except that one answer-first reply in three is empty (its child gets the
    template question)."""
    _log(prompt)
    if kind(prompt) == "answer_first_synthesis" and int(hashlib.sha256(prompt.encode()).hexdigest()[:4], 16) % 3 == 0:
        return ""
    return respond(prompt, index)


def year_questions_low_grades(prompt: str, index: int) -> str:
    """The normal fake model, except that a question asking for a year ("... in which year?") is graded 2/10."""
    _log(prompt)
    if kind(prompt) == "grade" and "which year" in prompt.rsplit("###", 1)[-1]:
        return '{"relevance": 2, "diversity": 2, "feedback": "too plain"}'
    return respond(prompt, index)


def answer_first_low_grades(prompt: str, index: int) -> str:
    """The normal fake model, except that a first answer-first question ("According to ...") is graded 2/10
    on both scores and its re-synthesis (a prompt with the rejected attempt) asks "Going by ..." instead,
    which passes."""
    _log(prompt)
    reply = respond(prompt, index)
    if kind(prompt) == "answer_first_synthesis" and "Rejected attempt:" in prompt:
        return reply.replace("According to the documents", "Going by the documents")
    if kind(prompt) == "grade" and "New: According to" in prompt.rsplit("###", 1)[-1]:
        return '{"relevance": 2, "diversity": 2, "feedback": "too plain"}'
    return reply
