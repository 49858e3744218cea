"""GeneratePersonaPool: when no persona dataset is given, the LLM describes people who would ask
each seed (one call per seed, `per_seed` samples); the pool is written to `pool_path` for the
retrieval stages. It is a side branch of the DAG (load_seeds -> persona_pool -> join before
retrieve_personas_h1, `synth_hf.steps.common.join`): it runs beside hop 1's planning and attribute
extraction and emits no rows, the pool file is its product. The builder gives it all seeds as one
batch (input_batch_size = number of seeds), so the pool is written once."""

from distilabel.steps import StepInput
from distilabel.typing import StepOutput
from pydantic import Field

from synth_hf.models.base import GenParams
from synth_hf.steps.aide.personas import PersonaPool, clean_pool, save_pool
from synth_hf.steps.aide.synthesis_prompts import persona_pool_prompt
from synth_hf.steps.common.base import LLMStep


class GeneratePersonaPool(LLMStep):
    seed_format: str = "qa"
    per_seed: int = Field(default=4, ge=1)
    pool_path: str
    expected_seeds: int = Field(ge=1)
    temperature: float = 0.9
    max_new_tokens: int = 48
    generation_seed: int | None = None

    @property
    def inputs(self) -> list[str]:
        return ["question", "hop"]

    @property
    def outputs(self) -> list[str]:
        return []

    def memo_valid(self) -> bool:
        """A memo hit skips writing the pool: only valid while the pool file is there."""
        import os

        return os.path.exists(self.pool_path)

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        before = self.llm.usage
        seeds = [r for r in inputs if r["hop"] == 0]
        if len(seeds) != self.expected_seeds:  # the pool must be written once, from every seed
            raise RuntimeError(f"persona_pool got {len(seeds)} of {self.expected_seeds} seeds in one batch")
        prompts = [persona_pool_prompt(self.seed_format, r["question"]) for r in seeds]
        params = GenParams(
            max_new_tokens=self.max_new_tokens,
            temperature=self.temperature,
            top_p=0.95,
            n=self.per_seed,
            stop=["\n", "###"],
            seed=self.generation_seed,
        )
        raw = [t for c in self.llm.complete(prompts, params) for t in c.texts] if prompts else []
        # The prompt ends with "Person: A" so a base model writes a person, not an answer.
        texts, stats = clean_pool(_persona(t) for t in raw)
        if not texts:
            raise ValueError(
                f"persona generation from {len(seeds)} seeds produced no usable persona; "
                "give a persona dataset (personas.source) instead"
            )
        save_pool(
            PersonaPool(texts, "generated-from-seeds", "same as the generated data", None, stats),
            self.pool_path,
        )
        self.account(
            inputs,
            0,
            usage_before=before,
            extra={"personas_generated": len(raw), "personas_kept": len(texts)},
        )
        yield []


def _persona(continuation: str) -> str:
    """' retired teacher ...' -> 'A retired teacher ...'; 'n engineer ...' -> 'An engineer ...'."""
    text = continuation.split("###")[0].split("\n")[0].rstrip()
    return ("A" + text).strip() if text.strip() else ""
