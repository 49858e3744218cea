"""How a QA, multiple-choice, true/false or chain-of-thought item reads in a training row.

One rendering for GraphGen, AIDE and the evaluation: the answer comes first (the span, the option,
the True/False word), then the evidence sentences it rests on when the caller gives them. A full
stop closes a short answer (span, option, label) that has no final punctuation; free text a model
wrote is kept as written.

    qa_answer("Kelmar fever", ["Zorvatide treats Kelmar fever."])
        -> "Kelmar fever. Zorvatide treats Kelmar fever."
    mcq_question("Which disease?", ["Kelmar fever", "Sallow lung"]) -> "Which disease?\\nA) Kelmar fever\\nB) Sallow lung"
    mcq_answer(0, ["Kelmar fever", "Sallow lung"])                 -> "A) Kelmar fever."
    true_false_question("Zorvatide treats Kelmar fever.")          -> "True or false: Zorvatide treats Kelmar fever."
    true_false_answer(False, ["Zorvatide treats Sallow lung."])    -> "False. Zorvatide treats Sallow lung."
    cot_answer(["A is B.", "B is C."], "C")                       -> "First, A is B. Then, B is C. So the answer is C."

Item formats (`fmt`) are "qa", "mcq" and "true_false" (AIDE's seed formats; GraphGen's modes map onto them).
"""

from __future__ import annotations

from collections.abc import Sequence

from synth_hf.text.compose import closed_sentence

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
FORMATS = ("qa", "mcq", "true_false")
TRUE_FALSE_STEM = "True or false:"
_END = (".", "!", "?", "。", "！", "？")


def _check_fmt(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ValueError(f"unknown item format {fmt!r}; known: {', '.join(FORMATS)}")


def _with_evidence(head: str, evidence: Sequence[str]) -> str:
    head = str(head).strip()
    if head and not head.endswith(_END[1:]):
        head = head.rstrip(".") + "."
    tail = " ".join(closed_sentence(str(s)) for s in evidence if str(s).strip())
    return f"{head} {tail}" if tail else head


def qa_answer(answer: str, evidence: Sequence[str] = ()) -> str:
    """The answer (closed with a full stop when it has no final punctuation), then the evidence."""
    return _with_evidence(answer, evidence)


def options_block(options: Sequence[str]) -> str:
    """'A) first\\nB) second ...'; raises ValueError for more than 26 options."""
    if len(options) > len(LETTERS):
        raise ValueError(f"at most {len(LETTERS)} options can be labelled, got {len(options)}")
    return "\n".join(f"{LETTERS[i]}) {opt}" for i, opt in enumerate(options))


def mcq_question(question: str, options: Sequence[str]) -> str:
    """The question, then one labelled option per line."""
    return f"{question}\n{options_block(options)}" if options else question


def mcq_answer(index: int, options: Sequence[str], evidence: Sequence[str] = ()) -> str:
    """'B) <option>.' then the evidence; raises IndexError for an index outside the options."""
    if not 0 <= index < len(options):
        raise IndexError(f"answer index {index} is outside the {len(options)} options")
    return f"{LETTERS[index]}) {qa_answer(options[index], evidence)}"


def true_false_question(statement: str) -> str:
    return f"{TRUE_FALSE_STEM} {statement}"


def true_false_answer(label: bool, evidence: Sequence[str] = ()) -> str:
    """'True.' / 'False.' then the evidence (for a false statement: what the source says instead)."""
    return _with_evidence("True" if label else "False", evidence)


# sentence openers that are no name: lowercased after a lead-in ("First, the disease ...")
_COMMON_OPENERS = {"the", "an", "this", "these", "that", "those", "its", "it", "they", "there", "their", "our",
                   "his", "her", "each", "every", "some", "most", "many", "all", "both", "in", "on", "at",
                   "after", "before", "during", "when", "if", "then", "so"}  # fmt: skip


def after_lead(sentence: str) -> str:
    """`sentence` continued after a lead-in and a comma: its first word lowercased when it is a common
    opener ("The spores ..." -> "the spores ..."); a name ("Kelmar fever ...") keeps its capital."""
    first = sentence.partition(" ")[0]
    # "A" is left alone: "A drug ..." and a label ("A is B") cannot be told apart here
    if first.casefold() in _COMMON_OPENERS and first[:1].isupper() and first[1:].islower() and first[1:]:
        return first.casefold() + sentence[len(first) :]
    return sentence


def _without_lead(step: str) -> str:
    """A step that already opens with a lead-in ("First, ...") loses it: the chain adds its own."""
    for lead in ("First, ", "Then, ", "Next, ", "Finally, ", "So "):
        if step.startswith(lead) and len(step) > len(lead):
            return step[len(lead)].upper() + step[len(lead) + 1 :]
    return step


def cot_answer(steps: Sequence[str], answer: str) -> str:
    """Each step in order ('First, ...', 'Then, ...'), then 'So the answer is <answer>.' ('' answer:
    the steps alone)."""
    leads = ["First,", *["Then,"] * max(0, len(steps) - 1)]
    chain = " ".join(f"{lead} {after_lead(closed_sentence(_without_lead(step.strip())))}"
                     for lead, step in zip(leads, steps))  # fmt: skip
    answer = answer.strip().rstrip(".").strip()
    if not answer:
        return chain
    return f"{chain} So the answer is {answer}.".strip()


def user_turn(fmt: str, question: str, options: Sequence[str] | None = None) -> str:
    """The user turn of an item of format `fmt` (see the module docstring)."""
    _check_fmt(fmt)
    if fmt == "mcq":
        return mcq_question(question, options or [])
    if fmt == "true_false":
        return true_false_question(question)
    return question


def assistant_turn(fmt: str, answer: str | None, options: Sequence[str] | None = None,
                   evidence: Sequence[str] = ()) -> str:  # fmt: skip
    """The assistant turn for a canonical answer: free text (qa), a letter (mcq) or 'true' / 'false'.
    Free text without evidence is kept as written; '' for a missing answer; an MCQ letter outside the
    options is rendered as free text."""
    _check_fmt(fmt)
    if answer is None:
        return ""
    if fmt == "mcq" and options and answer in LETTERS[: len(options)]:
        return mcq_answer(LETTERS.index(answer), options, evidence)
    if fmt == "true_false" and str(answer).lower() in ("true", "false"):
        return true_false_answer(str(answer).lower() == "true", evidence)
    return qa_answer(answer, evidence) if evidence else answer


def item_label(fmt: str) -> str:
    """'Statement' for true/false items, else 'Question' (the label items carry inside prompts)."""
    return "Statement" if fmt == "true_false" else "Question"


def prompt_item(fmt: str, question: str, options: Sequence[str] | None = None, label: str | None = None) -> str:
    """An item as it appears inside a prompt: 'Question: ...' (+ options for MCQ)."""
    text = f"{label or item_label(fmt)}: {question}"
    if fmt == "mcq" and options:
        text += "\n" + options_block(options)
    return text
