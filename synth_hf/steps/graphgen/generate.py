"""Answer-first QA generation for every mode: the answer is a span of the evidence, the LLM phrases the
question, a checked template covers the fact when the LLM cannot (`generator` says which). What each
mode asks and renders is its file in `modes/`."""

from pydantic import PrivateAttr

from synth_hf.steps.common.base import LLMStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.corpus_index import CorpusIndex
from synth_hf.steps.graphgen.modes import GenContext, get_mode
from synth_hf.text import answer_first as af


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

    def may_call(self) -> bool:
        """`use_llm=False`: template questions only, no call."""
        return self.use_llm

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
        prompts = [get_mode(row["mode"]).prompt(row) for row in rows]
        if not prompts or not self.use_llm:
            return [""] * len(rows)
        return self.gen(prompts, max_new_tokens=self.max_new_tokens, temperature=self.temperature, stop=af.STOP)

    def _build(self, row: dict, raw: str, ctx: GenContext) -> tuple[dict | None, str]:
        """The row the sample's mode makes (see `modes`), or (None, why it cannot)."""
        built, why = get_mode(row["mode"]).generate(row, raw, ctx)
        if built is None:
            return None, why
        base = {**row, "generation_raw": [raw] if raw else [], "options": [], "question_rejected": ""}
        return {**base, **built}, ""

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        before = self.llm.usage
        asks = [r for r in inputs if get_mode(r["mode"]).asks_llm]
        raws = dict(zip((r["sample_id"] for r in asks), self._llm_questions(asks)))
        engine_failed = self.failed_since(before) > 0
        out, dropped = [], []
        counts: dict[str, int] = {}
        ctx = GenContext(self._index or CorpusIndex(None), self.template_style, self.answer_with_evidence)
        for row in inputs:
            built, why = self._build(row, raws.get(row["sample_id"], ""), ctx)
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
