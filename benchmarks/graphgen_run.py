"""GraphGen on a small corpus with the embedded model: cost per supported QA row, and engine utilisation.

The headline (first in the JSON) is `cost_per_supported_row`: LLM calls, tokens and wall seconds per
output row that passed the support check, engine utilisation, the targets (<= 3 calls, <= 2 s per
supported row, utilisation >= 0.85) and whether each is met. Engine utilisation = (time to run each
step's prompts as one raw batched generate per call shape, step after step) / (pipeline time for those
stages); with the default config GraphGen's call shapes each lie in one step, so it equals the merged
`engine_utilisation`.

    python benchmarks/graphgen_run.py                      # the `make demo` config on its corpus, in-process vLLM
    python benchmarks/graphgen_run.py --config llm-heavy   # LLM paraphrases/negations, 2 medical documents
    python benchmarks/graphgen_run.py --engine transformers --limit 2

Every engine call of the LLM stages is traced (prompts, parameters, start/end); the "pipeline time" is
the union of the LLM stages' busy spans (first batch start to last batch end, model loading excluded),
and the raw baseline replays all traced prompts in one batched call per call shape on a fresh engine
(the maths is shared with benchmarks/aide_run.py in benchmarks/utilisation.py).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FALLBACK_DOCS = [
    (
        "Metformin is the first-line drug for type 2 diabetes. It lowers glucose production in the liver and rarely "
        "causes hypoglycemia. Common side effects are nausea and diarrhoea; vitamin B12 levels can fall with long use."
    ),
    (
        "Lisinopril is an ACE inhibitor used for hypertension and heart failure. ACE inhibitors raise bradykinin, which "
        "causes a dry cough; losartan, an angiotensin receptor blocker, is the usual substitute."
    ),
]


def corpus_source(limit: int, workdir: Path) -> str:
    bundled = ROOT / "synth_hf" / "data" / "medical_corpus"
    if bundled.is_dir() and any(bundled.glob("*.md")):
        return str(bundled)
    path = workdir / "docs.jsonl"
    path.write_text("".join(json.dumps({"text": d}) + "\n" for d in FALLBACK_DOCS[:limit]), encoding="utf-8")
    return str(path)


DEMO_CONFIG = ROOT / "recipes" / "configs" / "graphgen_medqa.yaml"


def llm_heavy_config(limit: int, workdir: Path) -> dict:
    """This benchmark's older config: quiz paraphrases and negations by the LLM, few rows per mode."""
    return {
        "input": {"source": corpus_source(limit, workdir), "limit": limit},
        "chunking": {"chunk_size": 256, "overlap": 32},
        "extraction": {"gleaning_rounds": 1, "max_new_tokens": 192},
        "merge": {"description_token_budget": 128, "summary_max_new_tokens": 64},
        "quiz": {"n_paraphrases": 2, "n_negations": 2, "max_new_tokens": 32},
        "partition": {"method": "loss", "params": {"max_units": 6, "max_hops": 2}},
        "generation": {
            "modes": {"atomic": 8, "aggregated": 3, "multi_hop": 3, "cot": 3, "multiple_choice": 4, "true_false": 4},
            "max_new_tokens": 128,
        },
    }


def benchmark_config(args: argparse.Namespace, workdir: Path, synth: dict, trainee: dict) -> dict:
    """The run's config mapping: the chosen YAML (or llm-heavy) with this benchmark's engines, run folder
    and one input batch per stage; a relative corpus path is read from the repository root."""
    from synth_hf.config import apply_dotted, read_yaml_mapping

    if args.config == "llm-heavy":
        data = llm_heavy_config(args.limit or 2, workdir)
    else:
        data = read_yaml_mapping(args.config)
        source = Path(str(data.get("input", {}).get("source", "")))
        if source.parts and not source.is_absolute() and not source.exists():
            data = apply_dotted(data, {"input.source": str(ROOT / source)})
        if args.limit:
            data = apply_dotted(data, {"input.limit": args.limit})
    run = {"output_dir": str(workdir), "name": "run", "input_batch_size": args.batch_size, "use_cache": False}
    return {**data, "synthesizer": synth, "trainee": trainee, "run": {**data.get("run", {}), **run}}


def main() -> int:
    from benchmarks.utilisation import (
        add_run_arguments,
        headline,
        read_trace,
        report,
        run_figures,
        start_trace,
        utilisation_figures,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--engine", choices=["vllm", "transformers"], default="vllm")
    parser.add_argument("--trainee-engine", choices=["vllm", "transformers"], default=None)
    parser.add_argument(
        "--config",
        default=str(DEMO_CONFIG),
        help="GraphGen YAML to run on its own corpus (default: the `make demo` config); 'llm-heavy': the "
        "older config of this benchmark (LLM paraphrases and negations on, 2 medical documents)",
    )
    parser.add_argument("--limit", type=int, default=None, help="documents of the corpus to use (llm-heavy: 2)")
    add_run_arguments(parser)
    # each stage gets the whole run as one batch (as benchmarks/aide_run.py gives each hop): steps call the
    # engine once per input batch, so this is the best case for batching
    parser.set_defaults(batch_size=512)  # shown by --help as the --batch-size default
    args = parser.parse_args()

    from synth_hf.config import EngineConfig
    from synth_hf.pipelines.graphgen import run_graphgen
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    workdir = Path(args.out or tempfile.mkdtemp(prefix="graphgen-bench-"))
    trace_dir = start_trace(workdir)

    def engine(name: str) -> dict:
        options: dict = {"batch_size": args.batch_size}
        if name == "vllm":  # two engines share a stage (quiz+probe, generate+judge): keep each small
            options["cpu_kvcache_space_gb"] = args.kv_cache_gb
        return {"engine": name, "options": options}

    synth, trainee = engine(args.engine), engine(args.trainee_engine or args.engine)
    try:
        config = GraphGenConfig.model_validate(benchmark_config(args, workdir, synth, trainee))
    except (FileNotFoundError, ValueError) as err:  # a typo'd --config path or a bad YAML: one line
        parser.exit(2, f"graphgen_run: --config {args.config}: {err}\n")
    started = time.time()
    result = run_graphgen(config)
    wall = time.time() - started
    calls = read_trace(trace_dir)
    figures = utilisation_figures(
        calls, EngineConfig.model_validate(synth), EngineConfig.model_validate(trainee)
    )
    rows = len(result.dataset)
    summary = result.summary
    numbers = {
        **headline(result.dataset, summary, wall, figures),
        "engine": args.engine,
        "config": args.config,
        "documents": summary.get("input", {}).get("documents_used", args.limit),
        "final_rows": rows,
        **run_figures(summary, wall),
        **figures,
        "per_step_calls": {s: n["llm_calls"] for s, n in summary["stages"].items() if n["llm_calls"]},
        "engine_failed_calls": {
            s: n["counters"]["engine_failed_calls"]
            for s, n in summary["stages"].items()
            if n.get("counters", {}).get("engine_failed_calls")
        },
        "modes": dict(Counter(result.dataset["mode"])) if rows else {},
        "support": summary.get("support"),
        "drops_by_reason": summary["drops_by_reason"],
        "run_dir": str(result.run_dir),
    }
    return report(numbers, args.json)


if __name__ == "__main__":
    sys.exit(main())
