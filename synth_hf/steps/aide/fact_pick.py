"""Giving answer-first children their fact, shared by synthesis (`SynthesizeAnswerFirst`) and by
reflection's re-synthesis (`SelfReflectAnswerFirst`): the documents' FactIndex, the run's used sentences
(rebuilt from the rows a global step sees: every row of the run carries the sentences it rests on), the
seeds' reserved facts, and the optional pre-grade (`FactJudge`: reflection's embedding grade applied to
each candidate's template question before the call)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synth_hf.steps.aide.answer_first import FactIndex, attach_fact, retrieval_query
from synth_hf.steps.aide.grading import FactJudge
from synth_hf.steps.aide.reasoning_chain import compose_fact, corpus_index

PREGRADE_COUNTERS = {"passed": "pregrade_passed", "fallback": "pregrade_fallback"}


class FactPicker:
    """Facts from the passages at `passages_path` (JSON [{chunk_id, sentence}]); `judge` pre-grades the
    candidates (None: BM25 order alone). The index is built at first use."""

    def __init__(self, passages_path: str, judge: FactJudge | None = None) -> None:
        self.passages_path, self.judge = passages_path, judge
        self._index: FactIndex | None = None
        self._corpus: Any = None
        self._raw: list[dict] | None = None  # the passages file, read once for both indexes

    @property
    def index(self) -> FactIndex:
        if self._index is None:
            self._index = FactIndex(self._passages())
        return self._index

    def _passages(self) -> list[dict]:
        if self._raw is None:
            self._raw = json.loads(Path(self.passages_path).read_text(encoding="utf-8"))
        return self._raw

    def compose(self, child: dict, used: set[str], reserved: set[str]) -> str:
        """`reasoning_chain.compose_fact` on `child` (its fact given): the ledger counter of the outcome,
        the new generator (`two_hop`, `constrained`) or `one_hop_<why>`."""
        if self._corpus is None:
            self._corpus = corpus_index(self._passages())
        why = compose_fact(child, self.index, self._corpus, used, reserved)
        return f"one_hop_{why}" if why else child["generator"]

    def run_state(self, rows: list[dict]) -> tuple[set[str], set[str]]:
        """(used, reserved) for a global step's whole stream `rows`: chunk_ids the generated rows (hop >=
        1) rest on, and those stating a seed's answer (`FactIndex.seed_facts`)."""
        used = {e["chunk_id"] for r in rows if r["hop"] != 0 for e in r.get("evidence") or []}
        seeds = {(r["seed_question"], r["seed_answer"]) for r in rows}
        return used, self.index.seed_facts(sorted(seeds))

    def give(self, child: dict, used: set[str], reserved: set[str], exclude: set[str] = frozenset()
             ) -> tuple[str | None, str | None]:  # fmt: skip
        """Attach to `child` the fact `FactIndex.choose` finds for its `retrieval_query` (evidence, span,
        draft answer, `fact_names`) and add its sentence to `used`. Returns (drop reason or None, the
        pre-grade's ledger counter or None)."""
        judge = self.judge.for_child(child) if self.judge is not None else None
        found = self.index.choose(retrieval_query(child), used, reserved, judge, exclude)
        if isinstance(found, str):
            return found, None
        chunk = found.passage["chunk_id"]
        attach_fact(child, found.passage, found.span, english=self.index.english(chunk))
        child["fact_names"] = self.index.names_in(found.passage["sentence"])
        used.add(chunk)
        return None, PREGRADE_COUNTERS.get(found.pregrade or "")


def bump(counts: dict[str, int], key: str | None) -> None:
    """Add one to `counts[key]` (nothing for None)."""
    if key:
        counts[key] = counts.get(key, 0) + 1
