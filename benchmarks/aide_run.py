"""AIDE on MedQA seeds with the embedded model: cost per supported row, and engine utilisation.

    python benchmarks/aide_run.py                          # one local vLLM server, 10 seeds, depth 2
    python benchmarks/aide_run.py --engine vllm --seeds 4 --depth 1   # in-process vLLM per step
    python benchmarks/aide_run.py --engine transformers --seeds 2
    python benchmarks/aide_run.py --engine fake            # wiring check in seconds (no model)
    python benchmarks/aide_run.py --documents none         # ungrounded: no support check, no headline
    python benchmarks/aide_run.py --questions template     # template questions: no synthesis call
    python benchmarks/aide_run.py --synthesis free         # MCQ seeds, free synthesis + second solve (before answer-first)

The headline (first in the JSON) is `cost_per_supported_row`: LLM calls, tokens and wall seconds per
kept row whose answer was verified against its evidence (grounded in `--documents`, by default the
bundled medical corpus), engine utilisation, the targets (<= 3 calls, <= 2 s per supported row,
utilisation >= 0.85) and whether each is met. Engine utilisation = (time to run each step's prompts as
one raw batched generate per call shape, step after step) / (pipeline time for those stages): hop 2's
prompts exist only after hop 1, so the merged replay (`engine_utilisation`, one batch for both hops) is
reported beside it as a bound, not as the target's figure.

`--engine vllm-server` (default) runs every step against one local vLLM server of the embedded model,
as the recipes do: the model loads once (`server_start_s`, reported beside the headline and not in it;
`wall_s_per_supported_row_incl_start` includes it). `--engine vllm` loads an in-process engine in each
step that calls one (~30-50 s each on CPU, inside the headline's wall time).

Every engine call of the LLM stages (persona pool, extraction, synthesis, annotation) is traced; the
"pipeline time" is the union of those stages' busy spans (model loading excluded), and the raw baseline
replays the traced prompts batched per call shape on a fresh engine (benchmarks/utilisation.py);
`non_llm_wall_s` is the rest of the pipeline's wall time (start-up, stage changes, steps without a call).
Each stage gets its whole hop as one batch (input_batch_size >= rows), the best case for batching.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEEDS_FILE = ROOT / "synth_hf" / "data" / "medqa_sample.jsonl"
CORPUS_DIR = ROOT / "synth_hf" / "data" / "medical_corpus"


def medqa_seeds(n: int, open_questions: bool = False) -> list[dict]:
    """The first `n` MedQA rows as AIDE MCQ seeds (option list + answer letter), or with
    `open_questions` as open seeds answered by the correct option's text (answer-first synthesis)."""
    rows = []
    for line in SEEDS_FILE.read_text(encoding="utf-8").splitlines()[:n]:
        row = json.loads(line)
        letters = sorted(row["options"])
        if open_questions:
            rows.append({"id": row["id"], "question": row["question"], "answer": row["options"][row["answer_idx"]]})
            continue
        rows.append(
            {
                "id": row["id"],
                "question": row["question"],
                "options": [row["options"][k] for k in letters],
                "answer": row["answer_idx"],
            }
        )
    return rows


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
    parser.add_argument("--engine", choices=["vllm-server", "vllm", "transformers", "fake"], default="vllm-server")
    parser.add_argument("--seeds", type=int, default=10, help="MedQA questions used as seeds (at most 20)")
    parser.add_argument("--depth", type=int, default=2, help="expansion hops (default: %(default)s)")
    parser.add_argument(
        "--concurrency", type=int, default=None,
        help="vllm-server: requests in flight per step (default: the recipes' shared-server setting)",
    )  # fmt: skip
    parser.add_argument("--attributes", type=int, default=1, help="attributes per node")
    parser.add_argument("--operations", type=int, default=2, help="operations per attribute")
    parser.add_argument("--personas", type=int, default=1, help="personas per node")
    parser.add_argument(
        "--reflection", action="store_true", help="add the self-reflection stage (embedding grader: no call)"
    )
    parser.add_argument(
        "--documents",
        default=str(CORPUS_DIR),
        help="ground the answers in these documents (default: bundled medical corpus); 'none' = ungrounded",
    )
    parser.add_argument(
        "--synthesis",
        choices=["auto", "answer-first", "free"],
        default="auto",
        help="answer-first: open seeds, each child written for an evidence sentence and its answer span "
        "(needs documents); free: MCQ seeds, children synthesized freely and answered by a second solve; "
        "auto (default): answer-first with documents, free without",
    )
    parser.add_argument(
        "--questions",
        choices=["llm", "template"],
        default="llm",
        help="answer-first children: the LLM phrases each question (checked, a refused one templated; default) "
        "or the template question, no synthesis call (expansion.llm_questions: false)",
    )
    add_run_arguments(parser)
    args = parser.parse_args()
    available = len(SEEDS_FILE.read_text(encoding="utf-8").splitlines())
    if not 1 <= args.seeds <= available or args.depth < 1:
        parser.error(f"--seeds must be 1..{available} (the bundled MedQA sample) and --depth >= 1")
    if args.concurrency is not None and (args.concurrency < 1 or args.engine != "vllm-server"):
        parser.error("--concurrency must be >= 1 and applies to --engine vllm-server only")
    grounded = args.documents.lower() != "none"
    if args.synthesis == "answer-first" and not grounded:  # asked explicitly: never fall back silently
        parser.exit(2, f"{parser.prog}: error: --synthesis answer-first writes children for sentences of the "
                    "documents: it needs --documents (not 'none'); use --synthesis free for an ungrounded run\n")
    answer_first = grounded and args.synthesis != "free"
    if args.questions == "template" and not answer_first:
        parser.exit(2, f"{parser.prog}: error: --questions template asks template questions about sentences of the "
                    "documents: it needs answer-first synthesis (--documents, not --synthesis free)\n")

    from synth_hf.config import EngineConfig
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig
    from synth_hf.pipelines.schemas import aide_schemas

    workdir = Path(args.out or tempfile.mkdtemp(prefix="aide-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    trace_dir = start_trace(workdir)

    options: dict = {"batch_size": args.batch_size}
    if args.engine == "fake":  # the stock fake understands AIDE's prompts
        options["responder"] = "synth_hf.steps.aide.fake_responder:respond"
    elif args.engine == "vllm":
        options["cpu_kvcache_space_gb"] = args.kv_cache_gb
    engine = {"engine": args.engine, "options": options}
    seeds = medqa_seeds(args.seeds, open_questions=answer_first)
    per_seed = args.attributes * args.operations + args.personas
    config_data = {
        "run": {
            "output_dir": str(workdir),
            "name": "run",
            "use_cache": False,
            # one batch per stage: the whole hop (seeds + children) at once
            "input_batch_size": max(args.batch_size, len(seeds) * sum(per_seed**k for k in range(args.depth + 1))),
        },
        "seeds": {
            "rows": seeds,
            "format": "qa" if answer_first else "mcq",
            "task_description": "Answer USMLE-style clinical multiple-choice questions about common medications.",
        },
        "expansion": {
            "depth": args.depth,
            "attributes_per_node": args.attributes,
            "operations_per_node": args.operations,
            "personas_per_node": args.personas,
            "max_new_tokens": 160,
            "extraction_max_new_tokens": 96,
            "llm_questions": args.questions == "llm",
        },
        # persona pool generated from the seeds (an LLM stage); a hashing embedder keeps retrieval cheap
        "personas": {
            "source": None,
            "per_seed": 2,
            "embedder": "hashing",
            "cache_dir": str(workdir / "emb"),
        },
        # the embedding grader: Gemma-3-270M as a grader gave every child the same scores
        "reflection": {"enabled": args.reflection, "grader": "embedding", "max_attempts": 1},
        "annotation": (
            {"answer_source": "evidence", "max_new_tokens": 64}
            if answer_first
            else {"verification": "second_solve", "on_disagreement": "flag", "max_new_tokens": 64}
        ),
        "quality_report": False,
        "documents": {"source": args.documents} if grounded else None,
        # in-process engines one at a time: four vLLM engines at once run a 24 GB machine out of memory;
        # against one server too: 15 step workers starting at once on 2 cores were no faster (152 s vs 147 s)
        "sequential_steps": True,
    }
    stack = contextlib.ExitStack()
    server_start_s = server_warm_up = None
    if args.engine == "vllm-server":
        from synth_hf.models.serve import SEEDED_SERVER_ARGS, start_local_vllm_server
        from synth_hf.runtime.shared_server import SERVER_CONCURRENCY

        server = stack.enter_context(start_local_vllm_server(
            log_path=workdir / "vllm_server.log", extra_args=SEEDED_SERVER_ARGS, kv_cache_gb=max(2, args.kv_cache_gb),
            warm_schemas=aide_schemas(AIDEConfig.model_validate(config_data)),  # the default engine: all roles
        ))  # fmt: skip
        server_start_s, server_warm_up = round(server.load_s, 1), server.warmed
        concurrency = SERVER_CONCURRENCY if args.concurrency is None else args.concurrency
        # batch_size >= concurrency: the engine sends one batch at a time, `concurrency` requests of it at once
        engine = {"engine": "openai", "options": {"base_url": server.url, "concurrency": concurrency,
                                                  "batch_size": max(args.batch_size, concurrency),
                                                  "use_completions_api": True}}  # a base model  # fmt: skip
    config = AIDEConfig.model_validate({**config_data, "engine": engine})
    with stack:  # the server (if any) stays up for the replay
        started = time.time()
        result = run_aide(config)
        wall = time.time() - started
        calls = read_trace(trace_dir)
        figures = utilisation_figures(calls, EngineConfig.model_validate(engine))
    summary = result.summary
    rows = len(result.dataset)
    numbers = {
        **headline(result.dataset, summary, wall, figures),
        "engine": args.engine,
        "server_start_s": server_start_s,
        "server_warm_up": server_warm_up,  # its seconds are in server_start_s, with each schema compiled
        "server_concurrency": engine["options"].get("concurrency") if args.engine == "vllm-server" else None,
        "wall_s_per_supported_row_incl_start": None,
        "documents": summary.get("documents"),
        "seeds": len(seeds),
        "children_per_node": per_seed,  # per expanding node; hop k plans up to this ** k per seed
        "depth": args.depth,
        "reflection": args.reflection,
        "kept_rows": rows,
        **run_figures(summary, wall),
        # wall time outside the LLM stages' spans: worker start-up, stage changes, the other steps, saving
        "non_llm_wall_s": round(wall - figures["llm_stage_time_s"], 1),
        **figures,
        "per_step_calls": {s: n["llm_calls"] for s, n in summary["stages"].items() if n["llm_calls"]},
        "branches": dict(Counter(result.dataset["branch"])) if rows else {},
        "verified": sum(bool(v) for v in result.dataset["verified"]) if rows else 0,
        "support": summary.get("support"),
        "drops_by_reason": summary["drops_by_reason"],
        "run_dir": str(result.run_dir),
    }
    supported = numbers["cost_per_supported_row"]["supported_rows"]  # the headline's own count
    if server_start_s is not None and supported:
        numbers["wall_s_per_supported_row_incl_start"] = round((wall + server_start_s) / supported, 3)
    return report(numbers, args.json)


if __name__ == "__main__":
    sys.exit(main())
