"""Fields shared by the AIDE steps that render prompts (declared once, mixed into each step)."""

from __future__ import annotations

from pydantic import Field


class HopMixin:
    hop: int = Field(default=1, ge=1, description="The hop this stage builds (children have this hop).")
    seed_format: str = Field(default="qa", description="qa | mcq | true_false")
    task_description: str | None = None
    demonstrations: list[dict] = Field(default_factory=list, description="[{question, options, answer}]")


class SynthesisMixin(HopMixin):
    operations: dict[str, str] = Field(default_factory=dict, description="name -> instruction")
    operation_templates: dict[str, str] = Field(default_factory=dict, description="name -> Jinja template")
    temperature: float = 0.7
    max_new_tokens: int = 192
    generation_seed: int | None = None
    llm_questions: bool = Field(default=True, description="Answer-first rows: the LLM phrases the question "
                                "(checked, a refused one templated); False = the template question, no call.")

    def synthesis_kwargs(self) -> dict:
        return {
            "fmt": self.seed_format,
            "task_description": self.task_description,
            "demonstrations": self.demonstrations,
            "operations": self.operations,
            "operation_templates": self.operation_templates,
        }

    def generation_kwargs(self) -> dict:
        from synth_hf.steps.aide.synthesis_prompts import STOP

        return {
            "temperature": self.temperature,
            "max_new_tokens": self.max_new_tokens,
            "stop": STOP,
            "seed": self.generation_seed,
        }
