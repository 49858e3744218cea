"""Lenient readers for AIDE model outputs and the answer-agreement rules (pure logic)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from synth_hf.items import LETTERS, read_answer, token_f1

_ANSWER_RE = re.compile(r"^\s*(?:correct\s+|final\s+)?answer\s*[:：]\s*(.*)$", re.IGNORECASE)
_OPTION_RE = re.compile(r"^\s*\(?([A-Ha-h])[\)\].:]\s+(.+?)\s*$")
# Lines where a base model starts imitating the next prompt section instead of stopping.
_SECTION_RE = re.compile(
    r"^\s*(existing \w+|topic|focus|persona|original example|rejected attempt|reviewer feedback|"
    r"example of the task|new (question|statement))\s*[:：(]",
    re.IGNORECASE,
)
_LABEL_RE = re.compile(r"^\s*(?:new\s+)?(?:question|statement)\s*[:：]\s*", re.IGNORECASE)


@dataclass
class SynthesisParse:
    question: str = ""
    options: list[str] = field(default_factory=list)
    draft_answer: str | None = None
    reason: str | None = None  # why the output cannot be a row (None = usable)


def parse_synthesis(text: Any, fmt: str) -> SynthesisParse:
    """'<question>[\\nA) ..][\\nAnswer: ..]' as continued after 'New question:'."""
    raw = str(text or "").split("###")[0]
    lines = raw.strip().splitlines()
    body: list[str] = []
    answer_lines: list[str] = []
    in_answer = False
    for i, line in enumerate(lines):
        if i > 0 and _SECTION_RE.match(line):
            break
        match = _ANSWER_RE.match(line)
        if match and not in_answer:
            in_answer = True
            answer_lines.append(match.group(1))
            continue
        (answer_lines if in_answer else body).append(line)
    if body:
        body[0] = _LABEL_RE.sub("", body[0], count=1)
    out = SynthesisParse()
    answer = "\n".join(answer_lines).strip() or None
    if fmt == "mcq":
        question_lines = []
        for line in body:
            opt = _OPTION_RE.match(line)
            if opt and opt.group(1).upper() == LETTERS[len(out.options)]:
                out.options.append(opt.group(2).strip())
            elif not out.options:
                question_lines.append(line)
        out.question = "\n".join(question_lines).strip()
        if len(out.options) < 2:
            out.reason = "mcq_too_few_options"
        elif len({o.lower() for o in out.options}) != len(out.options):
            out.reason = "mcq_duplicate_options"
        if answer is not None and out.options:
            out.draft_answer = read_answer("mcq", answer, len(out.options))
    else:
        out.question = "\n".join(body).strip()
        out.draft_answer = read_answer("true_false", answer) if fmt == "true_false" and answer else answer
    if not out.question:
        out.reason = out.reason or "empty_question"
    return out


def apply_synthesis(row: dict, text: str, fmt: str) -> str | None:
    """Write a synthesis reply into the row; returns why it is unusable (row untouched), or None."""
    parsed = parse_synthesis(text, fmt)
    if parsed.reason:
        return parsed.reason
    row["synthesis_raw"] = text
    row["question"], row["options"], row["draft_answer"] = (
        parsed.question,
        parsed.options,
        parsed.draft_answer,
    )
    return None


_GRADE_KEY_RE = {
    key: re.compile(rf"{key}\W{{0,4}}(\d+(?:\.\d+)?)", re.IGNORECASE) for key in ("relevance", "diversity")
}


def read_grade(data: Any, raw: str) -> tuple[float | None, float | None, str]:
    """(relevance, diversity, feedback) from parsed JSON, else from 'relevance: 7' in the raw text."""
    scores: dict[str, float | None] = {}
    for key, regex in _GRADE_KEY_RE.items():
        value = data.get(key) if isinstance(data, dict) else None
        if value is None:
            match = regex.search(str(raw or ""))
            value = match.group(1) if match else None
        try:
            number = float(value) if value is not None and not isinstance(value, bool) else None
        except (TypeError, ValueError):
            number = None
        scores[key] = number if number is not None and 1 <= number <= 10 else None
    feedback = str(data.get("feedback") or "") if isinstance(data, dict) else ""
    return scores["relevance"], scores["diversity"], feedback.strip()


_PLACEHOLDER_RE = re.compile(r"^[\W_]*$")  # "...", "-", "" : a small model copying the format example


def _meaningful(text: str) -> bool:
    return bool(text) and not _PLACEHOLDER_RE.match(text)


def normalize_extraction(data: Any, k: int) -> tuple[str | None, list[dict]]:
    """(topic, up to k unique {"attribute", "relation"}) from the parsed JSON, whatever its shape."""
    if not isinstance(data, dict):
        return None, []
    topic = str(data.get("topic") or "").strip()
    topic = topic if _meaningful(topic) else None
    seen: set[str] = set()
    attributes: list[dict] = []
    for item in data.get("attributes") or []:
        if isinstance(item, dict):
            name = str(item.get("attribute") or item.get("name") or "").strip()
            relation = str(item.get("relation") or "relates to").strip()
        else:
            name, relation = str(item).strip(), "relates to"
        relation = relation if _meaningful(relation) else "relates to"
        if (
            _meaningful(name)
            and name.lower() not in seen
            and (topic is None or name.lower() != topic.lower())
        ):
            seen.add(name.lower())
            attributes.append({"attribute": name, "relation": relation})
        if len(attributes) >= k:
            break
    return topic, attributes


def fallback_attributes(question: str, topic: str | None, have: list[dict], k: int) -> list[dict]:
    """Attributes taken from the question itself, to top `have` up to k when the model's extraction
    gave fewer usable ones (small models repeat the topic, copy '...' placeholders or repeat one
    attribute, which left the attribute branch without any child). Names first, then the longest
    content words; never a word of the topic or one already listed."""
    from synth_hf.text.support import STOPWORDS, stem
    from synth_hf.text.support import tokens as words

    taken = {stem(w) for w in words(topic or "")}
    for item in have:
        taken |= {stem(w) for w in words(item["attribute"])}
    candidates = [w for w in dict.fromkeys(words(question)) if len(w) >= 4 and w.casefold() not in STOPWORDS]
    candidates = [w for w in candidates if stem(w) not in taken and not w.isdigit()]
    candidates.sort(key=lambda w: (not w[:1].isupper(), -len(w)))  # stable: question order among equals
    extra = [{"attribute": w if w[:1].isupper() else w.lower(), "relation": "relates to"} for w in candidates]
    return (have + extra)[:k]


def question_topic(question: str) -> str:
    """A topic read from the question alone: its first run of names after a sentence's first word, as
    the question spells it and widened to the whole phrase ("Which company manufactures Zorvatide?" ->
    "Zorvatide", "What does Dr. Teodor Vasko study?" -> "Dr. Teodor Vasko", "... see Kelmar fever" ->
    "Kelmar fever"), else its longest content word ("How do volcanoes form?" -> "volcanoes", leaving the
    other words as attributes), else `fallback_topic`."""
    from synth_hf.text.sentences import sentence_texts
    from synth_hf.text.support import STOPWORDS
    from synth_hf.text.support import tokens as split

    for sentence in sentence_texts(question.strip()):  # "Dr." ends no sentence; a sentence's first word is no name
        run: list[str] = []
        for tok in split(sentence)[1:] + [""]:
            if tok[:1].isupper() and tok.casefold() not in STOPWORDS:
                run.append(tok)
            elif run:  # the run as the sentence spells it, widened to its whole phrase ("Kelmar fever")
                return _spelled(sentence, run)
    content = [t for t in split(question) if t.casefold() not in STOPWORDS and not t.isdigit()]
    return max(content, key=len) if content else fallback_topic(question)


def _spelled(sentence: str, run: list[str]) -> str:
    """A run of name tokens as the sentence spells it ("Dr. Teodor Vasko"), widened to its whole phrase."""
    start = sentence.find(run[0])
    end = sentence.find(run[-1], start) + len(run[-1]) if start >= 0 else -1
    if start < 0 or end < start:
        return " ".join(run)
    from synth_hf.text.spans import snap_span

    return snap_span(sentence, sentence[start:end])


def fallback_topic(question: str, words: int = 8) -> str:
    """A topic when extraction failed: the question's first words (still a fair retrieval query)."""
    return " ".join(str(question).split()[:words])


def agree(fmt: str, a: str | None, b: str | None, threshold: float) -> bool:
    if a is None or b is None:
        return False
    if fmt == "qa":
        return token_f1(a, b) >= threshold
    return a == b


def majority(fmt: str, answers: list[str | None], threshold: float) -> tuple[str | None, float]:
    """(consensus answer, share of samples agreeing with it). Free text: the medoid sample and
    the share of the other samples that agree with it (token F1 >= threshold)."""
    valid = [a for a in answers if a]
    if not valid or not answers:
        return None, 0.0
    if fmt != "qa":
        answer, count = Counter(valid).most_common(1)[0]
        return answer, count / len(answers)
    best, best_support = valid[0], -1
    for cand in valid:
        support = sum(agree(fmt, cand, other, threshold) for other in valid)
        if support > best_support:
            best, best_support = cand, support
    return best, best_support / len(answers)
