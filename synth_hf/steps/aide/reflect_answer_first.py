"""SelfReflectAnswerFirst: self-reflection for answer-first runs, where a failing row is re-synthesized
on another fact, not the one it failed with.

An answer-first child's question is mostly fixed by its fact (with a weak synthesizer it is the
template question of the sentence), so re-asking on the same sentence rarely changes its grade. Here
each failing row releases its sentence and takes the next candidate for its retrieval query that no
row of the run uses, that neither it nor another row of its seed has failed with, and (with the embedding grader) that passes
reflection's threshold if any does (`FactPicker.give`, as synthesis picks); the re-synthesis call then
phrases the question for that fact (a two-hop row, `reasoning_chain`, becomes a one-hop row of its new
fact). A row with no other candidate keeps its fact and is re-asked as before; a two-hop row keeps its
question too (a one-fact prompt cannot re-phrase it) and is graded again. Counted: `resynthesis_new_fact`, `resynthesis_same_fact`, and `resynthesis_pregrade_passed` /
`_fallback`.

Global, like SynthesizeAnswerFirst: which sentences the run uses is known only from the whole stream
(every row carries its evidence; rows dropped since, by reflection or dedup, release theirs)."""

from typing import Any

from pydantic import Field, PrivateAttr

from synth_hf.steps.aide.fact_pick import FactPicker, bump
from synth_hf.steps.aide.grading import FactJudge
from synth_hf.steps.aide.reflect import ReflectionMixin
from synth_hf.steps.common.base import LLMGlobalStep


class SelfReflectAnswerFirst(ReflectionMixin, LLMGlobalStep):
    """`SelfReflect` over the whole stream; failing answer-first rows get another fact on re-synthesis."""

    passages_path: str = Field(description="JSON list of {chunk_id, sentence} written by the builder.")

    _picker: Any = PrivateAttr(None)
    _state: Any = PrivateAttr(None)

    def picker(self) -> FactPicker:
        if self._picker is None:
            judge = None
            if self.scorer == "embedding":  # the same grade, before the call, as synthesis applies
                judge = FactJudge(self.embedder, self.min_relevance, self.min_diversity)
            self._picker = FactPicker(self.passages_path, judge)
        return self._picker

    def _prepare(self, rows: list[dict]) -> None:
        used, reserved = self.picker().run_state(rows)
        self._state = {"used": used, "reserved": reserved, "tried": {}, "failed": {}, "counts": {}}

    def _new_facts(self, rows: list[dict]) -> None:
        state, picker = self._state, self.picker()
        for row in rows:
            current = {e["chunk_id"] for e in row["evidence"]}  # a two-hop row releases both sentences
            tried = state["tried"].setdefault(row["row_id"], set())
            tried.update(current)
            # siblings share the query and the seed the grade is against: a sentence one of them failed
            # with would top the next one's ranking again
            failed = state["failed"].setdefault(str(row.get("seed_question") or ""), set())
            failed.update(current)
            state["used"].difference_update(current)  # released whatever happens next, unless it stays
            reason, graded = picker.give(row, state["used"], state["reserved"], exclude=tried | failed)
            if reason:  # no other candidate: the row keeps its fact
                state["used"].update(current)
                bump(state["counts"], "resynthesis_same_fact")
                continue
            bump(state["counts"], "resynthesis_new_fact")
            bump(state["counts"], graded and f"resynthesis_{graded}")

    def _counters(self) -> dict[str, int]:
        counts = (self._state or {}).get("counts", {})
        return {"resynthesis_new_fact": 0, "resynthesis_same_fact": 0, **counts}
