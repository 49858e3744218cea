"""vLLM and transformers on the real embedded Gemma-3-270M: generation, yes/no agreement,
structured output, and vLLM's load -> unload -> load in one process.

Each model is loaded once for the module (vLLM start-up dominates: ~1-3 min on 2 CPUs).
"""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest

from synth_hf.models import TransformersEngine, VLLMEngine

pytestmark = pytest.mark.slow

STATEMENTS = [
    ("Water boils at 100 degrees Celsius at sea level.", True),
    ("The sun rises in the west.", False),
    ("Paris is the capital of France.", True),
    ("Spiders have six legs.", False),
    ("Ice is frozen water.", True),
    ("The Pacific is the smallest ocean on Earth.", False),
    ("A week has seven days.", True),
    ("Fish breathe air with lungs.", False),
    ("The Earth orbits the Sun.", True),
    ("Two plus two equals five.", False),
    ("Cats are mammals.", True),
    ("The Moon is larger than the Earth.", False),
    ("Humans need oxygen to live.", True),
    ("Snow is usually black.", False),
    ("Mount Everest is the highest mountain above sea level.", True),
    ("Penguins live mainly at the North Pole.", False),
    ("A triangle has three sides.", True),
    ("Gold is a gas at room temperature.", False),
    ("Bees make honey.", True),
    ("Tokyo is the capital of Brazil.", False),
]
PROBES = [f"Statement: {s}\nIs this statement true? Answer yes or no.\nAnswer:" for s, _ in STATEMENTS]
GEN_PROMPTS = [f"Here is a short fact about the number {i}:" for i in range(16)]
SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 40},
        "country": {"type": "string", "maxLength": 40},
    },
    "required": ["city", "country"],
}


@pytest.fixture(scope="module")
def hf() -> Iterator[TransformersEngine]:
    engine = TransformersEngine()
    engine.load()
    yield engine
    engine.unload()


@pytest.fixture(scope="module")
def vllm() -> Iterator[VLLMEngine]:
    # Defaults: float32 and eager mode on CPU (compile warm-up would cost minutes here).
    engine = VLLMEngine(seed=0)
    engine.load()
    yield engine
    engine.unload()


@pytest.fixture(scope="module")
def scores(hf: TransformersEngine, vllm: VLLMEngine) -> dict[str, list]:
    return {"hf": hf.score_yes_no(PROBES), "vllm": vllm.score_yes_no(PROBES)}


@pytest.mark.parametrize("name", ["hf", "vllm"])
def test_generates_a_batch(name: str, request: pytest.FixtureRequest) -> None:
    engine = request.getfixturevalue(name)
    before = engine.usage
    out = engine.complete(GEN_PROMPTS, engine._params(max_new_tokens=12))
    assert len(out) == 16
    for c in out:
        assert len(c.texts) == 1 and c.texts[0].strip()
        assert 0 < c.output_tokens[0] <= 12 and c.input_tokens > 5
    assert engine.usage["calls"] - before["calls"] == 16


def test_greedy_texts_match_between_engines(hf: TransformersEngine, vllm: VLLMEngine) -> None:
    a = hf.generate_texts(GEN_PROMPTS[:8], max_new_tokens=8)
    b = vllm.generate_texts(GEN_PROMPTS[:8], max_new_tokens=8)
    # Same float32 weights and token ids: greedy output may differ only on rare near-ties.
    assert sum(x == y for x, y in zip(a, b)) >= 6, list(zip(a, b))


def test_yes_no_agrees_between_engines(scores: dict[str, list]) -> None:
    assert len(scores["hf"]) == len(scores["vllm"]) == 20
    for prompt, h, v in zip(PROBES, scores["hf"], scores["vllm"]):
        assert abs(h.p_yes - v.p_yes) < 0.05, (prompt, h, v)
        for s in (h, v):
            assert 0.0 < s.covered_mass <= 1.0 + 1e-6 and 0.0 <= s.p_yes <= 1.0


def test_vllm_sampling_n_seed_and_stop(vllm: VLLMEngine) -> None:
    params = vllm._params(num_generations=3, max_new_tokens=10, temperature=1.0, seed=7)
    first = vllm.complete(["Once upon a time"], params)[0]
    again = vllm.complete(["Once upon a time"], params)[0]
    assert len(first.texts) == 3 and len(first.output_tokens) == 3
    assert first.texts == again.texts  # per-request seed makes sampling reproducible
    stopped = vllm.generate_texts(["One. Two. Three. Four."], max_new_tokens=30, stop=["."])[0]
    assert "." not in stopped


@pytest.mark.parametrize("name", ["hf", "vllm"])
def test_structured_output_contract(name: str, request: pytest.FixtureRequest) -> None:
    engine = request.getfixturevalue(name)
    prompts = [
        "The Eiffel Tower is in Paris, France. Give its city and country as JSON:",
        "The Colosseum is in Rome, Italy. Give its city and country as JSON:",
    ]
    prompts = prompts[:1] if name == "hf" else prompts  # transformers decodes slowly on CPU
    results = engine.generate_json(prompts, SCHEMA, max_new_tokens=32)
    assert len(results) == len(prompts)
    for r in results:
        assert r.ok or (r.reason and isinstance(r.raw, str)), r  # parsed, or says why not
        if r.ok:
            assert set(r.data) >= {"city", "country"}
    if name == "vllm":  # native constrained decoding: must parse first time
        assert all(r.ok and r.attempts == 1 for r in results), results


def test_vllm_unload_then_load_again(vllm: VLLMEngine, scores: dict[str, list]) -> None:
    """Runs last in this module: the engine core must really go away and come back."""
    engine_procs = _vllm_children()
    assert engine_procs, "vLLM V1 should run its engine core in a child process"
    vllm.unload()
    assert vllm._llm is None
    assert not _vllm_children(), f"engine processes left after unload: {_vllm_children()}"
    vllm.load()
    again = vllm.score_yes_no(PROBES[:2])
    assert [round(s.p_yes, 4) for s in again] == [round(s.p_yes, 4) for s in scores["vllm"][:2]]


def _vllm_children() -> list[str]:
    """Live child processes vLLM titled (VLLM::EngineCore, VLLM::Worker); helpers such as
    multiprocessing's resource tracker are not engine memory and are ignored."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            title = proc.name() + " " + " ".join(proc.cmdline())
            if "VLLM" in title.upper() and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{proc.pid}:{proc.name()}")
        except psutil.NoSuchProcess:
            continue
    return found
