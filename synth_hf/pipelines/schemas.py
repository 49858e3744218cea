"""The JSON schemas a pipeline run will send under native constrained decoding.

A vLLM server compiles each new schema's grammar at its first request (~4 s on 2 cores for AIDE's
extraction schema, whose `maxLength` strings expand over Gemma's 262k-token vocabulary), and its
engine loop serves nothing else meanwhile. Handed to the server's start (`synth_hf.models.serve.
warm_up`), the compile happens there instead of stalling the pipeline's first stage. The lists here
must match what the steps send: tests/core/test_core_native_schemas.py compares them with a traced run.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any


def _sends_natively(config: Any, role: str, roles: Collection[str] | None) -> bool:
    """True when the engine of `role` (a config field) is one the server serves (`roles`; None: every
    role) and has not turned native structured output off in its options."""
    engine = getattr(config, role, None)
    options = getattr(engine, "options", None) or {}
    return (roles is None or role in roles) and options.get("native_structured_output") is not False


def aide_schemas(config: Any, roles: Collection[str] | None = None) -> list[dict]:
    """The schemas an AIDE run of `config` (`AIDEConfig`) sends from the engines of `roles` (config
    fields, e.g. ("engine", "grader_engine"); None: every engine): attribute extraction
    (`ExtractAttributes` on `engine`, bounded to `attributes_per_node` items) unless attributes come
    from the question or the run is Evol, and the self-reflection grade (`SelfReflect`, on
    `grader_engine`, or `engine` when that is None) when an LLM grades."""
    from synth_hf.steps.aide.synthesis_prompts import GRADE_SCHEMA, extraction_schema

    exp = config.expansion
    schemas = []
    if not exp.evol and exp.attributes_from != "question" and _sends_natively(config, "engine", roles):
        schemas.append(extraction_schema(max(1, exp.attributes_per_node)))
    grader = "grader_engine" if config.grader_engine is not None else "engine"
    if config.reflection.enabled and config.reflection.grader == "llm" and _sends_natively(config, grader, roles):
        schemas.append(GRADE_SCHEMA)
    return schemas


def graphgen_schemas(config: Any, roles: Collection[str] | None = None) -> list[dict]:
    """The schemas a GraphGen run of `config` (`GraphGenConfig`) sends from the engines of `roles`
    (None: every engine): the grounding judge's 1-10 score, on `synthesizer`, when the judge is on with
    `method: score` (its `yes_no` method reads probabilities)."""
    from synth_hf.steps.graphgen.judge_prompts import SCORE_SCHEMA

    judged = config.judge.enabled and config.judge.method == "score"
    return [SCORE_SCHEMA] if judged and _sends_natively(config, "synthesizer", roles) else []


def native_schemas(config: Any, roles: Collection[str] | None = None) -> list[dict]:
    """`aide_schemas` or `graphgen_schemas` by the config's type; [] for any other object."""
    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    if isinstance(config, AIDEConfig):
        return aide_schemas(config, roles)
    if isinstance(config, GraphGenConfig):
        return graphgen_schemas(config, roles)
    return []
