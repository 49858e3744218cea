"""Entity and relation extraction per chunk, with gleaning rounds and a lenient parser."""

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.examples import copied_from_examples, grounded
from synth_hf.steps.graphgen.extract_prompts import (
    END,
    extraction_prompt,
    gleaning_prompt,
    needs_forced_relation,
    record_lines,
    with_forced_prefix,
)
from synth_hf.text.parsing import parse_kg_records

STOP = [END, "\nText:", "\n\n\n"]


def _merge_parse(raws: list[str], text: str) -> tuple[list[dict], list[dict], int, int]:
    """Entities/relations over all rounds' outputs (records repeated by gleaning are kept once), minus
    records whose names do not occur in the chunk (copied from the examples or invented)."""
    parsed = parse_kg_records("\n".join(raws))

    def ok(*names: str) -> bool:
        return all(grounded(n, text) and not copied_from_examples(n, text) for n in names)

    entities = [e for e in parsed.entities if ok(e["name"])]
    relations = [r for r in parsed.relations if ok(r["source"], r["target"])]
    ungrounded = len(parsed.entities) - len(entities) + len(parsed.relations) - len(relations)
    return entities, relations, len(parsed.bad_lines), ungrounded


class ExtractKnowledge(GraphGenMixin, LLMStep):
    """Reads `text`; writes `entities`, `relations` (lists of dicts), `extraction_raw` (every round's
    output) and `bad_lines`. A chunk with no entity is dropped with reason `no_entities` (kept in the
    side dataset with its raw output), never an error."""

    gleaning_rounds: int = 1
    max_new_tokens: int = 384

    @property
    def inputs(self) -> list[str]:
        return ["chunk_id", "text"]

    @property
    def outputs(self) -> list[str]:
        return ["entities", "relations", "extraction_raw", "bad_lines"]

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        raws: list[list[str]] = [[] for _ in inputs]
        prompts = [extraction_prompt(row["text"]) for row in inputs]
        forced = [False] * len(inputs)
        active = list(range(len(inputs)))
        gleaned = 0
        for round_no in range(self.gleaning_rounds + 1):
            if not active:
                break
            texts = self.gen(prompts, max_new_tokens=self.max_new_tokens, stop=STOP)
            still, next_prompts, next_forced = [], [], []
            for idx, text, was_forced in zip(active, texts, forced):
                text = with_forced_prefix(text) if was_forced else text
                known = {line for raw in raws[idx] for line in record_lines(raw)}
                raws[idx].append(text)
                new = [line for line in record_lines(text) if line not in known]
                if round_no > 0:
                    gleaned += len(new)
                # Glean again only where the last round found something new: otherwise the chunk is done.
                if new:
                    lines = list(dict.fromkeys(line for raw in raws[idx] for line in record_lines(raw)))
                    force = needs_forced_relation(lines)
                    still.append(idx)
                    next_prompts.append(gleaning_prompt(inputs[idx]["text"], lines, force_relation=force))
                    next_forced.append(force)
            active, prompts, forced = still, next_prompts, next_forced
        failed = self.failed_since(before)
        out, dropped, bad_total = [], [], 0
        ungrounded_total = 0
        for row, row_raws in zip(inputs, raws):
            entities, relations, bad, ungrounded = _merge_parse(row_raws, row["text"])
            bad_total += bad
            ungrounded_total += ungrounded
            result = {
                **row,
                "entities": entities,
                "relations": relations,
                "extraction_raw": row_raws,
                "bad_lines": bad,
            }
            if entities or relations:
                out.append(result)
            elif failed and not any(row_raws):
                dropped.append((result, "engine_failed"))  # the engine gave up: not an empty chunk
            else:
                dropped.append((result, "no_entities"))
        self.account(
            inputs,
            len(out),
            dropped,
            usage_before=before,
            extra={
                "entities": sum(len(r["entities"]) for r in out),
                "relations": sum(len(r["relations"]) for r in out),
                "bad_lines": bad_total,
                "ungrounded_records": ungrounded_total,
                "gleaned_records": gleaned,
            },
        )
        self._logger.info(
            f"[graphgen] extract: {len(inputs)} chunks -> {len(out)} with records, {len(dropped)} without"
        )
        return out
