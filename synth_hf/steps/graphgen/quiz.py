"""Quiz per unit: statements that are certainly true (the evidence sentences, checked paraphrases) and
certainly false (entity / number substitutions from the same graph, checked negations)."""

from pydantic import PrivateAttr

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.corpus_index import CorpusIndex
from synth_hf.steps.graphgen.quiz_prompts import STOP, negation_prompt, paraphrase_prompt, parse_items
from synth_hf.steps.graphgen.rows import evidence_sentences, unit_statement
from synth_hf.text.substitute import substitutions
from synth_hf.text.support import check_support

# A paraphrase must keep half of the statement's content words, or it is not the same fact.
PARAPHRASE_OVERLAP = 0.5


class QuizUnits(GraphGenMixin, LLMStep):
    """Reads unit rows; writes `quiz_statements`, `quiz_labels` (True = true statement), `quiz_kinds`
    (original / paraphrase / substitution / negation) and `quiz_raw`.

    True: up to `max_true` evidence sentences, plus LLM paraphrases that pass the support check.
    False: up to `n_substitutions` swaps of an entity (same type, same graph) or a number — false by
    construction, and checked against every corpus sentence that mentions the new name — plus LLM
    negations that the support check rejects. A unit always keeps at least one true statement.
    Source: GraphGen (Chen et al., 2025) §3.2 knowledge-blind-spot probing, with substitution added.
    """

    graph_dir: str | None = None
    n_paraphrases: int = 2
    n_negations: int = 2
    n_substitutions: int = 2
    max_true: int = 2
    max_new_tokens: int = 96
    _index: CorpusIndex | None = PrivateAttr(None)

    def may_call(self) -> bool:
        """No paraphrase and no negation asked: the statements are evidence and substitutions only."""
        return self.n_paraphrases > 0 or self.n_negations > 0

    @property
    def inputs(self) -> list[str]:
        return ["unit_id", "kind", "name", "description"]

    @property
    def outputs(self) -> list[str]:
        return ["quiz_statements", "quiz_labels", "quiz_kinds", "quiz_raw"]

    def load(self) -> None:
        super().load()
        self._index = CorpusIndex(self.graph_dir)

    def _mentioned(self, row: dict) -> list[str]:
        index = self._index or CorpusIndex(None)
        if row["kind"] == "node":
            return [row.get("name", "")]
        labels = [n.strip() for n in str(row.get("name", "")).split("->")]
        ends = [row.get("source", ""), row.get("target", "")]
        return [index.names.get(end) or label for end, label in zip(ends, labels)]

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        index = self._index or CorpusIndex(self.graph_dir)
        trues = [(evidence_sentences(row) or [unit_statement(row)])[: self.max_true] for row in inputs]
        prompts, slots = [], []
        for i, sentences in enumerate(trues):
            if self.n_paraphrases:
                prompts.append(paraphrase_prompt(sentences[0]))
                slots.append((i, "paraphrase"))
            if self.n_negations:
                prompts.append(negation_prompt(sentences[0]))
                slots.append((i, "negation"))
        # Room for the requested items plus the model's habit of writing a few more.
        budget = min(self.max_new_tokens * max(self.n_paraphrases, self.n_negations, 1), 1024)
        texts = self.gen(prompts, max_new_tokens=budget, stop=STOP) if prompts else []
        raw: dict[int, list[str]] = {}
        items: dict[tuple[int, str], list[str]] = {}
        rejected = {"paraphrase": 0, "negation": 0}
        for (i, kind), text in zip(slots, texts):
            raw.setdefault(i, []).append(text)
            evidence = evidence_sentences(inputs[i]) or trues[i]
            if kind == "paraphrase":
                got = parse_items(text, trues[i][0], self.n_paraphrases * 2, PARAPHRASE_OVERLAP)
                ok = [p for p in got if check_support(p, evidence).supported]
            else:
                got = parse_items(text, trues[i][0], self.n_negations * 2)
                ok = [n for n in got if not check_support(n, evidence).supported]
            rejected[kind] += len(got) - len(ok)
            items[(i, kind)] = ok[: self.n_paraphrases if kind == "paraphrase" else self.n_negations]
        out = []
        counts = {"substitutions": 0, "paraphrases": 0, "negations": 0}
        for i, row in enumerate(inputs):
            para, neg = items.get((i, "paraphrase"), []), items.get((i, "negation"), [])
            subs: list[str] = []
            for sentence in trues[i]:
                if len(subs) >= self.n_substitutions:
                    break
                made = substitutions(sentence, [m for m in self._mentioned(row) if m], index.pool, index.types,
                                     index.sentences_mentioning, limit=self.n_substitutions - len(subs))  # fmt: skip
                subs.extend(s["statement"] for s in made if s["statement"] not in subs)
            counts["substitutions"] += len(subs)
            counts["paraphrases"] += len(para)
            counts["negations"] += len(neg)
            statements = [*trues[i], *para, *subs, *neg]
            out.append({
                **row,
                "quiz_statements": statements,
                "quiz_labels": [True] * (len(trues[i]) + len(para)) + [False] * (len(subs) + len(neg)),
                "quiz_kinds": ["original"] * len(trues[i]) + ["paraphrase"] * len(para)
                + ["substitution"] * len(subs) + ["negation"] * len(neg),
                "quiz_raw": raw.get(i, []),
            })  # fmt: skip
        self.account(
            inputs,
            len(out),
            usage_before=before,
            extra={
                "statements": sum(len(r["quiz_statements"]) for r in out),
                **counts,
                "paraphrases_unsupported": rejected["paraphrase"],
                "negations_still_supported": rejected["negation"],
            },
        )
        self._logger.info(
            f"[graphgen] quiz: {len(inputs)} units -> {sum(len(r['quiz_statements']) for r in out)} statements"
        )
        return out
