"""SynthesizeChildren: one call per child, per (attribute x operation) and per retrieved persona.

Each call emits the child question together with a draft answer (checked later by the
annotator's independent solve). Residual connection: on residual hops >= 2 the original seed is
in every prompt, operation and persona alike; at hop 1 the parent is the seed. Parents pass
through; seeds are consumed here (hop 1), so they can never reach the output."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.steps.aide.context import SynthesisMixin
from synth_hf.steps.aide.outputs import apply_synthesis
from synth_hf.steps.aide.planning import branch_counts, hop_children
from synth_hf.steps.aide.synthesis_prompts import synthesis_prompt
from synth_hf.steps.common.base import LLMStep


class SynthesizeChildren(SynthesisMixin, LLMStep):
    operation_order: list[str] = Field(default_factory=list, description="Operations used, in order.")
    operations_per_node: int = 3
    residual: bool = Field(default=True, description="This hop is a residual hop (seed in the prompts).")
    evol: bool = Field(default=False, description="Evol-Instruct-style baseline: operations only.")

    @property
    def inputs(self) -> list[str]:
        return ["row_id", "question", "hop", "attributes", "personas", "attr_quota", "persona_quota"]

    @property
    def outputs(self) -> list[str]:
        return [
            "parent_id",
            "branch",
            "operation",
            "attribute_triplet",
            "persona",
            "draft_answer",
            "residual",
        ]

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        before = self.llm.usage
        kept = [dict(r) for r in inputs if r["hop"] != 0]
        seeds = len(inputs) - len(kept)
        children = hop_children(
            inputs, self.hop, self.operation_order, self.operations_per_node, self.residual, self.evol
        )
        prompts = [synthesis_prompt(c, **self.synthesis_kwargs()) for c in children]
        texts = self.llm.generate_texts(prompts, **self.generation_kwargs()) if prompts else []
        good, dropped = [], []
        for child, text in zip(children, texts):
            child["synth_model"], child["synthesis_raw"] = self.llm.model_name, text
            reason = apply_synthesis(child, text, self.seed_format)
            (dropped.append((child, f"synthesis_{reason}")) if reason else good.append(child))
        self.account(
            inputs,
            len(kept) + len(good),
            dropped=dropped,
            usage_before=before,
            extra={**branch_counts(children), "seeds_consumed": seeds},
        )
        yield kept + good
