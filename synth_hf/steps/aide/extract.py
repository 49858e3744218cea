"""ExtractAttributes: topic + k (attribute, relation) triplets of each row that will get children.

Structured output through the engine's `generate_json` (native or schema-in-prompt, lenient
parse, bounded retry); the raw reply is kept. Rows without a quota (leaves) are passed through
untouched, so no call is ever spent on a leaf.

A small model often returns no usable attribute (the topic again, '...' copied from the format, one
attribute repeated): the row then takes attributes from its own question's words
(`attributes_from_question`), so the attribute branch is never silently empty.

`from_question=True` makes no call at all: every expanding row takes its topic (`question_topic`) and
attributes from its own question's words; for models whose extraction is mostly unusable (Gemma-3-270M:
6 of 9 extractions fell back to the question's words, and two of the others invented a relation the
documents contradict)."""

from typing import Any

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.models.base import StructuredResult
from synth_hf.steps.aide.context import HopMixin
from synth_hf.steps.aide.outputs import (
    fallback_attributes,
    fallback_topic,
    normalize_extraction,
    question_topic,
)
from synth_hf.steps.aide.synthesis_prompts import EXTRACTION_SCHEMA, extraction_prompt, extraction_schema
from synth_hf.steps.common.base import LLMStep


class ExtractAttributes(HopMixin, LLMStep):
    attributes_per_node: int = Field(default=2, ge=0)
    max_new_tokens: int = 160
    from_question: bool = Field(
        default=False, description="Topic and attributes from the question's own words, no call."
    )

    # The JSON sits on one line in the few-shot examples: stop at the first blank line / next block.
    stop: list[str] = Field(default_factory=lambda: ["###", "\n\n", "\nQuestion", "\nStatement"])

    def may_call(self) -> bool:
        """`from_question` makes no call."""
        return not self.from_question

    @property
    def inputs(self) -> list[str]:
        return ["question", "options", "hop", "attr_quota", "persona_quota"]

    @property
    def outputs(self) -> list[str]:
        return ["topic", "attributes", "extraction_raw"]

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        before = self.llm.usage
        rows = [dict(r) for r in inputs]
        todo = [
            i
            for i, r in enumerate(rows)
            if r["hop"] == self.hop - 1 and (r["attr_quota"] + r["persona_quota"]) > 0
        ]
        k = max(1, self.attributes_per_node)
        if self.from_question:
            yield self._from_question(inputs, rows, todo)
            return
        prompts = [
            extraction_prompt(self.seed_format, rows[i]["question"], rows[i]["options"], k) for i in todo
        ]
        # bounds only where decoding enforces them: in a prompt-only schema check, a reply with one
        # attribute too many would fail and be re-asked, though normalize_extraction trims it anyway
        native = getattr(self.llm, "native_structured_output", False)
        results = (
            self.llm.generate_json(
                prompts,
                extraction_schema(k) if native else EXTRACTION_SCHEMA,
                max_new_tokens=self.max_new_tokens,
                temperature=0.0,
                stop=self.stop,
            )
            if prompts
            else []
        )
        failed = short = topped_up = 0
        for i, result in zip(todo, results):
            row = rows[i]
            topic, attributes = normalize_extraction(_salvage(result), k)
            if topic is None:
                failed += 1
            if row["attr_quota"] and len(attributes) < self.attributes_per_node:
                extracted = len(attributes)
                attributes = fallback_attributes(row["question"], topic, attributes, self.attributes_per_node)
                topped_up += len(attributes) > extracted
            if row["attr_quota"] and len(attributes) < self.attributes_per_node:
                short += 1  # fewer attribute children than planned
            row["topic"] = topic or fallback_topic(row["question"])
            row["attributes"] = attributes
            row["extraction_raw"] = result.raw
        self.account(
            inputs,
            len(rows),
            usage_before=before,
            extra={
                "extracted": len(todo),
                "extraction_failed": failed,
                "fewer_attributes": short,
                "attributes_from_question": topped_up,
                "skipped_leaves": sum(1 for r in rows if r["hop"] == self.hop - 1) - len(todo),
            },
        )
        yield rows

    def _from_question(self, inputs: list[dict], rows: list[dict], todo: list[int]) -> list[dict]:
        for i in todo:
            row = rows[i]
            row["topic"] = question_topic(row["question"])
            wanted = self.attributes_per_node if row["attr_quota"] else 0
            row["attributes"] = fallback_attributes(row["question"], row["topic"], [], wanted)
            row["extraction_raw"] = None
        with_quota = [rows[i] for i in todo if rows[i]["attr_quota"]]
        self.account(
            inputs,
            len(rows),
            usage_before=self.llm.usage,  # no call: the ledger says 0
            extra={
                "extracted": 0,
                "attributes_from_question": len(with_quota),
                "fewer_attributes": sum(len(r["attributes"]) < self.attributes_per_node for r in with_quota),
                "skipped_leaves": sum(1 for r in rows if r["hop"] == self.hop - 1) - len(todo),
            },
        )
        return rows


def _salvage(result: StructuredResult) -> Any:
    """The parsed JSON; failing the schema (e.g. a reply cut at max_new_tokens), whatever the
    lenient parser can still repair from the raw text: valid items are kept, broken ones skipped."""
    if result.ok:
        return result.data
    from synth_hf.text.parsing import extract_json

    return extract_json(result.raw, expect=dict).value
