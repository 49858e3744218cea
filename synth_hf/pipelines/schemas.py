"""The JSON schemas a pipeline run will send under native constrained decoding.

A vLLM server compiles each new schema's grammar at its first request (~4 s on 2 cores for AIDE's
extraction schema, whose `maxLength` strings expand over Gemma's 262k-token vocabulary), and its
engine loop serves nothing else meanwhile. Handed to the server's start (`synth_hf.models.serve.
warm_up`), the compile happens there instead of stalling the pipeline's first stage. The lists here
must match what the steps send: tests/core/test_core_native_schemas.py compares them with a traced run.
"""

from __future__ import annotations

from typing import Any


def aide_schemas(config: Any) -> list[dict]:
    """The schemas an AIDE run of `config` (`AIDEConfig`) sends: attribute extraction (`ExtractAttributes`,
    bounded to `attributes_per_node` items) unless attributes come from the question or the run is Evol,
    and the self-reflection grade (`SelfReflect`) when an LLM grades."""
    from synth_hf.steps.aide.synthesis_prompts import GRADE_SCHEMA, extraction_schema

    exp = config.expansion
    schemas = []
    if not exp.evol and exp.attributes_from != "question":
        schemas.append(extraction_schema(max(1, exp.attributes_per_node)))
    if config.reflection.enabled and config.reflection.grader == "llm":
        schemas.append(GRADE_SCHEMA)
    return schemas


def graphgen_schemas(config: Any) -> list[dict]:
    """The schemas a GraphGen run of `config` (`GraphGenConfig`) sends: the grounding judge's 1-10
    score when the judge is on with `method: score` (its `yes_no` method reads probabilities)."""
    from synth_hf.steps.graphgen.judge_prompts import SCORE_SCHEMA

    return [SCORE_SCHEMA] if config.judge.enabled and config.judge.method == "score" else []


def native_schemas(config: Any) -> list[dict]:
    """`aide_schemas` or `graphgen_schemas` by the config's type; [] for any other object."""
    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    if isinstance(config, AIDEConfig):
        return aide_schemas(config)
    if isinstance(config, GraphGenConfig):
        return graphgen_schemas(config)
    return []
