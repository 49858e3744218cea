"""Extraction prompt: a plain-completion few-shot prompt (base models continue the record list; chat
models read the instructions). Records use the line format `synth_hf.text.parse_kg_records` reads."""

from __future__ import annotations

END = "END"

EXTRACT_TEMPLATE = """Extract the entities and the relations between them from each text.
Write one record per line, in one of two forms:
entity | name | type | short description
relation | source entity | target entity | keywords | short description
Write END after the last record.

Text: The Danube flows through Vienna. The river empties into the Black Sea.
Records:
entity | Danube | river | River that flows through Vienna into the Black Sea.
entity | Vienna | city | City on the Danube.
relation | Danube | Vienna | flows through | The Danube flows through Vienna.
entity | Black Sea | sea | Sea into which the Danube empties.
relation | Danube | Black Sea | empties into | The Danube empties into the Black Sea.
END

Text: Marie Curie was a physicist who worked in Paris. She discovered polonium with Pierre Curie.
Records:
entity | Marie Curie | person | Physicist who worked in Paris.
entity | Paris | city | City where Marie Curie worked.
relation | Marie Curie | Paris | worked in | Marie Curie worked in Paris.
entity | Polonium | chemical element | Element discovered by Marie and Pierre Curie.
relation | Marie Curie | Polonium | discovered | Marie Curie discovered polonium.
entity | Pierre Curie | person | Physicist who co-discovered polonium.
relation | Pierre Curie | Polonium | discovered | Pierre Curie co-discovered polonium.
END

Text: {text}
Records:
"""

# Gleaning: the records found so far are written back and the model continues the list; a chat
# model reads the note and adds what is missing (or END).
GLEAN_NOTE = "(Some entities or relations in this text may still be missing. Continue the list with new records only, then END.)"


def extraction_prompt(text: str) -> str:
    return EXTRACT_TEMPLATE.format(text=" ".join(text.split()))


# Small base models often list entities only; a gleaning round then ends the prompt with this prefix so
# the continuation can only be a relation record.
RELATION_PREFIX = "relation |"


def gleaning_prompt(text: str, record_lines: list[str], force_relation: bool = False) -> str:
    listed = "\n".join(record_lines)
    if force_relation:
        return f"{extraction_prompt(text)}{listed}\n{RELATION_PREFIX}"
    return f"{extraction_prompt(text)}{listed}\n{GLEAN_NOTE}\n"


def needs_forced_relation(record_lines: list[str]) -> bool:
    kinds = [line.split("|", 1)[0].strip().lower() for line in record_lines]
    return "relation" not in kinds and kinds.count("entity") >= 2


def with_forced_prefix(raw: str) -> str:
    """The output of a forced-relation prompt, with the prefix the prompt already wrote."""
    return raw if raw.lstrip().lower().startswith("relation") else RELATION_PREFIX + raw


def record_lines(raw: str) -> list[str]:
    """The record-looking lines of an output, up to END (what gleaning writes back)."""
    out = []
    for line in raw.splitlines():
        line = line.strip()
        if line.upper().startswith(END):
            break
        if line.lower().startswith(("entity", "relation")) and line.count("|") >= 2:
            out.append(line)
    return out
