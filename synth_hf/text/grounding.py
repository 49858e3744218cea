"""Evidence-grounded records: entities and relations that rest on the chunk's own sentences.

An LLM proposes names (and types, and relations); this module decides what the graph may say:
- an entity is kept only where its name occurs in a sentence of the chunk; its description is those
  sentences (the evidence), never the model's free text;
- a relation links two entities mentioned in the same sentence, with that sentence as its
  description and evidence (keywords: the words between the two mentions, or the model's keywords
  when it proposed the same pair);
- optional deterministic name candidates (capitalised spans) raise recall where a small model misses
  names; they are marked `candidate` in the record's `found_by`.

Pure logic, no LLM: unit-tested on its own (tests/text/test_grounding.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from synth_hf.text.sentences import Sentence
from synth_hf.text.support import STOPWORDS, normalize_span

# Connectors allowed inside a capitalised name ("Institute of Tropical Medicine", "van der Berg").
_CONNECTORS = {"of", "de", "del", "der", "van", "von", "la", "le", "du", "da"}  # never "and": two names
_WORD = re.compile(r"[^\W\d_][\w'’\-]*", re.UNICODE)
MAX_PAIRS_PER_SENTENCE = 6


@dataclass
class GroundedRecords:
    """`entities`: [{name, entity_type, description, evidence, found_by}];
    `relations`: [{source, target, keywords, description, evidence, found_by}];
    `ungrounded`: names proposed by the model that occur in no sentence."""

    entities: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)
    ungrounded: list[str] = field(default_factory=list)


def candidate_names(sentences: list[Sentence]) -> list[str]:
    """Capitalised spans that look like names. A sentence-initial word counts only when the same word
    is capitalised somewhere else mid-sentence (so 'Patients with ...' does not make a node). A
    lowercase word after a name joins it when the two always go together (`_binomials`: "Cryptomyces
    ardeni", "Plasmorix venna"), so an answer span never cuts a binomial name in two."""
    spans: list[tuple[str, bool, str]] = []  # (span, starts the sentence, the word after it)
    inner_caps: set[str] = set()
    for sentence in sentences:
        words = list(_WORD.finditer(sentence.text))
        i = 0
        while i < len(words):
            w = words[i].group(0)
            if not w[:1].isupper() or w.casefold() in STOPWORDS:
                i += 1
                continue
            j = i + 1
            while j < len(words):
                nxt = words[j].group(0)
                gap = sentence.text[words[j - 1].end() : words[j].start()]
                if gap.strip() not in ("", "-"):
                    break
                if nxt[:1].isupper() and nxt.casefold() not in STOPWORDS:
                    j += 1
                elif nxt.casefold() in _CONNECTORS and j + 1 < len(words) and words[j + 1].group(0)[:1].isupper():
                    j += 2
                else:
                    break
            span = sentence.text[words[i].start() : words[j - 1].end()]
            after = words[j].group(0) if j < len(words) and sentence.text[words[j - 1].end() : words[j].start()] == " " else ""
            spans.append((span, i == 0, after))
            if i > 0:
                inner_caps.update(x.casefold() for x in span.split())
            i = j
    joined = _binomials(spans, sentences)
    out: dict[str, None] = {}
    for span, initial, after in spans:
        if initial and span.split()[0].casefold() not in inner_caps:
            continue
        if len(span) >= 3:
            out[f"{span} {after}" if (span.split()[-1], after) in joined else span] = None
    return list(out)


def _binomials(spans: list[tuple[str, bool, str]], sentences: list[Sentence]) -> set[tuple[str, str]]:
    """(last word of a name, lowercase word) pairs that always occur together, at least twice: the name
    never without the word after it, the word never without the name before it (a species epithet)."""
    pairs: dict[tuple[str, str], int] = {}
    last_words: dict[str, int] = {}
    for span, _, after in spans:
        last = span.split()[-1]
        last_words[last] = last_words.get(last, 0) + 1
        if after and after[:1].islower() and after.casefold() not in STOPWORDS and after.isalpha():
            pairs[(last, after)] = pairs.get((last, after), 0) + 1
    if not pairs:
        return set()
    counts: dict[str, int] = {}
    for sentence in sentences:
        for m in _WORD.finditer(sentence.text):
            counts[m.group(0)] = counts.get(m.group(0), 0) + 1
    return {(last, after) for (last, after), n in pairs.items()
            if (n >= 2 and n == last_words[last] and n == counts.get(after, 0)) or latin_binomial(last, after)}  # fmt: skip


_GENUS_END = ("us", "a", "um", "as", "es", "on", "ia", "ces", "er")
_EPITHET_END = ("ae", "us", "um", "ii", "is", "ensis", "oides", "osa", "ata", "ica", "ella", "iae", "icum")


def latin_binomial(genus: str, epithet: str) -> bool:
    """A genus and species epithet by their Latin endings ("Staphylococcus aureus", "Pseudomonas
    aeruginosa", "Haemophilus influenzae"): joined even when the pair occurs once. Both words >= 5 letters,
    the epithet lowercase and no stopword ("Ostravirus is" is no binomial)."""
    return (
        len(genus) >= 5 and len(epithet) >= 5 and genus[:1].isupper() and genus[1:].islower() and genus.isalpha()
        and epithet.isalpha() and epithet.islower() and epithet not in STOPWORDS
        and genus.endswith(_GENUS_END) and epithet.endswith(_EPITHET_END)
    )  # fmt: skip


def _mentions(sentence: str, names: list[str]) -> list[tuple[int, str]]:
    """(position, name) of every name in the sentence; a name inside a longer mentioned name is
    dropped ('Kelmar' inside 'Kelmar fever')."""
    norm = f" {normalize_span(sentence)} "
    found: list[tuple[int, int, str]] = []
    for name in names:
        key = normalize_span(name)
        if not key:
            continue
        pos = norm.find(f" {key} ")
        if pos >= 0:
            found.append((pos, pos + len(key) + 1, name))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    kept: list[tuple[int, int, str]] = []
    for start, end, name in found:
        if any(s <= start and end <= e and (s, e) != (start, end) for s, e, _ in kept):
            continue
        if any((s, e) == (start, end) for s, e, _ in kept):
            continue
        kept.append((start, end, name))
    return [(s, n) for s, _, n in kept]


def _between(sentence: str, a: str, b: str) -> list[str]:
    norm = normalize_span(sentence)
    ka, kb = normalize_span(a), normalize_span(b)
    i, j = norm.find(ka), norm.find(kb)
    if i < 0 or j < 0:
        return []
    lo, hi = (i + len(ka), j) if i < j else (j + len(kb), i)
    words = [w for w in norm[lo:hi].split() if w not in ("the", "a", "an")]
    phrase = " ".join(words[:6])
    return [phrase] if phrase else []


def ground_records(
    chunk_id: str,
    sentences: list[Sentence],
    proposed_entities: Iterable[dict],
    proposed_relations: Iterable[dict] = (),
    use_candidates: bool = True,
) -> GroundedRecords:
    """Entities and relations of one chunk, each resting on its sentences (see the module docstring).

    `proposed_entities`: [{name, entity_type?}]; `proposed_relations`: [{source, target, keywords?}].
    Evidence items are {"chunk_id", "sentence"}.
    """
    out = GroundedRecords()
    types: dict[str, str] = {}
    found_by: dict[str, str] = {}
    for e in proposed_entities:
        name = " ".join(str(e.get("name", "")).split())
        if name and normalize_span(name) not in {normalize_span(n) for n in types}:
            types[name] = str(e.get("entity_type") or "")
            found_by[name] = "llm"
    rel_keywords: dict[tuple[str, str], list[str]] = {}
    for r in proposed_relations:
        src, tgt = " ".join(str(r.get("source", "")).split()), " ".join(str(r.get("target", "")).split())
        for name in (src, tgt):
            if name and normalize_span(name) not in {normalize_span(n) for n in types}:
                types[name], found_by[name] = "", "llm"
        rel_keywords[(normalize_span(src), normalize_span(tgt))] = list(r.get("keywords") or [])
    if use_candidates:
        known = {normalize_span(n) for n in types}
        for name in candidate_names(sentences):
            if normalize_span(name) not in known:
                types[name], found_by[name] = "", "candidate"
                known.add(normalize_span(name))
    names = list(types)
    evidence: dict[str, list[dict]] = {n: [] for n in names}
    edges: dict[tuple[str, str], dict] = {}
    for sentence in sentences:
        mentioned = [n for _, n in _mentions(sentence.text, names)]
        item = {"chunk_id": chunk_id, "sentence": sentence.text}
        for name in mentioned:
            evidence[name].append(item)
        pairs = [(mentioned[i], mentioned[i + 1]) for i in range(len(mentioned) - 1)]
        pairs += [(mentioned[0], m) for m in mentioned[2:]]
        for a, b in pairs[:MAX_PAIRS_PER_SENTENCE]:
            if normalize_span(a) == normalize_span(b):
                continue
            key = (a, b)
            kw = rel_keywords.get((normalize_span(a), normalize_span(b))) or rel_keywords.get(
                (normalize_span(b), normalize_span(a))
            )
            edge = edges.setdefault(key, {
                "source": a, "target": b, "keywords": kw or _between(sentence.text, a, b),
                "evidence": [], "found_by": "llm" if kw else "co_mention",
            })  # fmt: skip
            if item not in edge["evidence"]:
                edge["evidence"].append(item)
    for name in names:
        if not evidence[name]:
            if found_by[name] == "llm":
                out.ungrounded.append(name)
            continue
        out.entities.append({
            "name": name, "entity_type": types[name] or "", "evidence": evidence[name],
            "description": " ".join(x["sentence"] for x in evidence[name]), "found_by": found_by[name],
        })  # fmt: skip
    for edge in edges.values():
        edge["description"] = " ".join(x["sentence"] for x in edge["evidence"])
        out.relations.append(edge)
    return out
