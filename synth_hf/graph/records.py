"""What entity/relation extraction yields per chunk: the input of `merge_records`."""

from __future__ import annotations

from dataclasses import dataclass


# slots: a 1M-relation extraction output should not pay for a __dict__ per record.
@dataclass(slots=True)
class EntityRecord:
    name: str
    entity_type: str
    description: str
    chunk_id: str
    # Source sentences the record rests on: [{"chunk_id": ..., "sentence": ...}] (None: not tracked).
    evidence: list[dict] | None = None


@dataclass(slots=True)
class RelationRecord:
    source: str
    target: str
    keywords: list[str]
    description: str
    chunk_id: str
    weight: float = 1.0
    evidence: list[dict] | None = None
