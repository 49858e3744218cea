"""Answer-first QA generation for every mode: the answer is a span of the evidence, the LLM phrases the
question, a checked template covers the fact when the LLM cannot (`generator` says which)."""

import hashlib
import random

from pydantic import PrivateAttr

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen import answer_first as af
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.corpus_index import CorpusIndex
from synth_hf.text.substitute import substitutions

LETTERS = "ABCD"
AGGREGATED_QUESTIONS = {
    "concise": "What do the sources say about {name}?",
    "detailed": "Explain what is known about {name}.",
    "exam": "Summarize the key facts about {name}.",
    "curious_student": "What should I know about {name}?",
    "clinical_case": "What facts about {name} matter in practice?",
}


def _sentences(row: dict) -> list[str]:
    return [e["sentence"] for e in row.get("evidence") or []]


class GenerateQA(GraphGenMixin, LLMStep):
    """Reads planned samples (see `grounded_plan`); writes `question`, `answer`, `generator` ('llm' |
    'template'), `question_rejected` (why the LLM's question was refused, '' if none), `options`,
    `generation_raw`. A sample for which neither the LLM nor a template yields a question is dropped
    with its reason; support is checked by the next step (`VerifySupport`), not here."""

    graph_dir: str | None = None
    max_new_tokens: int = 48
    temperature: float = 0.0
    answer_with_evidence: bool = True
    use_llm: bool = True
    template_style: str = "cloze"
    _index: CorpusIndex | None = PrivateAttr(None)

    @property
    def inputs(self) -> list[str]:
        return ["sample_id", "mode", "style", "evidence", "answer_span"]

    @property
    def outputs(self) -> list[str]:
        return ["question", "answer", "generator", "question_rejected", "options", "generation_raw"]

    def load(self) -> None:
        super().load()
        self._index = CorpusIndex(self.graph_dir)

    def _llm_questions(self, rows: list[dict]) -> list[str]:
        prompts = []
        for row in rows:
            ev = _sentences(row)
            if row["mode"] in ("multi_hop", "cot"):
                prompts.append(af.multi_hop_prompt(ev[0], ev[-1], (row["anchor_names"] or [""])[0],
                                                   (row["hidden_names"] or [""])[0], row["answer_span"]))  # fmt: skip
            else:
                prompts.append(af.question_prompt(ev[0], row["answer_span"]))
        if not prompts or not self.use_llm:
            return [""] * len(rows)
        return self.gen(prompts, max_new_tokens=self.max_new_tokens, temperature=self.temperature, stop=af.STOP)

    def _question(self, row: dict, raw: str) -> tuple[str | None, str, str]:
        """(question, generator, why the LLM question was rejected)."""
        ev, span = _sentences(row), row["answer_span"]
        multi = row["mode"] in ("multi_hop", "cot")
        question = af.clean_question(raw)
        why = af.verify_question(question, span, ev, must_name=row.get("anchor_names") or [],
                                 must_not_name=row.get("hidden_names") or []) if raw else "no_llm_output"  # fmt: skip
        if not why:
            return question, "llm", ""
        if multi:
            fallback = af.multi_hop_template(ev[0], ev[-1], (row["hidden_names"] or [""])[0], span)
        elif self.template_style == "wh":  # the sentence asked back with a wh-word; a cloze if that fails
            fallback = af.wh_question(ev[0], span) or af.cloze_question(ev[0], span)
        else:
            fallback = af.cloze_question(ev[0], span)
        return fallback, "template", why

    def _build(self, row: dict, raw: str) -> tuple[dict | None, str]:
        mode, ev, span = row["mode"], _sentences(row), row["answer_span"]
        base = {**row, "generation_raw": [raw] if raw else [], "options": [], "question_rejected": ""}
        if mode == "true_false":
            statement, label = row["tf_statement"], bool(row["tf_label"])
            if not label:  # false by construction, made from this very sentence
                index = self._index or CorpusIndex(None)
                names = [*row.get("anchor_names", []), span]
                made = substitutions(ev[0], [n for n in names if n], index.pool, index.types,
                                     index.sentences_mentioning, limit=1)  # fmt: skip
                statement, label = (made[0]["statement"], False) if made else (ev[0], True)
            row = {**row, "tf_statement": statement, "tf_label": label}
            base = {**base, "tf_statement": statement, "tf_label": label}
            verdict = "True" if label else "False"
            q = f"True or false: {statement}"
            return {**base, "question": q, "answer": f"{verdict}. {' '.join(ev)}", "generator": "template"}, ""
        if mode == "aggregated":
            q = AGGREGATED_QUESTIONS.get(row["style"], AGGREGATED_QUESTIONS["concise"]).format(name=span)
            return {**base, "question": q, "answer": " ".join(ev), "generator": "template"}, ""
        question, generator, why = self._question(row, raw)
        if question is None:
            return None, f"no_question_{mode}: {why}"
        base.update(question_rejected=why, generator=generator)
        if mode == "cot":
            steps = " ".join(f"{lead} {s}" for lead, s in zip(("First,", "Then,", "Then,", "Then,"), ev))
            return {**base, "question": question, "answer": f"{steps} So the answer is {span}."}, ""
        answer = af.render_answer(span, ev, self.answer_with_evidence)
        if mode != "multiple_choice":
            return {**base, "question": question, "answer": answer}, ""
        index = self._index or CorpusIndex(None)
        distractors = af.options_for(span, index.pool, row.get("answer_type", ""), ev, row["sample_id"])
        if not distractors:
            return None, "mcq_too_few_distractors"
        options = [span, *distractors]
        random.Random(int(hashlib.sha256(row["sample_id"].encode()).hexdigest()[:8], 16)).shuffle(options)
        letter = LETTERS[options.index(span)]
        listing = "\n".join(f"{LETTERS[i]}) {o}" for i, o in enumerate(options))
        return {**base, "question": f"{question}\n{listing}", "answer": f"{letter}) {answer}",
                "options": options}, ""  # fmt: skip

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        asks = [r for r in inputs if r["mode"] in ("atomic", "multiple_choice", "multi_hop", "cot")]
        raws = dict(zip((r["sample_id"] for r in asks), self._llm_questions(asks)))
        engine_failed = self.failed_since(before) > 0
        out, dropped = [], []
        counts: dict[str, int] = {}
        for row in inputs:
            built, why = self._build(row, raws.get(row["sample_id"], ""))
            if built is None:
                dropped.append(({**row, "generation_raw": [raws.get(row["sample_id"], "")]}, why))
                continue
            if engine_failed and built["question_rejected"] == "no_llm_output":
                built["question_rejected"] = "engine_failed"  # the engine gave up, not the model
            key = f"{built['generator']}_questions"
            counts[key] = counts.get(key, 0) + 1
            if built["question_rejected"]:
                reason = built["question_rejected"].split(":")[0]
                counts[f"llm_question_rejected:{reason}"] = counts.get(f"llm_question_rejected:{reason}", 0) + 1
            out.append(built)
        self.account(inputs, len(out), dropped, usage_before=before, extra=counts)
        self._logger.info(f"[graphgen] generate: {len(inputs)} samples -> {len(out)} QA ({len(dropped)} dropped)")
        return out
