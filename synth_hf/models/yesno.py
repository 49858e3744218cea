"""Yes/no answer-token sets and renormalisation for the calibration probe."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

YES_WORDS = ("yes", "Yes", "YES")
NO_WORDS = ("no", "No", "NO")
# A base model may emit the answer word with or without a leading space or newline.
PREFIXES = ("", " ", "\n")


@dataclass(frozen=True)
class YesNoScore:
    p_yes: float  # renormalised over the yes-like + no-like sets
    covered_mass: float  # raw probability those sets held; low = the model wanted to say something else
    yes_mass: float
    no_mass: float

    def to_dict(self) -> dict:
        return asdict(self)


def renormalise(yes_mass: float, no_mass: float) -> YesNoScore:
    covered = yes_mass + no_mass
    p_yes = yes_mass / covered if covered > 0 else 0.5
    return YesNoScore(p_yes=p_yes, covered_mass=covered, yes_mass=yes_mass, no_mass=no_mass)


def answer_token_ids(tokenizer: Any) -> tuple[list[int], list[int]]:
    """Single-token ids of the yes-like and no-like variants for this tokenizer.

    Variants that tokenize into several pieces cannot be scored by one next-token
    distribution and are skipped; ids are deduplicated because variants can collide.
    """

    def ids(words: tuple[str, ...]) -> list[int]:
        found: list[int] = []
        for word in words:
            for prefix in PREFIXES:
                pieces = tokenizer.encode(prefix + word, add_special_tokens=False)
                if len(pieces) == 1 and pieces[0] not in found:
                    found.append(pieces[0])
        return found

    yes_ids, no_ids = ids(YES_WORDS), ids(NO_WORDS)
    if not yes_ids or not no_ids:
        raise ValueError("tokenizer has no single-token yes/no variants; cannot score yes/no")
    return yes_ids, no_ids


def classify_answer_token(token_text: str) -> str | None:
    """'yes' / 'no' / None for a decoded token string (used with top-k logprob APIs)."""
    word = token_text.strip().lower()
    if word == "yes":
        return "yes"
    if word == "no":
        return "no"
    return None
