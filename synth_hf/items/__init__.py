"""Items written once: how QA, multiple-choice, true/false and chain-of-thought items are rendered into
training rows (`render`) and how answers are read back (`answers`). Used by GraphGen's modes, AIDE's
format step and the evaluation, so data from both methods and the evaluation read alike."""

from synth_hf.items.answers import read_answer, split_mcq_answer, token_f1, true_false_value
from synth_hf.items.render import (
    FORMATS,
    LETTERS,
    TRUE_FALSE_STEM,
    after_lead,
    assistant_turn,
    cot_answer,
    item_label,
    mcq_answer,
    mcq_question,
    options_block,
    prompt_item,
    qa_answer,
    true_false_answer,
    true_false_question,
    user_turn,
)

__all__ = [
    "FORMATS",
    "LETTERS",
    "TRUE_FALSE_STEM",
    "after_lead",
    "assistant_turn",
    "cot_answer",
    "item_label",
    "mcq_answer",
    "mcq_question",
    "options_block",
    "prompt_item",
    "qa_answer",
    "read_answer",
    "split_mcq_answer",
    "token_f1",
    "true_false_answer",
    "true_false_question",
    "true_false_value",
    "user_turn",
]
