"""Entity and relation extraction per chunk, a few sentences at a time, grounded in the chunk's sentences.

The LLM proposes names, types and relations over windows of `window_sentences` sentences (small models
extract far better from 2-3 sentences than from a page); `synth_hf.text.grounding` then keeps only what
rests on a sentence: descriptions and relation texts are the evidence sentences themselves.
"""

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.extract_prompts import (
    END,
    extraction_prompt,
    gleaning_prompt,
    needs_forced_relation,
    record_lines,
    with_forced_prefix,
)
from synth_hf.text.examples import copied_from_examples
from synth_hf.text.grounding import ground_records
from synth_hf.text.parsing import parse_kg_records
from synth_hf.text.sentences import split_sentences

STOP = [END, "\nText:", "\n\n\n"]
NO_CANDIDATE_LANGUAGES = frozenset({"de", "lb"})


def sentence_windows(n_sentences: int, size: int) -> list[tuple[int, int]]:
    """[start, end) sentence index ranges of `size` sentences (size <= 0: one window for all)."""
    if n_sentences == 0:
        return []
    if size <= 0:
        return [(0, n_sentences)]
    return [(i, min(i + size, n_sentences)) for i in range(0, n_sentences, size)]


class ExtractKnowledge(GraphGenMixin, LLMStep):
    """Reads `chunk_id`, `text`; writes `entities`, `relations` (dicts with `evidence`: list of
    {chunk_id, sentence}), `sentences`, `extraction_raw` (every window's every round) and `bad_lines`.

    A chunk with no grounded entity is dropped with reason `no_entities` (kept in the side dataset with
    its raw output), never an error. Counters: ungrounded_records (model names found in no sentence),
    candidate_entities (names only the deterministic finder found), co_mention_relations.
    """

    gleaning_rounds: int = 1
    max_new_tokens: int = 384
    window_sentences: int = 3
    name_candidates: bool = True

    @property
    def inputs(self) -> list[str]:
        return ["chunk_id", "text"]

    @property
    def outputs(self) -> list[str]:
        return ["entities", "relations", "sentences", "extraction_raw", "bad_lines"]

    def _extract(self, texts: list[str]) -> tuple[list[list[str]], int]:
        """Every text's raw outputs over the first round and the gleaning rounds."""
        raws: list[list[str]] = [[] for _ in texts]
        prompts = [extraction_prompt(t) for t in texts]
        forced = [False] * len(texts)
        active = list(range(len(texts)))
        gleaned = 0
        for round_no in range(self.gleaning_rounds + 1):
            if not active:
                break
            outs = self.gen(prompts, max_new_tokens=self.max_new_tokens, stop=STOP)
            still, next_prompts, next_forced = [], [], []
            for idx, text, was_forced in zip(active, outs, forced):
                text = with_forced_prefix(text) if was_forced else text
                known = {line for raw in raws[idx] for line in record_lines(raw)}
                raws[idx].append(text)
                new = [line for line in record_lines(text) if line not in known]
                if round_no > 0:
                    gleaned += len(new)
                # Glean again only where the last round found something new: otherwise the window is done.
                if new:
                    lines = list(dict.fromkeys(line for raw in raws[idx] for line in record_lines(raw)))
                    force = needs_forced_relation(lines)
                    still.append(idx)
                    next_prompts.append(gleaning_prompt(texts[idx], lines, force_relation=force))
                    next_forced.append(force)
            active, prompts, forced = still, next_prompts, next_forced
        return raws, gleaned

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        per_chunk = [split_sentences(row.get("text") or "") for row in inputs]
        windows = [
            (ci, " ".join(s.text for s in sents[a:b]))
            for ci, sents in enumerate(per_chunk)
            for a, b in sentence_windows(len(sents), self.window_sentences)
        ]
        raws, gleaned = self._extract([w for _, w in windows])
        failed = self.failed_since(before)
        by_chunk: dict[int, list[tuple[str, list[str]]]] = {}
        for (ci, text), raw in zip(windows, raws):
            by_chunk.setdefault(ci, []).append((text, raw))
        out, dropped = [], []
        totals = {"bad_lines": 0, "unparseable_records": 0, "ungrounded_records": 0, "copied_records": 0,
                  "candidate_entities": 0, "co_mention_relations": 0}  # fmt: skip
        for ci, row in enumerate(inputs):
            proposed_e, proposed_r, row_raws, bad, unparseable = [], [], [], 0, 0
            for text, raw in by_chunk.get(ci, []):
                row_raws.extend(raw)
                parsed = parse_kg_records("\n".join(raw))
                bad += len(parsed.bad_lines)
                unparseable += parsed.unparseable_records
                for e in parsed.entities:
                    if copied_from_examples(e["name"], text):
                        totals["copied_records"] += 1
                    else:
                        proposed_e.append(e)
                for r in parsed.relations:
                    if copied_from_examples(f"{r['source']} {r['target']}", text):
                        totals["copied_records"] += 1
                    else:
                        proposed_r.append(r)
            # German capitalises every noun: capitalised spans are names only in other Latin-script languages
            candidates = self.name_candidates and row.get("language", "und") not in NO_CANDIDATE_LANGUAGES
            grounded = ground_records(row["chunk_id"], per_chunk[ci], proposed_e, proposed_r, use_candidates=candidates)
            totals["bad_lines"] += bad
            totals["unparseable_records"] += unparseable
            totals["ungrounded_records"] += len(grounded.ungrounded)
            totals["candidate_entities"] += sum(e["found_by"] == "candidate" for e in grounded.entities)
            totals["co_mention_relations"] += sum(r["found_by"] == "co_mention" for r in grounded.relations)
            result = {
                **row,
                "entities": grounded.entities,
                "relations": grounded.relations,
                "sentences": [s.text for s in per_chunk[ci]],
                "extraction_raw": row_raws,
                "bad_lines": bad,
            }
            if grounded.entities:
                out.append(result)
            elif failed and not any(row_raws):
                dropped.append((result, "engine_failed"))  # the engine gave up: not an empty chunk
            elif unparseable:  # the model wrote records we could not read: not the same as an empty chunk
                dropped.append((result, "unparseable_records"))
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
                "windows": len(windows),
                "gleaned_records": gleaned,
                **totals,
            },
        )
        self._logger.info(
            f"[graphgen] extract: {len(inputs)} chunks -> {len(out)} with records, {len(dropped)} without"
        )
        return out
