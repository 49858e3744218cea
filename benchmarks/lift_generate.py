"""The generating arms of `benchmarks/knowledge_lift.py`: GraphGen on the benchmark corpus, and AIDE
and the Evol-style baseline from held-out seed MCQs, each on the embedded model behind one local
vLLM server (or a fake / in-process engine for AIDE)."""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from pathlib import Path


def run_graphgen_on_corpus(config_path: str, out: Path) -> tuple[str, dict]:
    """GraphGen on the benchmark corpus (one local vLLM server of the embedded model for every step).
    Returns (dataset folder, figures): the cost per supported row first (LLM calls, tokens, wall seconds,
    targets; synth_hf.summary.cost_per_supported_row), then gold-fact coverage of the graph and support."""
    from synth_hf.data.knowledge_lift import DOCS_DIR, load_gold_facts
    from synth_hf.evaluation.coverage import graph_fact_coverage
    from synth_hf.models.serve import local_vllm_server
    from synth_hf.pipelines.graphgen import run_graphgen
    from synth_hf.pipelines.graphgen_config import GraphGenConfig
    from synth_hf.summary import cost_per_supported_row

    out.mkdir(parents=True, exist_ok=True)
    overrides = {"input.source": str(DOCS_DIR), "run.output_dir": str(out), "run.name": "run"}
    config = GraphGenConfig.from_yaml(config_path, overrides)
    started = time.perf_counter()
    from synth_hf.pipelines.schemas import graphgen_schemas

    with local_vllm_server(log_path=out / "vllm_server.log", warm_schemas=graphgen_schemas(config)) as url:
        shared = {"engine": "openai", "options": {"base_url": url, "concurrency": 16}}
        config = config.model_copy(update={"synthesizer": shared, "trainee": shared})
        config = GraphGenConfig.model_validate(config.model_dump(mode="json"))
        result = run_graphgen(config)
    wall = time.perf_counter() - started
    s = result.summary
    coverage = graph_fact_coverage(result.run_dir / "graph", load_gold_facts())
    coverage.pop("missing")
    figures = {
        "cost_per_supported_row": cost_per_supported_row(result.dataset, s, wall),
        "rows": len(result.dataset), "support": s.get("support"), "graph_coverage": coverage,
        "llm_calls": s.get("llm_calls"), "tokens": s.get("llm_tokens"),
        "wall_s": round(wall, 1), "generators": dict(Counter(result.dataset["generator"])),
    }  # fmt: skip
    return str(result.run_dir / "dataset"), figures


def _aide_figures(result, wall: float, utilisation: dict) -> dict:
    from benchmarks.utilisation import headline_utilisation
    from synth_hf.summary import cost_per_supported_row

    s, ds = result.summary, result.dataset
    return {
        "cost_per_supported_row": cost_per_supported_row(ds, s, wall, headline_utilisation(utilisation)),
        "utilisation": utilisation,
        "rows": len(ds), "llm_calls": s.get("llm_calls"), "tokens": s.get("llm_tokens"),
        "annotator_support_rate": s.get("support_rate"), "rows_per_hop": s.get("rows_per_hop"),
        "branches": dict(Counter(ds["branch"])) if len(ds) else {}, "quality": s.get("quality"),
        "drops_by_reason": s.get("drops_by_reason"), "wall_s": round(wall, 1),
        "rows_per_minute": round(60 * len(ds) / wall, 2) if wall else None,
    }  # fmt: skip


def run_aide_arms(config_path: str, seeds: list[dict], wanted: list[str], out: Path, engine: str) -> dict:
    """AIDE and/or the Evol-style baseline from `seeds` (MCQ rows) on the benchmark's documents.
    AIDE runs first: the baseline's budget is read from its summary (evol_budget), so asking for
    `evol` alone still runs AIDE. Every engine call is traced and replayed (batched per call shape,
    then call by call) on an engine of the arm's config - the same local server, which stays up, for
    `vllm-server`; a fresh in-process engine otherwise - for the engine utilisation
    (benchmarks/utilisation.py) in each arm's cost per supported row; a config whose grader or
    annotator has an engine of its own is not replayed (utilisation None). The replay runs the arm's
    calls twice more after it (`utilisation.raw_batched_s` + `call_by_call_replay_s` seconds).
    Returns {arm: (dataset folder, figures)}."""
    from benchmarks.utilisation import read_trace, start_trace, utilisation_figures
    from synth_hf.config import apply_dotted, read_yaml_mapping
    from synth_hf.data.knowledge_lift import DOCS_DIR
    from synth_hf.evaluation.knowledge_lift import evol_budget, seed_qa_rows
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.steps.common.trace import TRACE_ENV

    base = apply_dotted(read_yaml_mapping(config_path), {
        "seeds.rows": seed_qa_rows(seeds), "seeds.id_column": "id", "documents.source": str(DOCS_DIR),
        "run.output_dir": str(out), "run.use_cache": False,
    })  # fmt: skip
    results: dict = {}
    out.mkdir(parents=True, exist_ok=True)

    def generate(arm: str, data: dict) -> AIDEConfig:
        config = AIDEConfig.model_validate(apply_dotted(data, {"run.name": arm}))
        trace_dir = start_trace(out / f"{arm}_trace")
        started = time.perf_counter()
        print(f"[{time.strftime('%H:%M:%S')}] {arm}: generating from {len(seeds)} seeds", flush=True)
        try:
            result = run_aide(config)
        finally:
            os.environ.pop(TRACE_ENV, None)  # what runs next (training, scoring) is not traced
        wall = time.perf_counter() - started
        if config.grader_engine is None and config.annotator_engine is None:
            utilisation = utilisation_figures(read_trace(trace_dir), config.engine)
        else:  # the replay runs every call on one engine: not a like-for-like figure here
            utilisation = {"engine_utilisation": None, "note": "grader/annotator engines of their own: not replayed"}
        figures = _aide_figures(result, wall, utilisation)
        results[arm] = (str(result.run_dir / "dataset"), figures | {"summary": result.summary})
        return config

    with contextlib.ExitStack() as stack:
        if engine == "vllm-server":
            from synth_hf.models.serve import SEEDED_SERVER_ARGS, local_vllm_server
            from synth_hf.pipelines.schemas import aide_schemas

            # the AIDE arm's schemas (Evol's are a subset), compiled in the server's start
            schemas = aide_schemas(AIDEConfig.model_validate(base))
            server = local_vllm_server(log_path=out / "vllm_server.log", extra_args=SEEDED_SERVER_ARGS,
                                       warm_schemas=schemas)  # fmt: skip
            url = stack.enter_context(server)
            base["engine"] = {"engine": "openai", "options": {"base_url": url, "concurrency": 16}}
        elif engine == "fake":
            base["engine"] = {
                "engine": "fake",
                "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"},
            }
        aide = generate("aide", base)
        if "evol" in wanted:
            exp = aide.expansion
            budget = evol_budget(results["aide"][1]["summary"], exp.children_per_node(1), exp.max_rows)
            data = apply_dotted(base, {f"expansion.{k}": v for k, v in budget["expansion"].items()})
            generate("evol", data)
            results["evol"][1]["budget"] = budget
    for _, figures in results.values():
        figures.pop("summary")
    return {arm: results[arm] for arm in wanted if arm in results}
