"""Pure glue between the knowledge graph and the rows that flow through the pipeline.

After the merge every node and edge travels as one *unit row*; global steps rebuild the graph from
those rows, so each step's output depends only on its input (which is what distilabel caches).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

from synth_hf.graph.store import KnowledgeGraph, edge_id

UNIT_COLUMNS = (
    "unit_id", "kind", "source", "target", "name", "entity_type", "keywords",
    "description", "source_chunk_ids", "language", "summarized", "evidence",
)  # fmt: skip

_LANGUAGES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "it": "Italian", "pt": "Portuguese",
    "nl": "Dutch", "pl": "Polish", "ru": "Russian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean",
    "ar": "Arabic", "tr": "Turkish", "sv": "Swedish", "cs": "Czech", "el": "Greek", "hi": "Hindi",
}  # fmt: skip


def language_name(code: str) -> str | None:
    """Human name of a language code; None for undetermined (prompts then say nothing)."""
    if not code or code == "und":
        return None
    return _LANGUAGES.get(code, code)


def majority_language(codes: Iterable[str]) -> str:
    votes = Counter(c for c in codes if c and c != "und")
    if not votes:
        return "und"
    return min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def _one_line(text: str) -> str:
    return " ".join(str(text or "").split())


def kg_to_unit_rows(kg: KnowledgeGraph, chunk_language: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for node, data in kg.graph.nodes(data=True):
        sources = list(data.get("source_ids", []))
        rows.append({
            "unit_id": node, "kind": "node", "source": "", "target": "",
            "name": data.get("name", node), "entity_type": data.get("entity_type", ""), "keywords": [],
            "description": data.get("description", ""), "source_chunk_ids": sources,
            "language": majority_language(chunk_language.get(c, "und") for c in sources),
            "summarized": bool(data.get("summarized", False)), "evidence": _evidence(data),
        })  # fmt: skip
    for src, tgt, data in kg.graph.edges(data=True):
        sources = list(data.get("source_ids", []))
        names = (kg.graph.nodes[src].get("name", src), kg.graph.nodes[tgt].get("name", tgt))
        rows.append({
            "unit_id": edge_id(src, tgt), "kind": "edge", "source": src, "target": tgt,
            "name": f"{names[0]} -> {names[1]}", "entity_type": "", "keywords": list(data.get("keywords", [])),
            "description": data.get("description", ""), "source_chunk_ids": sources,
            "language": majority_language(chunk_language.get(c, "und") for c in sources),
            "summarized": bool(data.get("summarized", False)), "evidence": _evidence(data),
        })  # fmt: skip
    return rows


def _evidence(data: dict[str, Any]) -> list[dict[str, str]]:
    return [{"chunk_id": str(e["chunk_id"]), "sentence": str(e["sentence"])} for e in data.get("evidence") or []]


def evidence_sentences(row: dict[str, Any]) -> list[str]:
    """The sentences a unit row rests on (its description when it carries no evidence)."""
    sentences = [e["sentence"] for e in row.get("evidence") or [] if e.get("sentence")]
    return sentences or ([row["description"]] if row.get("description") else [])


def unit_rows_to_kg(rows: Iterable[dict[str, Any]]) -> KnowledgeGraph:
    """Rebuild the graph (with probe scores, when the rows carry them) from unit rows."""
    kg = KnowledgeGraph()
    edges = []
    for row in rows:
        attrs = {
            "description": row.get("description", ""),
            "source_ids": list(row.get("source_chunk_ids") or []),
        }
        if row.get("evidence"):
            attrs["evidence"] = [dict(e) for e in row["evidence"]]
        for key in ("loss", "accuracy", "confidence"):
            value = row.get(key)
            if isinstance(value, (int, float)) and math.isfinite(value):
                attrs[key] = float(value)
        if row["kind"] == "node":
            kg.add_node(
                row["unit_id"],
                name=row.get("name", row["unit_id"]),
                entity_type=row.get("entity_type", ""),
                **attrs,
            )
        else:
            edges.append((row, attrs))
    for row, attrs in edges:  # after all nodes, so endpoint attrs are never lost to implicit nodes
        kg.add_edge(row["source"], row["target"], keywords=list(row.get("keywords") or []), **attrs)
    return kg


def unit_statement(row: dict[str, Any]) -> str:
    """The unit's fact as one standalone statement (the quiz's 'original' statement)."""
    desc = _one_line(row.get("description", ""))
    if row["kind"] == "node":
        name = _one_line(row.get("name", ""))
        if not desc:
            return f"{name} is a {row.get('entity_type', 'thing').lower().replace('_', ' ')}."
        return desc if name.casefold() in desc.casefold() else f"{name}: {desc}"
    src, _, tgt = _one_line(row.get("name", "")).partition(" -> ")
    if desc and src.casefold() in desc.casefold() and tgt.casefold() in desc.casefold():
        return desc
    link = ", ".join(row.get("keywords") or []) or "is related to"
    return f"{src} {link} {tgt}." if not desc else f"{src} ({link}) {tgt}: {desc}"


def render_facts(rows: Iterable[dict[str, Any]]) -> str:
    """Facts block for generation and judge prompts, one '- ' line per unit."""
    return "\n".join(f"- {unit_statement(r)}" for r in rows)
