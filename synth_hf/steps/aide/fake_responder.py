"""A deterministic stand-in model that understands AIDE's prompts, for FakeLLM
(`FakeLLM(responder="synth_hf.steps.aide.fake_responder:respond")`): logic tests, benchmarks
and dry runs of a config without a real model.

Children are unique ("gen<N> w.. w.." where N = parent's generation + 1, so the hop of any
prompt is readable), drafts and solves agree, grades pass: nothing is filtered unless a caller
wraps `respond` to make it fail on purpose. An answer-first prompt gets its fact asked back
("According to the documents, <fact with the answer as 'what'>?").
"""

from __future__ import annotations

import hashlib
import json
import re

from synth_hf.items import LETTERS, after_lead

_GEN_RE = re.compile(r"\bgen(\d+)\b")
_ITEM_RE = re.compile(r"^(?:Question|Statement|question|statement): (.*)$", re.MULTILINE)


def _hash(text: str, n: int = 12) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


def _words(text: str, n: int = 10) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    return " ".join(f"w{digest[i * 5 : i * 5 + 5]}" for i in range(n))


def kind(prompt: str) -> str:
    if "is answered by the given fact" in prompt:
        return "answer_first_synthesis"
    if prompt.startswith("Analyse each"):
        return "extract"
    if "Rate a new" in prompt:
        return "grade"
    if "person would ask" in prompt:
        return "persona_synthesis"
    if "by applying one operation" in prompt:
        return "operation_synthesis"
    if "describe in one line a person" in prompt:
        return "persona_pool"
    if prompt.rstrip().endswith("Answer:"):
        return "solve"
    return "unknown"


def last_item(prompt: str) -> str:
    """The question/statement text of the final block (after the last '###')."""
    tail = prompt.rsplit("###", 1)[-1]
    found = _ITEM_RE.findall(tail)
    return found[0].strip() if found else tail.strip()


def existing_item(prompt: str) -> str:
    found = re.findall(r"^Existing (?:question|statement): (.*)$", prompt, re.MULTILINE)
    return found[-1].strip() if found else ""  # the last one: the first is the worked example


def generation(text: str) -> int:
    match = _GEN_RE.search(text)
    return int(match.group(1)) if match else 0


def answer_for(question: str, fmt: str) -> str:
    if fmt == "mcq":
        return LETTERS[int(_hash(question, 4), 16) % 4]
    if fmt == "true_false":
        return "true" if int(_hash(question, 4), 16) % 2 else "false"
    return f"result {_hash(question, 8)}"


def prompt_format(prompt: str) -> str:
    if "options A) to D)" in prompt or "letter of the single correct option" in prompt:
        return "mcq"
    if "true or false" in prompt.lower() and ("statement" in prompt.lower()):
        return "true_false"
    return "qa"


def child_text(prompt: str) -> str:
    gen = generation(existing_item(prompt)) + 1
    return f"gen{gen} {_words(prompt)}?"


def respond(prompt: str, index: int) -> str:
    what = kind(prompt)
    if what == "extract":
        k = int(re.findall(r"Give the topic and (\d+) key attributes", prompt)[-1])  # [0] is the example
        item = last_item(prompt)
        attrs = [{"attribute": f"facet{i} {_hash(item, 6)}", "relation": "shapes"} for i in range(k)]
        return json.dumps({"topic": f"topic {_hash(item, 6)}", "attributes": attrs})
    if what == "grade":
        return json.dumps({"relevance": 8, "diversity": 7, "feedback": "fine"})
    if what == "answer_first_synthesis":  # the fact asked back: accepted unless the span is a number
        tail = prompt.rsplit("###", 1)[-1]
        fact = re.findall(r"^Fact: (.*)$", tail, re.MULTILINE)[-1].rstrip(".")
        answer = re.findall(r"^Answer: (.*)$", tail, re.MULTILINE)[-1]
        return f" According to the documents, {after_lead(fact.replace(answer, 'what', 1))}?"
    if what in ("persona_synthesis", "operation_synthesis"):
        fmt = prompt_format(prompt)
        question = child_text(prompt)
        options = ""
        if fmt == "mcq":
            options = "\n" + "\n".join(
                f"{LETTERS[i]}) option {i} {_hash(question + str(i), 6)}" for i in range(4)
            )
        return f" {question}{options}\nAnswer: {answer_for(question, fmt)}\n###"
    if what == "persona_pool":
        return f" person who studies {_hash(prompt, 6)} case {index}"
    if what == "solve":
        return " " + answer_for(last_item(prompt), prompt_format(prompt))
    return "OK"
