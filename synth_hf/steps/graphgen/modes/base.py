"""What a GraphGen QA mode is: how it is planned, its question prompt, its parser, how it renders the
row, and its support check. Each mode is one file in this package, registered by name (`register`).

A generated row comes from a planned sample (columns: `partition.SAMPLE_COLUMNS`): its `evidence`
(list of {chunk_id, sentence}), `answer_span`, `anchor_names` (the question must name one),
`hidden_names` (it must name none), `answer_type`, `style`, `tf_statement` / `tf_label`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from synth_hf.steps.graphgen.corpus_index import CorpusIndex
from synth_hf.text import answer_first as af

# fact: one evidence sentence per sample, modes rotating over the facts (`rows_per_fact`);
# entity: one entity's sentences inside a partition subgraph; path: two edges through a bridge entity.
PLANNERS = ("fact", "entity", "path")


@dataclass
class GenContext:
    """What a mode may use while generating: the graph's names and corpus sentences (`index`, for
    distractors and substitutions) and the generation settings."""

    index: CorpusIndex = field(default_factory=lambda: CorpusIndex(None))
    template_style: str = "cloze"  # "cloze" | "wh"
    answer_with_evidence: bool = True


def sentences(row: dict[str, Any]) -> list[str]:
    """The evidence sentences of a sample or row, in order."""
    return [e["sentence"] for e in row.get("evidence") or []]


class QAMode:
    """One QA mode. Subclasses set `name` and `planner` (one of PLANNERS) and implement `render` and
    `verify`; a mode that asks the LLM for its question (`asks_llm`) also implements `prompt` and
    `template` (the deterministic question used when the LLM's is refused). A mode that builds its
    row without the LLM sets `asks_llm = False` and overrides `generate`."""

    name: ClassVar[str] = ""
    planner: ClassVar[str] = "fact"
    asks_llm: ClassVar[bool] = True

    # ------------------------------------------------------------------------------------- planning
    def plan_fields(self, sentence: str, n: int) -> dict[str, Any]:
        """Extra sample fields for this mode's `n`-th fact (fact planner only); keys must be sample
        columns the planner knows (`tf_statement`, `tf_label`, ...)."""
        return {}

    # ----------------------------------------------------------------------------------- generation
    def prompt(self, row: dict[str, Any]) -> str:
        """The LLM prompt that asks for the question (ends where the question starts)."""
        raise NotImplementedError(f"mode {self.name!r} asks the LLM but has no prompt")

    def parse(self, raw: str) -> str:
        """The question from the LLM's raw reply."""
        return af.clean_question(raw)

    def check_question(self, question: str, row: dict[str, Any]) -> str:
        """'' when the LLM's question is usable, else why not (see `answer_first.verify_question`)."""
        return af.verify_question(question, row["answer_span"], sentences(row),
                                  must_name=row.get("anchor_names") or [],
                                  must_not_name=row.get("hidden_names") or [])  # fmt: skip

    def template(self, row: dict[str, Any], ctx: GenContext) -> str | None:
        """A deterministic question from the evidence (None when none can be made)."""
        raise NotImplementedError(f"mode {self.name!r} asks the LLM but has no template question")

    def render(self, row: dict[str, Any], question: str, ctx: GenContext) -> tuple[dict | None, str]:
        """({"question", "answer"[, "options"]}, '') or (None, why the sample cannot become a row)."""
        raise NotImplementedError

    def generate(self, row: dict[str, Any], raw: str, ctx: GenContext) -> tuple[dict | None, str]:
        """Columns for the row from the sample and the LLM's raw reply ('' when none): the LLM's question
        if it passes `check_question`, else the template; `question_rejected` says why the LLM's was
        refused. (None, reason) when neither gives a question or `render` refuses."""
        question = self.parse(raw)
        why = self.check_question(question, row) if raw else "no_llm_output"
        generator = "llm" if not why else "template"
        if why:
            question, refused = self.checked_template(row, ctx)
            why = refused or why
        if question is None:
            return None, f"no_question_{self.name}: {why}"
        built, reason = self.render(row, question, ctx)
        if built is None:
            return None, reason
        return {"question_rejected": why, "generator": generator, **built}, ""

    def checked_template(self, row: dict[str, Any], ctx: GenContext) -> tuple[str | None, str]:
        """(`template`, ''), or (None, why the template cannot stand) for a mode that checks its template."""
        return self.template(row, ctx), ""

    # --------------------------------------------------------------------------------- verification
    def verify(self, row: dict[str, Any], evidence: list[str]) -> str:
        """'' when the row rests on its `evidence` (non-empty sentences), else the reason."""
        raise NotImplementedError


def span_verdict(row: dict[str, Any], evidence: list[str], answer: str, last_hop: bool = False,
                 question_check: bool = True) -> str:  # fmt: skip
    """The support check of a row whose answer is a span: the question (first line) must not give the
    span away, and the span must occur in the evidence (the last sentence only, with `last_hop`) with
    the whole `answer` supported by it."""
    span = row.get("answer_span", "")
    if question_check and af.gives_away(row["question"].split("\n")[0], span):
        return "question_gives_answer"
    return af.verify_answer(answer, span, evidence, last_hop=evidence[-1] if last_hop else None)
