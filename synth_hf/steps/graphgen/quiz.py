"""Quiz per unit: the original statement plus N paraphrases (true) and N negations (false)."""

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.quiz_prompts import STOP, negation_prompt, paraphrase_prompt, parse_items
from synth_hf.steps.graphgen.rows import unit_statement

# A paraphrase must keep half of the statement's content words, or it is not the same fact.
PARAPHRASE_OVERLAP = 0.5


class QuizUnits(GraphGenMixin, LLMStep):
    """Reads unit rows; writes `quiz_statements`, `quiz_labels` (True = the statement is true),
    `quiz_kinds` (original / paraphrase / negation) and `quiz_raw`. A unit always keeps at least its
    original statement; missing paraphrases or negations are counted, not fatal."""

    n_paraphrases: int = 2
    n_negations: int = 2
    max_new_tokens: int = 96

    @property
    def inputs(self) -> list[str]:
        return ["unit_id", "kind", "name", "description"]

    @property
    def outputs(self) -> list[str]:
        return ["quiz_statements", "quiz_labels", "quiz_kinds", "quiz_raw"]

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        statements = [unit_statement(row) for row in inputs]
        prompts, slots = [], []
        for i, statement in enumerate(statements):
            if self.n_paraphrases:
                prompts.append(paraphrase_prompt(statement))
                slots.append((i, "paraphrase"))
            if self.n_negations:
                prompts.append(negation_prompt(statement))
                slots.append((i, "negation"))
        # Room for the requested items plus the model's habit of writing a few more.
        budget = min(self.max_new_tokens * max(self.n_paraphrases, self.n_negations, 1), 1024)
        texts = self.gen(prompts, max_new_tokens=budget, stop=STOP) if prompts else []
        items: dict[tuple[int, str], list[str]] = {}
        raw: dict[int, list[str]] = {}
        for (i, kind), text in zip(slots, texts):
            if kind == "paraphrase":
                items[(i, kind)] = parse_items(text, statements[i], self.n_paraphrases, PARAPHRASE_OVERLAP)
            else:
                items[(i, kind)] = parse_items(text, statements[i], self.n_negations)
            raw.setdefault(i, []).append(text)
        out, missing = [], {"paraphrase": 0, "negation": 0}
        for i, row in enumerate(inputs):
            para, neg = items.get((i, "paraphrase"), []), items.get((i, "negation"), [])
            missing["paraphrase"] += self.n_paraphrases - len(para)
            missing["negation"] += self.n_negations - len(neg)
            out.append(
                {
                    **row,
                    "quiz_statements": [statements[i], *para, *neg],
                    "quiz_labels": [True] * (1 + len(para)) + [False] * len(neg),
                    "quiz_kinds": ["original"] + ["paraphrase"] * len(para) + ["negation"] * len(neg),
                    "quiz_raw": raw.get(i, []),
                }
            )
        self.account(
            inputs,
            len(out),
            usage_before=before,
            extra={
                "statements": sum(len(r["quiz_statements"]) for r in out),
                "missing_paraphrases": missing["paraphrase"],
                "missing_negations": missing["negation"],
            },
        )
        self._logger.info(
            f"[graphgen] quiz: {len(inputs)} units -> {sum(len(r['quiz_statements']) for r in out)} statements"
        )
        return out
