"""AIDE configuration: one pydantic object drives the CLI, the YAML recipes and the Python API."""

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
    apply_dotted,
    parse_set,
)

SeedFormat = Literal["qa", "mcq", "true_false"]
BUILTIN_OPERATIONS = ("concretize", "add_constraints", "add_reasoning")


class SeedConfig(ConfigBase):
    """Where the seeds come from and how their columns map onto question / answer (/ options)."""

    source: str | None = Field(default=None, description="Hub id or local jsonl/json/csv/parquet file.")
    split: str = "train"
    rows: list[dict[str, Any]] | None = Field(default=None, description="Inline seeds (instead of source).")
    format: SeedFormat = "qa"
    question_column: str = "question"  # "instruction" for instruction/response data
    answer_column: str = "answer"  # "response"; MCQ: option index (or letter / option text)
    options_column: str = "options"  # MCQ only: a list of option strings
    context_column: str | None = None  # e.g. Alpaca "input", appended to the question
    id_column: str | None = None
    answer_one_based: bool = False  # MCQ answer indices start at 1
    num_seeds: int | None = Field(default=None, ge=1, description="None = every valid row.")
    task_description: str | None = None
    demonstrations: list[dict[str, Any]] = Field(
        default_factory=list, description="Task examples, same column mapping as the seeds."
    )

    @model_validator(mode="after")
    def _one_source(self) -> SeedConfig:
        if (self.source is None) == (self.rows is None):
            # no "seeds:" prefix: the config error already names the field (it was said twice)
            raise ValueError("give exactly one of 'source' (dataset) or 'rows' (inline list); a recipe config "
                             "(recipes/configs/aide_medqa.yaml) leaves both out for its recipe to fill: "
                             "run the recipe, or give --seeds FILE")
        return self


class OperationConfig(ConfigBase):
    """A user operation: an `instruction` slotted into the standard synthesis prompt, or a full
    Jinja `template` (variables: see synth_hf/steps/aide/synthesis_prompts.py)."""

    instruction: str | None = None
    template: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> OperationConfig:
        if (self.instruction is None) == (self.template is None):
            raise ValueError("an operation needs exactly one of 'instruction' or 'template'")
        return self


class ExpansionConfig(ConfigBase):
    method: Literal["aide", "evol"] = Field(
        default="aide",
        description="'evol' = an Evol-Instruct-style baseline: each node gets `evol_children_per_node` "
        "children by the operations alone (no attribute extraction, no personas, no seed block beyond "
        "hop 1); reflection, dedup and annotation stay as configured.",
    )
    evol_children_per_node: int | None = Field(
        default=None, ge=1, description="Evol only: children per node (None = what the AIDE branching gives)."
    )
    depth: int = Field(default=2, description="K: number of hops.")
    attribute_depth: int | None = Field(
        default=None, ge=0, description="Hops with attribute children; None = K."
    )
    persona_depth: int | None = Field(default=None, ge=0, description="Hops with persona children; None = K.")
    residual_depth: int | None = Field(
        default=None,
        ge=1,
        description="The seed is in every synthesis prompt of hops 1..residual_depth (hop 1: as the parent; "
        "hops >= 2: as an extra 'original example' block). None = every hop.",
    )
    attributes_per_node: int = Field(default=2, ge=0)
    attributes_from: Literal["llm", "question"] = Field(
        default="llm",
        description="Where a node's topic and attribute triplets come from: 'llm' = one extraction call per "
        "expanding node (as in the paper; an unusable reply falls back to the question's words); 'question' "
        "= the node's own question (its names as the topic, its other content words as attributes), no "
        "call: for models whose extraction is mostly unusable.",
    )
    operations_per_node: int = Field(default=3, ge=0)
    answer_first: bool | None = Field(
        default=None,
        description="Grounded qa runs: each child is written for a fact of the documents (an unused evidence "
        "sentence retrieved for its parent + attribute / persona, and an answer span of it); the LLM only "
        "phrases the question, a refused one becomes a template question. None = on when `documents` are set, "
        "`annotation.answer_source` is 'evidence' and seeds are qa; false = free synthesis, answered afterwards.",
    )
    llm_questions: bool = Field(
        default=True,
        description="Answer-first children: the LLM phrases each question (checked; a refused one becomes the "
        "template question). false = the template question of the fact, no synthesis call: for a synthesizer "
        "whose questions never pass the checks (the embedded 270M model). Free synthesis (no documents) always "
        "asks the LLM: there is no fact to template.",
    )
    reasoning_chains: bool = Field(
        default=True,
        description="Answer-first children of the attribute branch with operation add_reasoning chain their fact "
        "through a second one: the question hides a name of the fact behind another sentence's description of "
        "it (a two-hop row, both sentences in its evidence; AIDE's add-reasoning operation); those with "
        "add_constraints ask their fact under another fact of its subject ('Zorvatide, which was approved in "
        "2009, is made by what?', answered with both facts joined). One that cannot be composed stays a one-hop "
        "row. The question is a template (no call).",
    )
    constraint_rows: bool = Field(
        default=True,
        description="With reasoning_chains: add_constraints children are composed (two facts joined in one "
        "answer). false = they stay one-hop rows of their own fact. On the knowledge-lift benchmark (session 16) "
        "questions covered only by such rows scored 30 % against 62-67 % for one-hop template rows.",
    )
    personas_per_node: int = Field(default=2, ge=0)
    max_rows: int | None = Field(default=None, ge=1, description="Cap on generated rows alive (all hops).")
    operations: list[str] = Field(default_factory=lambda: list(BUILTIN_OPERATIONS))
    custom_operations: dict[str, OperationConfig] = Field(default_factory=dict)
    temperature: float = Field(default=0.7, ge=0)
    max_new_tokens: int = Field(default=192, ge=8, description="Per synthesis call.")
    extraction_max_new_tokens: int = Field(default=160, ge=16)

    @model_validator(mode="after")
    def _check(self) -> ExpansionConfig:
        if self.depth < 1:
            raise ValueError(
                f"expansion.depth (K) must be >= 1, got {self.depth}: K=0 would generate nothing"
            )
        known = set(BUILTIN_OPERATIONS) | set(self.custom_operations)
        unknown = [op for op in self.operations if op not in known]
        if unknown:
            raise ValueError(
                f"unknown operations {unknown}; built-in: {list(BUILTIN_OPERATIONS)}, custom: "
                f"{list(self.custom_operations)}"
            )
        if self.attribute_branch_depth == 0 and self.persona_branch_depth == 0:
            raise ValueError("both attribute_depth and persona_depth are 0: nothing would be generated")
        return self

    @property
    def evol(self) -> bool:
        return self.method == "evol"

    @property
    def evol_children(self) -> int:
        """Children per node of an evol run (operation slots; personas do not exist there)."""
        if self.evol_children_per_node is not None:
            return self.evol_children_per_node
        return self.attributes_per_node * min(self.operations_per_node, len(self.operations)) + (
            self.personas_per_node
        )

    @property
    def attribute_branch_depth(self) -> int:
        if self.evol:  # evol children take the attribute slots, without attributes
            return self.depth if self.operations and self.evol_children else 0
        if self.attributes_per_node == 0 or self.operations_per_node == 0 or not self.operations:
            return 0
        return min(self.depth, self.depth if self.attribute_depth is None else self.attribute_depth)

    @property
    def persona_branch_depth(self) -> int:
        if self.evol or self.personas_per_node == 0:
            return 0
        return min(self.depth, self.depth if self.persona_depth is None else self.persona_depth)

    @property
    def residual_hops(self) -> list[int]:
        if self.evol:  # hop 1 rewrites the seed itself; deeper hops never see it
            return [1]
        last = self.depth if self.residual_depth is None else min(self.depth, self.residual_depth)
        return list(range(1, last + 1))

    def children_per_node(self, hop: int) -> int:
        if self.evol:
            return self.evol_children if hop <= self.attribute_branch_depth else 0
        attrs = self.attributes_per_node * min(self.operations_per_node, len(self.operations))
        return (attrs if hop <= self.attribute_branch_depth else 0) + (
            self.personas_per_node if hop <= self.persona_branch_depth else 0
        )


class PersonaConfig(ConfigBase):
    source: str | None = Field(
        default="builtin",
        description="'builtin' = the pool shipped with synth_hf (CC0, composed from project-written lists); "
        "a Hub id / local file with `text_column`; None = generate personas from the seeds with the LLM.",
    )

    @field_validator("source")
    @classmethod
    def _source_spelled(cls, value: str | None) -> str | None:
        # the review: "" silently meant "generate personas", and "Builtin" was taken for a Hub id
        if value is not None and not value.strip():
            raise ValueError("empty: use 'builtin', a persona table or Hub id, or null to generate personas")
        return "builtin" if value is not None and value.strip().casefold() == "builtin" else value
    split: str = "train"
    text_column: str = "persona"
    limit: int | None = Field(default=2000, ge=1, description="Pool rows kept (first N; builtin: its size).")
    license: SourceLicense = Field(default=None, description="Licence of the pool (a Hub licence id), carried "
                                   "to the card.")
    per_seed: int = Field(default=4, ge=1, description="Personas generated per seed when source is None.")
    embedder: str | None = None  # None = the embedded all-MiniLM-L6-v2
    cache_dir: str | None = None  # None = <synth_hf cache>/persona_embeddings


class ReflectionConfig(ConfigBase):
    """Self-reflection (on by default, as in the paper): attribute children are graded for relevance to
    the seed, persona children for diversity from their parent; failing rows are re-synthesized with
    the feedback up to `max_attempts` times, then dropped and counted. `grader: embedding` scores both
    on the same 1-10 scale from embedding cosines instead of asking the grader model."""

    enabled: bool = True
    grader: Literal["llm", "embedding"] = Field(
        default="llm",
        description="'llm' = the grader engine scores each child (one call); 'embedding' = no call: relevance "
        "= 1 + 9 * cosine(child, seed), diversity = 1 + 9 * (1 - cosine(child, parent)), negative cosines "
        "as 0, with `personas.embedder` (for graders that only copy the prompt's worked example, as "
        "Gemma-3-270M does).",
    )
    min_relevance: float = Field(default=6, ge=1, le=10, description="Attribute branch: relevance to the seed.")
    min_diversity: float = Field(default=5, ge=1, le=10, description="Persona branch: diversity from the parent.")
    max_attempts: int = Field(default=2, ge=0, description="Re-syntheses before a failing row is dropped.")


class AnnotationConfig(ConfigBase):
    """How new rows get their answers. Without documents: `verification` by the annotator. With documents
    (grounded), free-text (qa) answers follow `answer_source`: a draft answer from synthesis that passes
    the support check is kept in both modes; otherwise 'annotator' asks the annotator from the evidence
    (one call; `evidence_fallback` then covers an unsupported reply) and 'evidence' answers with the
    evidence sentence about the question without any call (what the shipped 270M recipes use: its
    annotator's answer passed the check for 2 of 31 recipe rows). Grounded MCQ and true/false answers
    come from the evidence in both modes."""

    verification: Literal["second_solve", "self_consistency", "none"] = "second_solve"
    samples: int = Field(default=3, ge=2, description="Self-consistency samples (one call, n samples).")
    temperature: float = Field(default=0.7, ge=0)
    min_agreement: float = Field(default=0.6, gt=0, le=1)
    free_text_threshold: float = Field(default=0.35, ge=0, le=1, description="Token-F1 for free text.")
    on_disagreement: Literal["drop", "flag"] = "drop"
    max_new_tokens: int = Field(default=256, ge=8)
    evidence_fallback: bool = Field(
        default=False,
        description="Grounded qa runs: when the annotator's answer fails the support check, answer with the "
        "first evidence sentence that carries the question's names (verification: evidence_sentence); for "
        "annotators too weak to phrase a supported answer.",
    )
    answer_source: Literal["annotator", "evidence"] = Field(
        default="annotator",
        description="Grounded qa runs, when the draft answer fails the support check: 'annotator' = the "
        "annotator answers from the evidence (one call per row); 'evidence' = the first evidence sentence "
        "about the question is the answer (verification: evidence_sentence), no annotator call. Needs "
        "`documents`.",
    )


class DocumentsConfig(ConfigBase):
    """The user's documents: every synthesized question retrieves its evidence sentences from them and
    its answer must be supported by that evidence (grounded annotation)."""

    source: str = Field(description="Hub id, or a local file / folder (read like GraphGen's input).")
    text_column: str = "text"
    split: str = "train"
    limit: int | None = Field(default=None, ge=1, description="Use only the first N documents.")
    license: SourceLicense = Field(default=None, description=SOURCE_LICENSE_HELP)
    top_k: int = Field(default=3, ge=1, description="Evidence sentences retrieved per question (BM25).")


class DedupConfig(ConfigBase):
    minhash_threshold: float | None = Field(default=0.8, gt=0, le=1)
    embedding_threshold: float | None = Field(default=None, gt=0, le=1)
    embedder: str | None = None


class AIDEConfig(ConfigBase):
    """Everything an AIDE run needs; loaded like every config (`AIDEConfig.load(path, set_items, flags)`)."""

    config_name: ClassVar[str] = "AIDE config"

    run: RunConfig = Field(default_factory=lambda: RunConfig(name="aide"))
    engine: EngineConfig = Field(default_factory=EngineConfig)
    grader_engine: EngineConfig | None = None  # None = `engine`
    annotator_engine: EngineConfig | None = None  # None = `engine`
    seeds: SeedConfig
    expansion: ExpansionConfig = Field(default_factory=ExpansionConfig)
    personas: PersonaConfig = Field(default_factory=PersonaConfig)
    reflection: ReflectionConfig = Field(default_factory=ReflectionConfig)
    annotation: AnnotationConfig = Field(default_factory=AnnotationConfig)
    documents: DocumentsConfig | None = Field(
        default=None, description="Ground the answers in these documents; None = ungrounded (verified: false)."
    )
    dedup: DedupConfig = Field(default_factory=DedupConfig)
    system_prompt: str | None = None  # system turn of the output `messages`
    quality_report: bool = True
    sequential_steps: bool = Field(
        default=False,
        description="Load and run one step at a time. Each LLM step's worker loads its own copy of the "
        "role's engine: with vLLM on a small machine, four copies loaded at once do not fit in memory.",
    )
    recipe: RecipeConfig | None = Field(
        default=None, description="Used by recipes/*.py (seeds split, training); the pipeline ignores it."
    )

    @property
    def answer_first_on(self) -> bool:
        """Whether children are written answer first (`expansion.answer_first`, None resolved)."""
        if self.expansion.answer_first is not None:
            return self.expansion.answer_first
        return self.documents is not None and self.annotation.answer_source == "evidence" and self.seeds.format == "qa"

    @model_validator(mode="after")
    def _answer_first_needs_documents(self) -> AIDEConfig:
        if self.expansion.answer_first and (self.documents is None or self.seeds.format != "qa"):
            raise ValueError(
                "expansion.answer_first writes open questions for sentences of the documents: it needs "
                f"documents.source and seeds.format: qa (got documents={'set' if self.documents else 'none'}, "
                f"format={self.seeds.format}); set expansion.answer_first: false otherwise"
            )
        return self

    @model_validator(mode="after")
    def _evidence_needs_documents(self) -> AIDEConfig:
        if self.annotation.answer_source == "evidence" and self.documents is None:
            raise ValueError(
                "annotation.answer_source: evidence answers from the documents, but no documents are set: "
                "give documents.source (recipes/aide_medqa.py: --documents), or use answer_source: annotator"
            )
        return self


def apply_overrides(data: dict, overrides: list[str]) -> dict:
    """`a.b.c=value` overrides (value parsed as YAML) onto a config mapping (a new mapping)."""
    return apply_dotted(data, parse_set(overrides))
