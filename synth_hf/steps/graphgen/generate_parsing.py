"""Lenient readers for what the generation prompts get back. Each returns ((question, answer), reason)
with the pair None when the output is unusable; they never raise."""

from __future__ import annotations

import re

from synth_hf.text.parsing import parse_choice, parse_qa_pairs

QA = tuple[str, str]
_OPTION_RE = re.compile(r"^\s*\(?([A-Da-d])[).:]\s+(.+?)\s*$")
_COT_RE = re.compile(
    r"^(?P<q>.*?)\n\s*(?:reasoning|thinking|steps?|explanation)\s*:\s*(?P<r>.*?)\n\s*(?:final\s+)?answer\s*:\s*(?P<a>.*)$",
    re.IGNORECASE | re.DOTALL,
)
_CUT_RE = re.compile(r"\n\s*(?:#{2,}|Facts:|Style:|Question:|Paragraph:)", re.IGNORECASE)


def _one_block(text: str) -> str:
    """Text up to the next few-shot marker (the model may run on into a new example)."""
    match = _CUT_RE.search(text)
    return (text[: match.start()] if match else text).strip()


def _clean(text: str) -> str:
    return " ".join(text.split()).strip()


def parse_question_answer(raw: str) -> tuple[QA | None, str]:
    """Continuation of a prompt ending in 'Question:' -> its first question/answer pair."""
    parsed = parse_qa_pairs("Question:" + raw)
    if not parsed.ok:
        return None, f"no_qa_pair:{parsed.reason}"
    question, answer = parsed.pairs[0]
    question, answer = _clean(_one_block(question)), _clean(_one_block(answer))
    if len(question) < 5 or not answer:
        return None, "empty_question_or_answer"
    if "?" not in question:
        return None, "not_a_question"
    return (question, answer), "ok"


def parse_cot(raw: str) -> tuple[QA | None, str]:
    match = _COT_RE.match(raw.strip())
    if match is None:
        pair, reason = parse_question_answer(raw)  # a model that skipped the reasoning label
        return (None, f"no_reasoning:{reason}") if pair is None else (pair, "ok:no_reasoning_label")
    question, reasoning = _clean(match["q"]), _clean(match["r"])
    answer = _clean(_one_block(match["a"]))
    if len(question) < 5 or not answer:
        return None, "empty_question_or_answer"
    if "?" not in question:
        return None, "not_a_question"
    return (question, f"{reasoning}\nAnswer: {answer}" if reasoning else answer), "ok"


def parse_multiple_choice(raw: str) -> tuple[QA | None, str]:
    block = _one_block("Question:" + raw)
    stem_lines, options, answer_text = [], {}, None
    for line in block.splitlines():
        option = _OPTION_RE.match(line)
        if option and not re.match(r"^\s*answer", line, re.IGNORECASE):
            options[option.group(1).upper()] = _clean(option.group(2))
        elif re.match(r"^\s*(?:correct\s+)?answer\s*[:：]", line, re.IGNORECASE):
            answer_text = line
        elif not options:
            stem_lines.append(line)
    stem = _clean(re.sub(r"^\s*question\s*[:：]", "", " ".join(stem_lines), flags=re.IGNORECASE))
    letters = [letter for letter in "ABCD" if letter in options]
    if len(stem) < 5 or len(letters) < 3:
        return None, f"too_few_options:{len(letters)}"
    if "?" not in stem:
        return None, "not_a_question"
    if len({options[x].casefold() for x in letters}) < len(letters):
        return None, "duplicate_options"
    choice = parse_choice(answer_text or "", len(letters))
    if choice.value is None:
        return None, f"no_answer_letter:{choice.reason}"
    letter = letters[choice.value]
    question = stem + "\n" + "\n".join(f"{x}) {options[x]}" for x in letters)
    return (question, f"{letter}) {options[letter]}"), "ok"


def parse_statement(raw: str) -> tuple[str | None, str]:
    line = _clean(_one_block(raw).split("\n")[0]) if raw.strip() else ""
    line = re.sub(r"^(?:true|false)\s+statement\s*:\s*", "", line, flags=re.IGNORECASE)
    if len(line) < 8:
        return None, "empty_statement"
    return line, "ok"


def restates_a_fact(statement: str, facts: str) -> bool:
    """A 'false' statement that is one of the facts word for word is not false."""
    key = _clean(statement).casefold().strip(" .")
    return any(_clean(line.lstrip("- ")).casefold().strip(" .") == key for line in facts.splitlines())


def true_false_pair(statement: str, label: bool, facts: str) -> QA:
    """Question/answer for a true/false sample; the answer cites the fact it rests on."""
    fact = _clean(re.sub(r"^\s*-\s*", "", facts, flags=re.MULTILINE))
    return f"True or false: {statement}", f"{'True' if label else 'False'}. {fact}"


def parse_passage(raw: str) -> tuple[str | None, str]:
    text = _clean(_one_block(raw))
    return (text, "ok") if len(text) >= 20 else (None, "empty_passage")


def parse_question_line(raw: str) -> tuple[str | None, str]:
    text = _clean(_one_block(raw).split("\n")[0]) if raw.strip() else ""
    text = re.sub(r"\s*answer\s*:.*$", "", text, flags=re.IGNORECASE)
    if len(text) < 5:
        return None, "empty_question"
    return (text, "ok") if "?" in text else (None, "not_a_question")
