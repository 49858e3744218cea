"""QA generation for every mode: atomic, aggregated (passage, then question), multi-hop (checked path),
chain-of-thought, multiple-choice and true/false, in the sample's style and source language."""

from synth_hf.graph.paths import is_valid_multihop_path
from synth_hf.graph.store import KnowledgeGraph, parse_edge_id
from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen import generate_parsing as gp
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.generate_prompts import (
    STOP,
    aggregated_question_prompt,
    copies_example,
    first_prompt,
)
from synth_hf.steps.graphgen.rows import language_name


def check_multihop(row: dict) -> tuple[bool, str]:
    """The planned path must be a real chain of >= 2 edges inside the sample's own subgraph."""
    kg = KnowledgeGraph()
    for unit in row.get("edge_ids") or []:
        kg.add_edge(*parse_edge_id(unit))
    try:
        path = [parse_edge_id(u) for u in row.get("path_edge_ids") or []]
    except KeyError as err:
        return False, f"bad edge id: {err}"
    return is_valid_multihop_path(kg, path, min_edges=2)


_PARSERS = {
    "atomic": gp.parse_question_answer,
    "multi_hop": gp.parse_question_answer,
    "cot": gp.parse_cot,
    "multiple_choice": gp.parse_multiple_choice,
}


class GenerateQA(GraphGenMixin, LLMStep):
    """Reads planned samples; writes `question`, `answer`, `generation_raw` (every LLM output of the
    sample) and `generation_reason`. Unusable outputs and invalid multi-hop paths are dropped with
    their reason."""

    max_new_tokens: int = 256
    temperature: float = 0.0

    @property
    def inputs(self) -> list[str]:
        return ["sample_id", "mode", "style", "facts", "language"]

    @property
    def outputs(self) -> list[str]:
        return ["question", "answer", "generation_raw", "generation_reason"]

    def _generate(self, prompts: list[str]) -> list[str]:
        if not prompts:
            return []
        return self.gen(prompts, max_new_tokens=self.max_new_tokens, temperature=self.temperature, stop=STOP)

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        dropped: list[tuple[dict, str]] = []
        rows = []
        for row in inputs:
            if row["mode"] == "multi_hop":
                ok, why = check_multihop(row)
                if not ok:
                    dropped.append((row, f"multihop_invalid: {why}"))
                    continue
            rows.append(row)
        languages = [language_name(r.get("language", "und")) for r in rows]
        # Every mode's first prompt goes to the engine as one batch.
        firsts = self._generate([first_prompt(r, lang) for r, lang in zip(rows, languages)])
        results: list[tuple[tuple[str, str] | None, str, list[str]]] = [(None, "", [t]) for t in firsts]
        followups = []
        for i, (row, raw) in enumerate(zip(rows, firsts)):
            mode = row["mode"]
            if mode == "aggregated":
                passage, reason = gp.parse_passage(raw)
                if passage is None:
                    results[i] = (None, reason, [raw])
                else:
                    followups.append((i, passage))
            elif mode == "true_false":
                statement, reason = gp.parse_statement(raw)
                if statement and not row["tf_label"] and gp.restates_a_fact(statement, row["facts"]):
                    statement, reason = None, "false_statement_restates_the_fact"
                pair = gp.true_false_pair(statement, row["tf_label"], row["facts"]) if statement else None
                results[i] = (pair, reason, [raw])
            else:
                pair, reason = _PARSERS[mode](raw)
                results[i] = (pair, reason, [raw])
        seconds = self._generate([aggregated_question_prompt(rows[i], p, languages[i]) for i, p in followups])
        for (i, passage), raw in zip(followups, seconds):
            question, reason = gp.parse_question_line(raw)
            results[i] = ((question, passage) if question else None, reason, [firsts[i], raw])
        failed = self.failed_since(before)
        out = []
        for row, (pair, reason, raws) in zip(rows, results):
            result = {**row, "generation_raw": raws, "generation_reason": reason}
            if pair is None:
                if failed and not any(raws):  # not the model's fault: the engine gave up on the batch
                    dropped.append((result, "engine_failed"))
                else:
                    dropped.append((result, f"unparseable_{row['mode']}: {reason.split(':')[0]}"))
                continue
            if copies_example(f"{pair[0]} {pair[1]}", row["facts"]):
                dropped.append((result, f"copied_example_{row['mode']}"))
                continue
            out.append({**result, "question": pair[0], "answer": pair[1]})
        self.account(inputs, len(out), dropped, usage_before=before)
        self._logger.info(
            f"[graphgen] generate: {len(inputs)} samples -> {len(out)} QA pairs ({len(dropped)} dropped)"
        )
        return out
