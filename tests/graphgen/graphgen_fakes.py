"""Rule-based fake replies for the GraphGen prompts (imported by FakeLLM in worker processes).

Corpus convention: every sentence is 'Subject verb Object.' with capitalised names, so extraction
gives a chain graph that has multi-hop paths."""

from __future__ import annotations

import hashlib
import os
import re
import time

CORPUS = [
    (
        "Aspirin inhibits Cyclooxygenase. Cyclooxygenase produces Prostaglandins. Prostaglandins cause Inflammation."
        "\n\nInflammation damages Cartilage. Ibuprofen inhibits Cyclooxygenase. Paracetamol reduces Fever."
    ),
    (
        "Metformin lowers Gluconeogenesis. Gluconeogenesis raises Glucose. Glucose feeds Neurons.\n\n"
        "Insulin lowers Glucose. Pancreas secretes Insulin. Glucagon raises Glucose."
    ),
    (
        "Metformin senkt die Gluconeogenese in der Leber. Die Leber speichert Glykogen und gibt Glukose ab. "
        "Glykogen wird in der Leber und in den Muskeln gespeichert."
    ),
]
_SENTENCE = re.compile(r"([A-Z][a-z]{3,})\s+([a-z]+)\s+(?:die\s+)?([A-Z][a-z]{3,})")


def _last(pattern: str, prompt: str) -> str:
    found = re.findall(pattern, prompt, flags=re.DOTALL)
    return found[-1].strip() if found else ""


def _log_call(prompt: str) -> None:
    """Append one line per call to $GRAPHGEN_FAKE_LOG (resume test); also optionally slow down."""
    path = os.environ.get("GRAPHGEN_FAKE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            kind = (
                "extract"
                if prompt.rstrip().endswith("Records:") or "may still be missing" in prompt
                else "other"
            )
            kind = "quiz" if prompt.startswith(("Rewrite each statement", "Write false versions")) else kind
            fh.write(f"{kind} {hashlib.sha256(prompt.encode()).hexdigest()[:16]}\n")
    delay = float(os.environ.get("GRAPHGEN_FAKE_DELAY", "0"))
    if delay:
        time.sleep(delay)


def extract_reply(prompt: str, with_relations: bool = True) -> str:
    if "may still be missing" in prompt:  # gleaning round: one extra record the first time, then nothing
        if "Found again in a gleaning round" in prompt:
            return "END"
        names = _SENTENCE.findall(_last(r"Text: (.*?)\nRecords:", prompt))
        last = names[-1][2] if names else "Nothing"
        # plus a copied few-shot record, which the step must drop as ungrounded
        return f"entity | {last} | concept | Found again in a gleaning round.\nentity | Danube | river | Copied.\nEND"
    text = _last(r"Text: (.*?)\nRecords:", prompt)
    lines, seen = [], set()
    for src, verb, tgt in _SENTENCE.findall(text):
        for name in (src, tgt):
            if name not in seen:
                seen.add(name)
                lines.append(f"entity | {name} | concept | {name} appears in: {text[:60]}")
        if with_relations:
            lines.append(f"relation | {src} | {tgt} | {verb} | {src} {verb} {tgt}.")
    if "Paracetamol" in text:
        lines.append("this line is garbage that the parser must count")
    return "\n".join(lines) + "\nEND"


def respond(prompt: str, index: int = 0) -> str:
    _log_call(prompt)
    if prompt.rstrip().endswith("Records:") or "may still be missing" in prompt:
        return extract_reply(prompt)
    return _common(prompt)


def respond_no_relations(prompt: str, index: int = 0) -> str:
    if prompt.endswith("relation |"):  # a forced-relation gleaning round: still nothing
        return ""
    if prompt.rstrip().endswith("Records:") or "may still be missing" in prompt:
        return extract_reply(prompt, with_relations=False)
    return _common(prompt)


def respond_subjects_only(prompt: str, index: int = 0) -> str:
    """Extraction names only each sentence's subject (one name per sentence: a graph without edges)."""
    if prompt.endswith("relation |"):
        return ""
    if prompt.rstrip().endswith("Records:") or "may still be missing" in prompt:
        if "may still be missing" in prompt:
            return "END"
        text = _last(r"Text: (.*?)\nRecords:", prompt)
        subjects = dict.fromkeys(re.findall(r"(?:^|[.!?]\s+)([A-Z][a-z]{3,})", text))
        return "".join(f"entity | {s} | concept | -\n" for s in subjects) + "END"
    return _common(prompt)


def _common(prompt: str) -> str:
    head = prompt.split("\n", 1)[0]
    facts = re.split(
        r"\n(?:Question|Paragraph|True statement|False statement):", prompt.rsplit("Facts:\n", 1)[-1]
    )[0]
    tag = " ".join(facts.replace("- ", "").split())[:80]
    if head.startswith("Write one question about the sentence"):
        # answer-first: a good question when the answer is the object, one that gives the answer away
        # (rejected, so the template fallback is exercised) when it is the subject
        sentence, answer = _last(r"Sentence: (.*?)\nAnswer:", prompt), _last(r"Answer: (.*?)\nQuestion:", prompt)
        m = _SENTENCE.search(sentence)
        if m and answer == m.group(3):
            return f" What does {m.group(1)} {m.group(2)}?"
        return f" Is {answer} the one in question?"
    if head.startswith("Write one question that needs both facts"):
        start = _last(r"Start: (.*?)\nLink:", prompt)
        return f" What is reached from {start} in two steps?"
    if head.startswith("Combine the notes"):
        subject = _last(r"Subject: (.*?)\n", prompt)
        if subject[:1] < "I":  # a faithful summary (the notes' words) for some, an invented one otherwise
            notes = prompt.rsplit("Notes:\n", 1)[-1].split("\nDescription:")[0]
            return " " + " ".join(line.lstrip("- ") for line in notes.splitlines())
        return f" Merged summary of {subject} with an invented claim."
    if head.startswith("Rewrite each statement"):
        s = _last(r"Statement: (.*?)\nRewrites:", prompt)
        return f" In other words, {s}\n- Put differently, {s}\n- Said again: {s}\n###"
    if head.startswith("Write false versions"):
        s = _last(r"Statement: (.*?)\nFalse versions:", prompt)
        return f" It is not true that {s}\n- Never: {s}\n###"
    if head.startswith("Write one question that the facts answer"):
        return f" What does this fact say: {tag}?\nAnswer: It says {tag}."
    if head.startswith("Write one question that can only be answered by following"):
        return f" Following the chain, what links {tag}?\nAnswer: The chain {tag}."
    if head.startswith("Write one question about the facts, then reason"):
        return f" Why is it that {tag}?\nReasoning: Step one, {tag}. Step two, therefore.\nAnswer: Because {tag}."
    if head.startswith("Write one multiple-choice"):
        return (
            f" Which option matches {tag}?\nA) Wrong one\nB) {tag}\nC) Wrong two\nD) Wrong three\nAnswer: B"
        )
    if head.startswith(("Write one true statement", "Write one false statement")):
        kind = "true" if "true statement" in head else "false"
        return f" A {kind} claim about {tag}."
    if head.startswith("Rewrite the facts as one coherent paragraph"):
        return f" This paragraph explains that {tag} in one coherent text."
    if head.startswith("Write the question that the paragraph answers"):
        para = _last(r"Paragraph: (.*?)\nQuestion:", prompt)
        return f" What does the paragraph say about {para[25:90]}?"
    return "unrecognised prompt"


def judge_yes(prompt: str) -> float:
    """Judge: 'False.' answers of true/false samples and answers about the 'Leber' score low."""
    answer = _last(r"\nAnswer: (.*?)\nSupported:", prompt)
    return 0.1 if "Leber" in answer or answer.startswith("False.") else 0.9


def trainee_yes(prompt: str) -> float:
    """Trainee: knows statements about Aspirin, guesses the rest; negations look like statements."""
    statement = _last(r"Is this statement true\? (.*?)\nAnswer:", prompt)
    if "Aspirin" in statement:
        return 0.05 if statement.startswith(("It is not true", "Never")) else 0.95
    return 0.6


def many_docs(n: int) -> list[str]:
    """n small documents with distinct names, for tests that need many batches."""
    words = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet"]
    docs = []
    for i in range(n):
        tag = "".join(chr(97 + int(d)) for d in str(i))  # letters only: names must match the fake's regex
        a, b, c = (f"{words[(i + k) % len(words)]}{tag}" for k in range(3))
        docs.append(f"{a} binds {b}. {b} activates {c}.")
    return docs


def fake_config(out_dir: str, corpus: list[str], **overrides):
    """A GraphGenConfig on fake engines over `corpus` (written as jsonl beside the run)."""
    import json
    from pathlib import Path

    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    path = Path(out_dir) / "corpus.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in corpus), encoding="utf-8")
    config = GraphGenConfig.model_validate(
        {
            "input": {"source": str(path)},
            "synthesizer": {
                "engine": "fake",
                "options": {
                    "responder": "graphgen_fakes:respond",
                    "yes_scorer": "graphgen_fakes:judge_yes",
                    "name": "fake-synth",
                },
            },
            "trainee": {
                "engine": "fake",
                "options": {"yes_scorer": "graphgen_fakes:trainee_yes", "name": "fake-trainee"},
            },
            "chunking": {"chunk_size": 24, "overlap": 0},
            "judge": {"enabled": True},
            "merge": {"description_token_budget": 8},
            "generation": {
                "modes": {
                    "atomic": 4,
                    "aggregated": 2,
                    "multi_hop": 2,
                    "cot": 2,
                    "multiple_choice": 2,
                    "true_false": 4,
                }
            },
            "run": {"output_dir": out_dir, "name": "run", "input_batch_size": 4},
        }
    )
    return config.with_overrides(overrides)


PIPELINE_DOCS = CORPUS + many_docs(6)


def respond_entities_then_forced(prompt: str, index: int = 0) -> str:
    """Entities only on the first pass; a forced-relation round gets one relation (the prefix is in the prompt)."""
    if prompt.endswith("relation |"):
        return " Aspirin | Cyclooxygenase | inhibits | Aspirin inhibits cyclooxygenase.\nEND"
    return respond_no_relations(prompt, index)


def failing_scorer(prompt: str) -> float:
    raise RuntimeError("fake scorer is down")
