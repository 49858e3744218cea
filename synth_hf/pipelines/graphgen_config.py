"""GraphGen configuration: one pydantic object drives the CLI, the recipes and the Python API."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from synth_hf.config import (
    SOURCE_LICENSE_HELP,
    ConfigBase,
    EngineConfig,
    RecipeConfig,
    RunConfig,
    SourceLicense,
)
from synth_hf.steps.graphgen.modes import mode_names
from synth_hf.text.chunking import check_separators

GENERATION_MODES = mode_names()  # the built-in modes; validation reads the live registry (modes/)
DEFAULT_STYLES = ["concise", "detailed", "exam", "curious_student", "clinical_case"]


class InputConfig(ConfigBase):
    source: str = Field(
        description="Hub dataset id, or a local jsonl/json/csv/parquet/txt/md file or folder."
    )
    text_column: str = "text"
    split: str = "train"
    limit: int | None = Field(default=None, ge=1, description="Use only the first N documents.")
    license: SourceLicense = Field(default=None, description=SOURCE_LICENSE_HELP)


class ChunkingConfig(ConfigBase):
    chunk_size: int = Field(default=512, ge=8, description="Tokens of the synthesizer's tokenizer.")
    overlap: int = Field(default=64, ge=0)
    language_per_chunk: bool = True
    separators: list[str] | None = Field(
        default=None,
        description="Chunk boundaries, coarse to fine: literal strings, '<sentence>' (sentence ends of "
        "every supported script), '<clause>', 're:<pattern>'; '' = character windows. None = the default "
        "(blank line, line, sentence, clause, space, window).",
    )

    @model_validator(mode="after")
    def _overlap_fits(self) -> ChunkingConfig:
        if self.overlap >= self.chunk_size:
            raise ValueError(f"chunking.overlap ({self.overlap}) must be < chunk_size ({self.chunk_size})")
        if self.separators is not None:
            check_separators(self.separators)
        return self


class ExtractionConfig(ConfigBase):
    gleaning_rounds: int = Field(default=1, ge=0, description="Extra 'anything missed?' passes per window.")
    max_new_tokens: int = Field(default=384, ge=16)
    window_sentences: int = Field(
        default=3, ge=0, description="Sentences per extraction prompt (0 = the whole chunk at once)."
    )
    name_candidates: bool = Field(
        default=True,
        description="Add capitalised spans of the text as entity names (recall for small models); every "
        "name, the model's or a candidate, must occur in a sentence, which becomes its evidence.",
    )


class MergeConfig(ConfigBase):
    whole_names: bool = Field(
        default=True,
        description="A name the extraction cut short ('Kelmar') joins the whole extracted name its every "
        "evidence sentence spells ('Kelmar fever'), so facts about one entity meet in one node.",
    )
    embedding_merge: bool = False
    similarity_threshold: float = Field(default=0.92, gt=0, le=1)
    embedder: str | None = Field(default=None, description="None = the embedded all-MiniLM-L6-v2.")
    description_token_budget: int = Field(
        default=256, ge=8, description="Longer merged descriptions are summarised."
    )
    summary_max_new_tokens: int = Field(default=160, ge=16)


class QuizConfig(ConfigBase):
    n_paraphrases: int = Field(default=2, ge=0, description="LLM paraphrases (kept if supported).")
    n_negations: int = Field(default=2, ge=0, description="LLM negations (kept if no longer supported).")
    n_substitutions: int = Field(
        default=2, ge=0, description="False statements made by swapping an entity or number (by construction)."
    )
    max_true: int = Field(default=2, ge=1, description="Evidence sentences used as true statements per unit.")
    max_new_tokens: int = Field(default=96, ge=8)


class ProbeConfig(ConfigBase):
    n_bins: int = Field(default=10, ge=1)


class PartitionConfig(ConfigBase):
    method: Literal["bfs", "dfs", "loss", "louvain", "khop"] = "loss"
    params: dict[str, Any] = Field(
        default_factory=lambda: {"max_units": 6, "max_hops": 2, "loss_strategy": "max"},
        description="min_units, max_units, max_hops, max_tokens, loss_strategy, skip_isolated.",
    )
    seed: int = 0

    @field_validator("params")
    @classmethod
    def _known_params(cls, value: dict[str, Any]) -> dict[str, Any]:
        known = {"min_units", "max_units", "max_hops", "max_tokens", "loss_strategy", "skip_isolated"}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"unknown partition params {unknown}; known: {sorted(known)}")
        return value


class GenerationConfig(ConfigBase):
    modes: dict[str, int] = Field(
        default_factory=lambda: {m: 4 for m in mode_names()},
        description="How many QA samples to plan per mode (any registered mode: steps/graphgen/modes/).",
    )
    styles: list[str] = Field(default_factory=lambda: list(DEFAULT_STYLES))
    rows_per_fact: int = Field(
        default=1,
        ge=0,
        description="Rows per evidence sentence across atomic / multiple_choice / true_false (modes and "
        "answer spans rotate, so phrasings differ); 0 = use the per-mode counts instead.",
    )
    aggregate_size: int = Field(
        default=4,
        ge=0,
        description="Evidence sentences per aggregated row (an entity's facts, a few a row; 0 = all of them in "
        "one row, the entity's profile); two facts that open with the entity are joined into one statement "
        "('X is made by Y and was approved in 2009'). An entity gets at most one row per style (its profile "
        "included): one question never has two answers, so an entity with more facts gets bigger groups.",
    )
    aggregate_min_sentences: int = Field(
        default=2,
        ge=1,
        description="Entities with fewer evidence sentences get no aggregated row (1: every entity, so a "
        "sentence is also taught under the other entity it names, e.g. the company of 'X is made by Y').",
    )
    aggregate_profiles: bool = Field(
        default=False,
        description="After the grouped aggregated rows, one more per entity with all its evidence sentences "
        "(its profile), every entity of the graph with one included; counts toward modes.aggregated.",
    )
    llm_questions: bool = Field(
        default=True, description="Ask the synthesizer to phrase questions (else templates only)."
    )
    template_style: Literal["cloze", "wh"] = Field(
        default="cloze",
        description="Template question when the LLM's is refused (or off): 'Fill in the blank: ...' or the "
        "sentence asked back with a wh-word; multi-hop / CoT: a two-hop cloze with the link as 'X', or the "
        "second fact asked back with the link described by the first ('The drug that Brindle ague is treated "
        "with was developed by whom?'). Knowledge-lift figures for both: README, Benchmarks.",
    )
    answer_with_evidence: bool = Field(
        default=True, description="Answers give the span, then the evidence sentence(s) it rests on."
    )
    max_new_tokens: int = Field(default=48, ge=8, description="Per question (answers come from evidence).")
    temperature: float = Field(default=0.0, ge=0)
    system_prompt: str | None = None

    @field_validator("modes")
    @classmethod
    def _known_modes(cls, value: dict[str, int]) -> dict[str, int]:
        unknown = sorted(set(value) - set(mode_names()))
        if unknown:
            raise ValueError(f"unknown generation modes {unknown}; known: {list(mode_names())}")
        if any(n < 0 for n in value.values()):
            raise ValueError("generation.modes counts must be >= 0")
        if value and not any(value.values()):  # caught by --dry-run, not after extraction and probing
            raise ValueError("generation.modes asks for no rows (every count is 0): set at least one mode above 0")
        return value

    @field_validator("styles")
    @classmethod
    def _some_style(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("generation.styles needs at least one style")
        return value


class JudgeConfig(ConfigBase):
    enabled: bool = False
    role: Literal["advisory", "filter"] = Field(
        default="advisory",
        description="advisory: the judge scores and its agreement with the support check is reported; "
        "filter: rows must also pass the judge. The support check always gates.",
    )
    method: Literal["yes_no", "score"] = Field(
        default="yes_no", description="yes_no: p(yes) of 'is it supported?'; score: a 1-10 JSON score."
    )
    threshold: float = Field(default=0.5, ge=0, le=1, description="Rows scoring below are dropped.")


class DedupConfig(ConfigBase):
    enabled: bool = True
    threshold: float = Field(default=0.8, gt=0, le=1)
    # question and answer: template questions repeat ("Summarize the key facts about X."), so on the
    # question alone an entity's profile was a "duplicate" of its first pair of facts
    columns: list[str] = Field(default_factory=lambda: ["question", "answer"])


class GraphGenConfig(ConfigBase):
    """Everything a GraphGen run needs; `GraphGenConfig.load(path, set_items, flags)` reads YAML with
    overrides (see ConfigBase), `with_overrides` changes a loaded one."""

    config_name: ClassVar[str] = "graphgen config"
    input: InputConfig
    synthesizer: EngineConfig = Field(default_factory=EngineConfig)
    trainee: EngineConfig = Field(default_factory=EngineConfig)
    chunking: ChunkingConfig = Field(default_factory=ChunkingConfig)
    extraction: ExtractionConfig = Field(default_factory=ExtractionConfig)
    merge: MergeConfig = Field(default_factory=MergeConfig)
    quiz: QuizConfig = Field(default_factory=QuizConfig)
    probe: ProbeConfig = Field(default_factory=ProbeConfig)
    partition: PartitionConfig = Field(default_factory=PartitionConfig)
    generation: GenerationConfig = Field(default_factory=GenerationConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    run: RunConfig = Field(default_factory=lambda: RunConfig(name="graphgen"))
    sequential_steps: bool = Field(
        default=True,
        description="Load and run one step at a time: two engines never compete for the same cores or GPU "
        "memory (an idle vLLM engine still holds its KV cache). False streams batches between neighbouring steps.",
    )
    recipe: RecipeConfig | None = Field(
        default=None, description="Used by recipes/*.py (training, evaluation); the pipeline ignores it."
    )
