"""Quiz prompts: paraphrases (true) and negations (false) of a unit's statement, one per '- ' line."""

from __future__ import annotations

import re

from synth_hf.text.examples import copied_from_examples

PARAPHRASE_TEMPLATE = """Rewrite each statement in other words. Every rewrite must keep exactly the same meaning.

Statement: The Danube flows through Vienna.
Rewrites:
- Vienna lies on the Danube.
- The river Danube passes through Vienna.
- The Danube runs through the city of Vienna.
###
Statement: {statement}
Rewrites:
-"""

NEGATION_TEMPLATE = """Write false versions of each statement: change a fact so that the statement becomes wrong.

Statement: The Danube flows through Vienna.
False versions:
- The Danube flows through Madrid.
- The Rhine flows through Vienna.
- The Danube does not flow through Vienna.
###
Statement: {statement}
False versions:
-"""

STOP = ["###", "\nStatement:", "\n\n"]
_ITEM_RE = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s*")


def paraphrase_prompt(statement: str) -> str:
    return PARAPHRASE_TEMPLATE.format(statement=statement)


def negation_prompt(statement: str) -> str:
    return NEGATION_TEMPLATE.format(statement=statement)


_WORD_RE = re.compile(r"\w{3,}", re.UNICODE)


def content_words(text: str) -> set[str]:
    return {w.casefold() for w in _WORD_RE.findall(text)}


def parse_items(raw: str, original: str, limit: int, min_overlap: float = 0.0) -> list[str]:
    """Up to `limit` distinct list items (the prompt already opened the first '-'). A last line cut off
    by the token limit (no closing punctuation) is not an item. `min_overlap`: share of the original's
    content words an item must keep (paraphrases keep the facts; small models drift to the examples)."""
    out: list[str] = []
    seen = {original.casefold().strip(" .")}
    anchor = content_words(original)
    lines = ("-" + raw).splitlines()
    for n, line in enumerate(lines):
        if not _ITEM_RE.match(line):
            if out:
                break  # the list ended
            continue
        item = " ".join(_ITEM_RE.sub("", line).split()).strip()
        key = item.casefold().strip(" .")
        if n == len(lines) - 1 and not raw.endswith("\n") and not item.endswith((".", "!", "?", ")", '"')):
            break  # probably truncated mid-sentence
        if len(item) < 8 or key in seen:
            continue
        if anchor and len(anchor & content_words(item)) < max(1, min_overlap * len(anchor)):
            continue
        if copied_from_examples(item, original):
            continue
        seen.add(key)
        out.append(item)
        if len(out) >= limit:
            break
    return out
