"""Entity resolution for names the extraction cut short: "Kelmar" where the evidence says "Kelmar fever".

A small model often extracts part of a name ("Kelmar", "Lumera", "ardeni"). Left alone, the cut name
becomes its own node, so the edge "Ostravirus -> Kelmar" and the edge "Kelmar fever -> Zorvatide" never
meet and the two-hop path Ostravirus -> Kelmar fever -> Zorvatide is lost. Resolved from the evidence
only (no model): a name is an alias of a longer extracted name when every evidence sentence that mentions
it spells it as part of that longer name (`synth_hf.text.spans.snap_span`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from synth_hf.graph.merge import normalize_name
from synth_hf.graph.records import EntityRecord, RelationRecord
from synth_hf.text.spans import is_generic_name, snap_span
from synth_hf.text.support import contains_span, span_pattern


def whole_name_aliases(
    entities: Iterable[EntityRecord], relations: Iterable[RelationRecord]
) -> dict[str, str]:
    """{cut name: whole name} (both as extracted) for `merge_records(aliases=...)`.

    A name is aliased when (1) at least one evidence sentence of its records (the entity records that
    name it and the relation records it is an end of) mentions it, (2) in every such sentence, at every
    occurrence, it is part of the same longer phrase, (3) that phrase is itself an extracted name (no
    new name is made up) and (4) it is not a bare common noun ("fever") or a unit.
    Records without evidence are ignored; names never mentioned in their evidence stay as they are.
    """
    surface: dict[str, str] = {}
    sentences: dict[str, set[str]] = defaultdict(set)

    def note(name: str, evidence: list[dict] | None) -> None:
        key = normalize_name(name)
        if not key:
            return
        surface.setdefault(key, name.strip())
        sentences[key].update(e["sentence"] for e in evidence or [] if e.get("sentence"))

    for e in entities:
        note(e.name, e.evidence)
    for r in relations:
        note(r.source, r.evidence)
        note(r.target, r.evidence)
    known = list(surface.values())
    aliases: dict[str, str] = {}
    for key, name in surface.items():
        if is_generic_name(name):
            continue  # "fever" is a symptom of its own as often as a cut "Kelmar fever"
        mentions = [s for s in sentences[key] if contains_span(s, name)]
        spelled = {s: snap_span(s, name, known) for s in mentions}
        wholes = {normalize_name(w) for w in spelled.values()}
        if len(wholes) != 1:
            continue
        (whole,) = wholes
        if whole == key or whole not in surface or len(whole) <= len(key):
            continue
        # every occurrence, not only the first: "The Harnveld Institute is located in Harnveld." names the
        # town alone too, so "Harnveld" is a name of its own
        if any(contains_span(span_pattern(w).sub(" ", s), name) for s, w in spelled.items()):
            continue
        aliases[name] = surface[whole]
    return aliases
