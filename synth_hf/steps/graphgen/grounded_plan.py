"""Plan answer-first samples: every fact (an evidence sentence of a unit) with its answer span, mode and style.

Pure logic, no LLM. High-loss units come first (what the trainee gets wrong is taught first). A *fact* is
one evidence sentence: an edge's sentences, and a node's sentences that no incident edge already covers.
The modes and their planner (fact / entity / path) come from the registry (`modes/`), in its order.
- single-fact modes (atomic, multiple_choice, true_false): `rows_per_fact` > 0 covers every fact that
  many times, answer spans in `teaching_spans` order (the sentence's object first); with >= 2 rows a
  fact its first row is an open (atomic) question, the others rotate over the other modes and spans
  (1 row a fact: modes rotate over the facts); 0 uses the per-mode counts;
- aggregated: one entity's facts inside a partition subgraph (>= 2 sentences), every one of them, a few
  (`aggregate_size`) a row; entities in rounds over the loss-ranked subgraphs until the count is met;
- multi_hop / cot: two edges A-B, B-C through a bridge B, answer C from the second (last-hop) sentence.
Source: GraphGen (Chen et al., 2025) §3.3-3.4 (subgraph sampling, QA modes), made answer-first.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from synth_hf.graph.partition import Subgraph, subgraph_loss
from synth_hf.graph.store import KnowledgeGraph, edge_id
from synth_hf.steps.graphgen.modes import get_mode, mode_names, planned_by
from synth_hf.steps.graphgen.rows import majority_language
from synth_hf.text.answer_first import teaching_spans
from synth_hf.text.sentences import not_a_fact
from synth_hf.text.spans import is_generic_name, snap_span, subject_reason
from synth_hf.text.support import contains_span, span_pattern

_PLAN_FIELDS = ("answer_span", "answer_type", "anchor_names", "hidden_names", "tf_statement", "tf_label")


@dataclass
class Plan:
    samples: list[dict[str, Any]] = field(default_factory=list)
    planned: dict[str, int] = field(default_factory=dict)
    shortfalls: dict[str, str] = field(default_factory=dict)  # mode -> why fewer than requested
    unusable_evidence: dict[str, int] = field(default_factory=dict)  # reason -> sentences no row uses


def _loss(kg: KnowledgeGraph, unit: str) -> float:
    value = kg.get_unit(unit).get("loss")
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else 0.0


def _evidence(kg: KnowledgeGraph, unit: str) -> list[dict]:
    """The unit's evidence sentences that can stand alone as facts (no headings, no "It ..." sentences)."""
    return [dict(e) for e in kg.get_unit(unit).get("evidence") or [] if not not_a_fact(e["sentence"])]


def unusable_evidence(kg: KnowledgeGraph) -> dict[str, int]:
    """Distinct evidence sentences of the graph left out of every row, by reason (`not_a_fact`)."""
    sentences = {e["sentence"] for u in kg.unit_ids() for e in kg.get_unit(u).get("evidence") or []}
    return dict(Counter(r for r in map(not_a_fact, sorted(sentences)) if r))


def _name(kg: KnowledgeGraph, node: str) -> str:
    return kg.graph.nodes[node].get("name", node)


def _subject(kg: KnowledgeGraph, node: str) -> bool:
    """Whether an aggregated row may be about `node` (`subject_reason`, on the name as its evidence spells it)."""
    evidence = _evidence(kg, node)
    if not evidence or is_generic_name(_name(kg, node)):
        return False
    spelled = snap_span(evidence[0]["sentence"], _name(kg, node), [_name(kg, node)])
    return not subject_reason(spelled, [e["sentence"] for e in evidence])


def _type(kg: KnowledgeGraph, node: str) -> str:
    t = kg.graph.nodes[node].get("entity_type", "") or ""
    return "" if t == "UNKNOWN" else t


def facts_of(kg: KnowledgeGraph, unit: str) -> list[tuple[dict, list[str]]]:
    """(evidence item, answer-span names) per fact of a unit."""
    if kg.is_edge_unit(unit):
        src, tgt = kg.edge_endpoints(unit)
        names = [_name(kg, tgt), _name(kg, src)]
        return [(e, names) for e in _evidence(kg, unit)[:1]]
    covered = set()
    for s, t in list(kg.graph.in_edges(unit)) + list(kg.graph.out_edges(unit)):
        covered.update(e["sentence"] for e in _evidence(kg, edge_id(s, t)))
    return [(e, [_name(kg, unit)]) for e in _evidence(kg, unit) if e["sentence"] not in covered]


AGGREGATE_SENTENCES = 4  # sentences per aggregated answer: short enough for a 270M model to learn whole


def _seed(seed: int, key: str) -> int:
    return int(hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:16], 16)


class _Emitter:
    def __init__(self, kg: KnowledgeGraph, chunks: dict, styles: list[str], seed: int) -> None:
        self.kg, self.chunks, self.styles, self.seed = kg, chunks, styles, seed
        self.plan = Plan()

    def __call__(self, mode: str, sg_id: str, unit_ids: list[str], evidence: list[dict], style: str = "",
                 **extra: Any) -> None:  # fmt: skip
        unknown = set(extra) - {"path", *_PLAN_FIELDS}
        if unknown:
            raise ValueError(f"mode {mode!r} planned unknown sample fields {sorted(unknown)}")
        sample_id = f"{mode}-{self.plan.planned.get(mode, 0):05d}"
        self.plan.planned[mode] = self.plan.planned.get(mode, 0) + 1
        chunk_ids = list(dict.fromkeys(e["chunk_id"] for e in evidence))
        language = majority_language(self.chunks[c]["language"] for c in chunk_ids if c in self.chunks)
        losses = [self.kg.get_unit(u).get("loss") for u in unit_ids]
        finite = [x for x in losses if isinstance(x, (int, float)) and math.isfinite(x)]
        rng = random.Random(_seed(self.seed, sample_id))
        self.plan.samples.append({
            "sample_id": sample_id, "mode": mode, "style": style or rng.choice(self.styles), "subgraph_id": sg_id,
            "node_ids": [u for u in unit_ids if not self.kg.is_edge_unit(u)],
            "edge_ids": [u for u in unit_ids if self.kg.is_edge_unit(u)],
            "path_edge_ids": extra.pop("path", []), "evidence": evidence,
            "facts": "\n".join(f"- {e['sentence']}" for e in evidence), "source_chunk_ids": chunk_ids,
            "source_texts": [self.chunks[c]["text"] for c in chunk_ids if c in self.chunks][:3],
            "unit_losses": [float(x) if isinstance(x, (int, float)) else None for x in losses],
            "mean_loss": sum(finite) / len(finite) if finite else None, "language": language,
            "answer_span": extra.get("answer_span", ""), "answer_type": extra.get("answer_type", ""),
            "anchor_names": extra.get("anchor_names", []), "hidden_names": extra.get("hidden_names", []),
            "tf_statement": extra.get("tf_statement", ""), "tf_label": bool(extra.get("tf_label", True)),
        })  # fmt: skip


def plan_grounded(
    kg: KnowledgeGraph,
    subgraphs: list[Subgraph],
    chunks: dict[str, dict[str, Any]],
    modes: dict[str, int],
    styles: list[str],
    rows_per_fact: int = 1,
    seed: int = 0,
    aggregate_size: int = AGGREGATE_SENTENCES,
    aggregate_min_sentences: int = 2,
    aggregate_profiles: bool = False,
) -> Plan:
    """`kg` carries the probe's losses; `chunks`: {chunk_id: {"text", "language"}}; `modes`: samples per
    registered mode (`modes/`), ValueError for a mode that is not registered; `aggregate_size`: evidence
    sentences per aggregated row (0: all of an entity's); `aggregate_min_sentences`: the fewest an entity
    needs for an aggregated row; `aggregate_profiles`: one more row per entity with all its sentences."""
    unknown = sorted(set(modes) - set(mode_names()))
    if unknown:
        raise ValueError(f"unknown QA modes {unknown}; registered: {list(mode_names())}")
    emit = _Emitter(kg, chunks, styles, seed)
    emit.plan.unusable_evidence = unusable_evidence(kg)
    rng = random.Random(seed)
    order = sorted(kg.unit_ids(), key=lambda u: (-_loss(kg, u), rng.random()))
    facts = [(u, ev, names) for u in order for ev, names in facts_of(kg, u)]
    known = [n for n in (_name(kg, x) for x in kg.graph.nodes) if len(n.split()) <= MAX_NAME_WORDS]
    single = [m.name for m in planned_by("fact") if modes.get(m.name, 0)]
    if single:
        jobs: list[tuple[str, str, dict, list[str], int]] = []
        if rows_per_fact > 0:
            # with >= 2 rows a fact, the first is its open question (recall, not recognition) when atomic
            # is on; the other rows rotate over the remaining single-fact modes
            lead = ["atomic"] if "atomic" in single and len(single) > 1 and rows_per_fact > 1 else []
            rest = [m for m in single if m not in lead]
            for fi, (u, ev, names) in enumerate(facts):
                for k in range(rows_per_fact):
                    mode = lead[0] if lead and k == 0 else rest[(fi + k - len(lead)) % len(rest)]
                    jobs.append((mode, u, ev, names, k))
        else:
            offset = 0
            for mode in single:
                take = [facts[(offset + i) % len(facts)] for i in range(min(modes[mode], len(facts)))] if facts else []
                jobs += [(mode, u, ev, names, i // max(1, len(facts))) for i, (u, ev, names) in enumerate(take)]
                offset += modes[mode]
                if modes[mode] > len(facts):
                    emit.plan.shortfalls[mode] = f"only {len(facts)} facts with evidence in the graph"
        seen: Counter = Counter()  # per mode: which of its facts this is
        for mode, u, ev, names, k in jobs:
            spans = teaching_spans(ev["sentence"], names, known) or names
            span = spans[k % len(spans)]
            endpoints = list(kg.edge_endpoints(u)) if kg.is_edge_unit(u) else [u]
            named = [(x, _name(kg, x)) for x in endpoints]
            # the node the (possibly widened) span names: its type picks the distractors
            owner = next((x for x, n in named if n == span), None) or next(
                (x for x, n in named if contains_span(span, n)), None)
            anchors = [n for _, n in named if not contains_span(span, n) and not contains_span(n, span)]
            fields = get_mode(mode).plan_fields(ev["sentence"], seen[mode])
            seen[mode] += 1
            emit(mode, f"unit:{u}", [u], [ev], answer_span=span, answer_type=_type(kg, owner) if owner else "",
                 anchor_names=anchors, **fields)  # fmt: skip
    if not facts and single:
        for mode in single:
            emit.plan.shortfalls[mode] = "no unit of the graph has an evidence sentence"

    for mode in (m.name for m in planned_by("entity")):
        _plan_entities(emit, kg, subgraphs, mode, modes.get(mode, 0), aggregate_size, aggregate_min_sentences,
                       aggregate_profiles)

    paths = two_hop_paths(kg)
    offset = 0
    for mode in (m.name for m in planned_by("path")):
        want = modes.get(mode, 0)
        # a later path mode (cot) takes the paths after the earlier one's (one path, one question)
        chosen = paths[offset : offset + want]  # never a path twice: dedup would drop the copy anyway
        offset += len(chosen)
        for a, b, c, e1, e2, ev1, ev2 in chosen:
            s1, s2 = ev1["sentence"], ev2["sentence"]
            answer = snap_span(s2, _name(kg, c), known)
            # hide the link as a whole phrase in both sentences ('X syndrome' would give 'Tolvane' away)
            link = snap_span(s1, _name(kg, b), known)
            link = link if contains_span(s2, link) else _name(kg, b)
            emit(mode, f"path:{a}|{b}|{c}", [e1, e2], [ev1, ev2], path=[e1, e2], answer_span=answer,
                 answer_type=_type(kg, c), anchor_names=[snap_span(s1, _name(kg, a), known)],
                 hidden_names=[link])  # fmt: skip
        if want > len(chosen):
            emit.plan.shortfalls[mode] = (
                "graph has no edges" if kg.num_edges == 0
                else f"only {len(paths)} two-hop paths whose sentences keep start, link and answer apart "
                "(each serves one path mode: multi_hop first, then cot)"
            )
    return emit.plan


MAX_NAME_WORDS = 6  # longer "names" are extraction debris, never a span to widen to


def _groups(items: list, size: int) -> list[list]:
    """`items` in consecutive groups of <= `size`, none of a single item when there are >= 2 in all."""
    groups = [items[i : i + size] for i in range(0, len(items), size)]
    if len(groups) > 1 and len(groups[-1]) == 1:
        if size > 2:
            groups[-2:] = [groups[-2][:-1], [groups[-2][-1], *groups[-1]]]
        else:  # pairs: the odd one out joins the last pair
            groups[-2:] = [groups[-2] + groups[-1]]
    return groups


def _plan_entities(emit: _Emitter, kg: KnowledgeGraph, subgraphs: list[Subgraph], mode: str, want: int,
                   size: int, min_sentences: int = 2, profiles: bool = False) -> None:  # fmt: skip
    """`want` samples of `mode`, each <= `size` (0: all) of one entity's evidence sentences (>= `min_sentences`
    in all) in a high-loss subgraph; with `profiles`, then one row of all its sentences for every entity whose
    sentences took more than one row or none (single-sentence entities included)."""
    ranked = sorted(subgraphs, key=lambda sg: -(subgraph_loss(kg, sg) or 0.0))
    seen_focus: set[str] = set()
    queue: list[tuple[str, str, list[dict], str]] = []  # (subgraph, entity, evidence, style) of profiles
    progress = True
    while progress and emit.plan.planned.get(mode, 0) < want:
        progress = False  # one focus per subgraph per round: the highest-loss subgraphs first, then again
        for sg in ranked:
            if emit.plan.planned.get(mode, 0) >= want:
                break
            counts = Counter()
            for node in sg.all_nodes():
                counts[node] = len({e["sentence"] for e in _evidence(kg, node)})
            focus = next((n for n, c in counts.most_common()
                          if c >= min_sentences and n not in seen_focus and _subject(kg, n)), None)  # fmt: skip
            if focus is None:
                continue
            seen_focus.add(focus)
            progress = True
            evidence = list({e["sentence"]: e for e in _evidence(kg, focus)}.values())
            first = random.Random(_seed(emit.seed, focus)).randrange(len(emit.styles))
            styles = itertools.islice(itertools.cycle(emit.styles), first, None)
            groups = _groups(evidence, size or len(evidence))
            # one question per style: more rows than styles would ask one question with two answers
            most = max(1, len(emit.styles) - 1) if profiles and len(emit.styles) > 1 else len(emit.styles)
            if len(groups) > most:
                groups = _groups(evidence, -(-len(evidence) // most))
            for group in groups:  # every fact of the entity, a few per row
                if emit.plan.planned.get(mode, 0) >= want:
                    break
                # the focus as its evidence spells it whole ("Kelmar" -> "Kelmar fever")
                name = snap_span(evidence[0]["sentence"], _name(kg, focus), [_name(kg, focus)])
                # the entity's rows rotate over the styles: one question twice would be a near-duplicate
                emit(mode, sg.subgraph_id, [focus], group, answer_span=name, style=next(styles))
            if profiles and len(groups) > 1:  # its profile takes the next style of its cycle
                queue.append((sg.subgraph_id, focus, evidence, next(styles)))
    if profiles:
        _plan_profiles(emit, kg, ranked, mode, want, seen_focus, queue)
    if want and emit.plan.planned.get(mode, 0) < want:
        emit.plan.shortfalls[mode] = (
            f"only {emit.plan.planned.get(mode, 0)} rows: every entity with >= {min_sentences} evidence sentences in a "
            "subgraph is covered"
        )


def _plan_profiles(emit: _Emitter, kg: KnowledgeGraph, ranked: list[Subgraph], mode: str, want: int,
                   focused: set[str], queue: list[tuple[str, str, list[dict], str]]) -> None:  # fmt: skip
    """An entity's profile: all its evidence sentences in one row, so every fact is also taught as part of
    what is known about each entity it names (the tree of "Brevimast is made from the bark of the Tarvonian
    ash tree"). `focused`: entities that had grouped rows (their profile is in `queue` when those took
    several rows, else the one row was it); `queue`: those profiles, planned first."""
    done = set(focused)
    for sg in ranked:
        for node in sorted(sg.all_nodes()):
            if node in done:
                continue
            evidence = list({e["sentence"]: e for e in _evidence(kg, node)}.values())
            if not evidence or not _subject(kg, node):
                continue  # "What do the sources say about April?": a date in another entity's fact
            done.add(node)
            style = emit.styles[random.Random(_seed(emit.seed, node)).randrange(len(emit.styles))]
            queue.append((sg.subgraph_id, node, evidence, style))
    for sg_id, node, evidence, style in queue:
        if emit.plan.planned.get(mode, 0) >= want:
            return
        name = snap_span(evidence[0]["sentence"], _name(kg, node), [_name(kg, node)])
        emit(mode, sg_id, [node], evidence, answer_span=name, style=style)


def two_hop_paths(kg: KnowledgeGraph) -> list[tuple[str, str, str, str, str, dict, dict]]:
    """(a, b, c, edge a-b, edge b-c, sentence 1, sentence 2): two edges through bridge b whose sentences
    differ, where c is named only in the second sentence and a only in the first.

    Ranked for coverage when only some are asked for: paths whose two sentences come from different
    chunks first (a bridge joining two documents is what a multi-hop question composes, as in HotpotQA's
    bridge questions; two facts of one chunk are mostly about one subject, which aggregated rows teach),
    then round-robin over bridges (highest-loss bridge first), each bridge's paths by loss (GraphGen §3.3:
    what the trainee gets wrong first)."""
    und = kg.graph.to_undirected(as_view=True)
    by_bridge: dict[str, list[tuple]] = {}
    for b in sorted(kg.graph.nodes):
        if is_generic_name(_name(kg, b)):
            continue  # "town" links every town's facts: not a bridge
        nbrs = [n for n in sorted(und.neighbors(b)) if not is_generic_name(_name(kg, n))]  # nor a start or answer
        # per neighbour, once per bridge: the edge into b (first hop) and out of b (last hop), as stored
        into = {n: edge_id(n, b) if kg.graph.has_edge(n, b) else edge_id(b, n) for n in nbrs}
        out_of = {n: edge_id(b, n) if kg.graph.has_edge(b, n) else edge_id(n, b) for n in nbrs}
        evidence = {e: _evidence(kg, e) for e in {*into.values(), *out_of.values()}}
        for a in nbrs:
            for c in nbrs:
                if a == c:
                    continue
                e1, e2 = into[a], out_of[c]
                na, nc = _name(kg, a), _name(kg, c)
                pairs = [
                    (x, y)
                    for x in evidence[e1]
                    for y in evidence[e2]
                    if x["sentence"] != y["sentence"]
                    and not contains_span(x["sentence"], nc)
                    and not contains_span(y["sentence"], na)
                    and not _sibling(x["sentence"], y["sentence"], na, nc)
                ]
                if pairs:
                    x, y = next((p for p in pairs if _cross(p[0], p[1])), pairs[0])
                    by_bridge.setdefault(b, []).append((a, b, c, e1, e2, x, y))
    out: list[tuple] = []
    for cross in (True, False):
        queues = [
            sorted((p for p in paths if _cross(p[5], p[6]) == cross), key=lambda p: -_path_loss(kg, p))
            for _, paths in sorted(by_bridge.items())
        ]
        queues = sorted((q for q in queues if q), key=lambda q: -_path_loss(kg, q[0]))
        while any(queues):
            for q in queues:
                if q:
                    out.append(q.pop(0))
    return out


def _sibling(first: str, second: str, start: str, answer: str) -> bool:
    """True when the second fact is the first one about another subject ("Zorvatide is manufactured by
    Lumera Pharma" / "Brevimast is manufactured by Lumera Pharma"): the start itself would answer it."""
    swapped = span_pattern(answer).sub(lambda _: start, second, count=1)  # a name may hold "\\1"
    return " ".join(swapped.casefold().split()) == " ".join(first.casefold().split())


def _cross(ev1: dict, ev2: dict) -> bool:
    return ev1.get("chunk_id") != ev2.get("chunk_id")


def _path_loss(kg: KnowledgeGraph, path: tuple) -> float:
    return _loss(kg, path[3]) + _loss(kg, path[4])
