"""Knowledge lift: does a training set teach facts? Closed-book MCQs on an invented-fact corpus.

    python benchmarks/knowledge_lift.py                         # base vs LoRA on the raw documents
    python benchmarks/knowledge_lift.py --data outputs/graphgen_medqa/hub   # + LoRA on that dataset
    python benchmarks/knowledge_lift.py --data DIR --mix-raw-text            # dataset + raw text

Arms: `base` (no training), `raw` (LoRA on the corpus text as plain language modelling) and, with
`--data`, `data` (LoRA on a saved/staged dataset with a `messages` column). Every trained arm gets
the same LoRA budget: the same optimizer steps x batch size (`--steps`, or by default
`--epochs` passes over the raw-text rows), same rank, learning rate and seed; only the data differ.

Scoring (synth_hf.evaluation.eval_mcq): the question is rendered as the user turn of the chat
template that training renders `messages` rows with (`<bos>User: ...\\nAssistant:` for the
embedded base model), each option is scored as the assistant's answer; accuracy by summed and by
per-token log-likelihood, per question type (atomic / aggregated / multi_hop) and overall.
Prints a JSON summary and writes it to `--out`/summary.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument(
        "--model", default=None, help="base model folder or Hub id (default: embedded Gemma-3-270M)"
    )
    p.add_argument("--data", help="saved / staged dataset folder (or data file) with a `messages` column")
    p.add_argument("--mix-raw-text", action="store_true", help="the data arm also trains on the raw text")
    p.add_argument(
        "--run-graphgen",
        action="store_true",
        help="run GraphGen on the corpus first (embedded model on a local vLLM server) and use its rows as --data",
    )
    p.add_argument("--graphgen-config", default=str(ROOT / "recipes" / "configs" / "graphgen_medqa.yaml"))
    p.add_argument("--arms", default="base,raw,data", help="comma list of base, raw, data")
    p.add_argument("--raw-unit", choices=["document", "sentence"], default="document")
    p.add_argument("--steps", type=int, help="optimizer steps per trained arm (default: from --epochs)")
    p.add_argument("--epochs", type=float, default=8, help="passes over the raw-text rows that size --steps")
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=int, default=32)
    p.add_argument("--max-length", type=int, default=512)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--eval-batch-size", type=int, default=16)
    p.add_argument("--out", default="outputs/knowledge_lift")
    return p


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
    with local_vllm_server(log_path=out / "vllm_server.log") as url:
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


def main(argv: list[str] | None = None) -> int:
    from synth_hf.data.knowledge_lift import load_documents, load_gold_facts, load_mcq
    from synth_hf.evaluation.knowledge_lift import data_figures, lift_table, raw_text_units, score_model
    from synth_hf.models.resolve import resolve_model
    from synth_hf.train import load_sft_dataset, train_lora

    args = build_parser().parse_args(argv)
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    unknown = set(arms) - {"base", "raw", "data"}
    if unknown:
        raise SystemExit(f"unknown arms {sorted(unknown)}; choose from base, raw, data")
    graphgen_figures = None
    if args.run_graphgen:
        args.data, graphgen_figures = run_graphgen_on_corpus(args.graphgen_config, Path(args.out) / "graphgen")
    if "data" in arms and not args.data:
        arms.remove("data")  # nothing to train it on
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    base = resolve_model(args.model)
    docs, facts, mcq = load_documents(), load_gold_facts(), load_mcq()
    raw = raw_text_units(docs, args.raw_unit)
    steps = args.steps or math.ceil(args.epochs * len(raw) / args.batch_size)
    budget = {
        "steps": steps,
        "batch_size": args.batch_size,
        "examples_seen": steps * args.batch_size,
        "lr": args.lr,
        "lora_r": args.lora_r,
        "lora_alpha": args.lora_alpha,
        "seed": args.seed,
        "raw_unit": args.raw_unit,
        "raw_rows": len(raw),
    }
    summary: dict = {}
    if graphgen_figures:  # the headline of a run that made its data: what one supported row cost
        summary["cost_per_supported_row"] = graphgen_figures["cost_per_supported_row"]
    summary |= {"model": base, "corpus": {"documents": len(docs), "gold_facts": len(facts)}}
    summary |= {"mcq": len(mcq), "budget": budget, "arms": {}}
    data_rows = None
    if "data" in arms:
        dataset = load_sft_dataset(args.data)
        if "messages" not in dataset.column_names:
            raise SystemExit(f"--data {args.data} has no `messages` column: {dataset.column_names}")
        data_rows = dataset
        summary["data"] = {"source": str(args.data), **data_figures(list(dataset), facts, mcq)}
        summary["data"]["mixed_with_raw_text"] = args.mix_raw_text
        if graphgen_figures:
            summary["graphgen"] = graphgen_figures
    summary["raw_text"] = data_figures(
        [{"messages": [{"role": "user", "content": t}]} for t in raw], facts, mcq
    )

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    train_kw = {
        "max_steps": steps,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "lora_r": args.lora_r,
        "lora_alpha": args.lora_alpha,
        "max_length": args.max_length,
        "seed": args.seed,
    }
    for arm in arms:
        start = time.perf_counter()
        adapter, trained = None, None
        if arm == "raw":
            log(f"raw: LoRA on {len(raw)} raw-text rows, {steps} steps x {args.batch_size}")
            trained = train_lora(None, base, out / "adapter_raw", raw_text=raw, **train_kw)
        elif arm == "data":
            log(
                f"data: LoRA on {len(data_rows)} rows{' + raw text' if args.mix_raw_text else ''}, {steps} steps"
            )
            mix = raw if args.mix_raw_text else None
            trained = train_lora(data_rows, base, out / "adapter_data", raw_text=mix, **train_kw)
        if trained is not None:
            adapter = trained.output_dir
        train_s = time.perf_counter() - start
        log(f"{arm}: scoring {len(mcq)} MCQs")
        scores = score_model(base, adapter, mcq, args.eval_batch_size)
        scores["train_s"] = round(train_s, 1)
        scores["eval_s"] = round(time.perf_counter() - start - train_s, 1)
        if trained is not None:
            scores["train_loss"] = round(trained.train_loss, 4)
            scores["final_loss"] = trained.metrics["loss_history"][-1]["loss"]
            scores["epochs_done"] = trained.metrics["epochs_done"]
        summary["arms"][arm] = scores
        overall = scores["by_type"]["overall"]
        log(f"{arm}: accuracy per token {overall['accuracy_mean']:.3f}, summed {overall['accuracy_sum']:.3f}")
    if "base" in summary["arms"]:
        summary["lift_points"] = lift_table(summary["arms"])
    summary["wall_s"] = round(time.perf_counter() - t_start, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
