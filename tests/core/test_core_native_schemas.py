"""The schemas a server compiles at its start (synth_hf.pipelines.schemas) are the ones the steps send:
compared with traced runs on fake engines that claim native constrained decoding, as a served one does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from synth_hf.pipelines import aide
from synth_hf.pipelines.graphgen import run_graphgen
from synth_hf.pipelines.schemas import aide_schemas, graphgen_schemas, native_schemas
from synth_hf.steps.aide.synthesis_prompts import GRADE_SCHEMA, extraction_schema
from synth_hf.steps.common.trace import TRACE_ENV
from synth_hf.steps.graphgen.judge_prompts import SCORE_SCHEMA
from tests.aide.test_aide_overhead_patches import _config

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "graphgen"))
import graphgen_fakes


def traced_schemas(trace: Path) -> list[dict]:
    seen = {}
    for path in trace.glob("*.jsonl"):
        for line in path.read_text().splitlines():
            call = json.loads(line)
            if call["kind"] == "json":
                seen[json.dumps(call["schema"])] = call["schema"]
    return list(seen.values())


def _native(cfg: dict, role: str) -> None:
    cfg[role]["options"]["native_structured_output"] = True


def test_aide_lists_the_extraction_and_grade_schemas_its_steps_send(tmp_path, monkeypatch):
    data = _config(tmp_path / "run").model_dump(mode="json")
    _native(data, "engine")
    data["expansion"]["attributes_per_node"] = 2
    data["reflection"] = {"enabled": True, "grader": "llm", "max_attempts": 1}
    config = aide.AIDEConfig.model_validate(data)
    listed = aide_schemas(config)
    assert listed == [extraction_schema(2), GRADE_SCHEMA] == native_schemas(config)

    monkeypatch.setenv(TRACE_ENV, str(tmp_path / "trace"))
    aide.run_aide(config)
    sent = traced_schemas(tmp_path / "trace")
    assert sorted(map(json.dumps, sent)) == sorted(map(json.dumps, listed))  # same dicts, same key order


def test_aide_without_an_llm_grader_or_extraction_lists_what_remains():
    data = _config(Path("unused")).model_dump(mode="json")
    assert aide_schemas(aide.AIDEConfig.model_validate(data)) == [extraction_schema(1)]
    data["expansion"]["attributes_from"] = "question"  # attributes read off the question: no call
    data["reflection"] = {"enabled": True, "grader": "embedding"}
    assert aide_schemas(aide.AIDEConfig.model_validate(data)) == []


def test_only_the_served_roles_and_natively_decoding_engines_count():
    data = _config(Path("unused")).model_dump(mode="json")
    data["reflection"] = {"enabled": True, "grader": "llm"}
    config = aide.AIDEConfig.model_validate(data)
    # no grader engine of its own: the grade goes where the synthesizer's requests go
    assert aide_schemas(config, roles=("engine",)) == [extraction_schema(1), GRADE_SCHEMA]
    assert aide_schemas(config, roles=("grader_engine",)) == []
    data["grader_engine"] = {"engine": "fake"}
    config = aide.AIDEConfig.model_validate(data)
    assert aide_schemas(config, roles=("engine",)) == [extraction_schema(1)]  # the grader is not served
    assert native_schemas(config, roles=("grader_engine",)) == [GRADE_SCHEMA]
    _native(data, "engine")
    data["engine"]["options"]["native_structured_output"] = False  # the schema goes into the prompt
    assert aide_schemas(aide.AIDEConfig.model_validate(data)) == [GRADE_SCHEMA]


def score_or_fake(prompt: str, index: int = 0) -> str:
    """The GraphGen fake, with the judge's 1-10 score as JSON."""
    if prompt.startswith("Rate from 1 to 10"):
        return '{"score": 8}'
    return graphgen_fakes.respond(prompt, index)


def test_graphgen_lists_the_judge_score_schema_only_when_it_sends_it(tmp_path, monkeypatch):
    config = graphgen_fakes.fake_config(str(tmp_path / "run"), graphgen_fakes.CORPUS)
    assert graphgen_schemas(config) == [] == native_schemas(config)  # yes_no judge: probabilities
    data = config.model_dump(mode="json")
    _native(data, "synthesizer")
    data["synthesizer"]["options"]["responder"] = f"{__name__}:score_or_fake"
    data["judge"]["method"] = "score"
    config = type(config).model_validate(data)
    assert graphgen_schemas(config) == [SCORE_SCHEMA] == graphgen_schemas(config, roles=("synthesizer",))
    assert graphgen_schemas(config, roles=("trainee",)) == []

    monkeypatch.setenv(TRACE_ENV, str(tmp_path / "trace"))
    result = run_graphgen(config)
    assert len(result.dataset) > 0
    assert traced_schemas(tmp_path / "trace") == [SCORE_SCHEMA]


def test_other_configs_list_nothing():
    assert native_schemas({"engine": "fake"}) == []
