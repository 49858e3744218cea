"""AIDE ablations, as in the paper: the same seeds with and without the residual connection, the
personas and the self-reflection, measured per hop.

    python benchmarks/aide_ablation.py                         # embedded model on one local vLLM server
    python benchmarks/aide_ablation.py --seeds 2 --depth 2 --engine transformers
    python benchmarks/aide_ablation.py --engine fake --documents none   # wiring check in seconds

Seeds are the knowledge-lift benchmark's seed questions (`split_seeds`, question -> gold option text)
and, by default, answers are grounded in its documents, so the support rate is measured. Variants:
`full` (recipes/configs/aide_knowledge_lift.yaml), `no_residual` (seed only in hop 1's prompts, where
it is the parent), `no_personas` (attribute branch only), `no_reflection`. Per variant and hop (and
overall): rows, relevance to the seed (mean embedding cosine), diversity (self-BLEU, distinct-2,
embedding spread: mean pairwise cosine distance) from synth_hf.steps.aide.quality, and the support rate (share
of annotated rows whose answer passed the support check, before filtering); per variant: LLM calls
per kept row (target <= 2.1 without reflection) and kept rows per minute. Prints a markdown table,
then the JSON (also written to --out/ablation.json).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DOCS = ROOT / "synth_hf" / "data" / "knowledge_lift" / "docs"
VARIANTS: dict[str, dict[str, object]] = {
    "full": {},
    "no_residual": {"expansion.residual_depth": 1},
    "no_personas": {"expansion.personas_per_node": 0},
    "no_reflection": {"reflection.enabled": False},
}
COLUMNS = ("rows", "relevance", "self_bleu", "distinct_2", "embedding_spread", "support_rate")
FAKE = {"engine": "fake", "options": {"responder": "synth_hf.steps.aide.fake_responder:respond"}}


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--config", default=str(ROOT / "recipes" / "configs" / "aide_knowledge_lift.yaml"))
    p.add_argument("--engine", choices=["vllm-server", "transformers", "fake"], default="vllm-server")
    p.add_argument("--seeds", type=int, default=4, help="seed questions (the first N of the lift split)")
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--max-rows", type=int, default=40, help="row cap per run (0 = none)")
    p.add_argument("--documents", default=str(DOCS), help="ground answers in these documents; 'none' = ungrounded")
    p.add_argument("--variants", default=",".join(VARIANTS), help=f"comma list of {', '.join(VARIANTS)}")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="config override for every variant, e.g. expansion.attributes_from=llm (repeatable)")
    p.add_argument("--out", default="outputs/aide_ablation")
    return p


def variant_figures(summary: dict, quality: dict, wall_s: float) -> dict:
    """One variant's figures from its run summary and quality report: per hop and overall blocks
    with COLUMNS, plus calls per kept row and kept rows per minute."""
    support = summary.get("support") or {}
    per_hop_support = support.get("per_hop") or {}

    def block(q: dict, support_rate: float | None) -> dict:
        return {
            "rows": q.get("rows", 0),
            "relevance": q.get("seed_similarity"),
            "self_bleu": q.get("self_bleu"),
            "distinct_2": q.get("distinct_2"),
            "embedding_spread": q.get("embedding_spread"),
            "support_rate": None if support_rate is None else round(support_rate, 4),
        }

    hops = {h: block(q, per_hop_support.get(f"h{h}")) for h, q in (quality.get("per_hop") or {}).items()}
    kept = summary.get("final_rows", 0)
    return {
        "per_hop": hops,
        "overall": block(quality.get("overall") or {}, support.get("rate")),
        "kept_rows": kept,
        "llm_calls": summary.get("llm_calls"),
        "calls_per_kept_row": round(summary["llm_calls"] / kept, 2) if kept else None,
        "rows_per_minute": round(60 * kept / wall_s, 2) if wall_s > 0 else None,
        "wall_s": round(wall_s, 1),
        "drops_by_reason": summary.get("drops_by_reason"),
    }


def ablation_table(results: dict[str, dict]) -> list[dict]:
    """Flat rows (variant, hop, COLUMNS..., calls_per_kept_row, rows_per_minute): one per variant
    and hop, then the variant's overall row (hop "all")."""
    table = []
    for name, fig in results.items():
        per_variant = {k: fig[k] for k in ("calls_per_kept_row", "rows_per_minute")}
        for hop, block in sorted(fig["per_hop"].items()):
            table.append({"variant": name, "hop": str(hop), **block, **dict.fromkeys(per_variant)})
        table.append({"variant": name, "hop": "all", **fig["overall"], **per_variant})
    return table


def markdown(table: list[dict]) -> str:
    """The table as markdown (None shown as '-')."""
    cols = ["variant", "hop", *COLUMNS, "calls_per_kept_row", "rows_per_minute"]
    cell = lambda v: "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(cell(row[c]) for c in cols) + " |" for row in table]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from synth_hf.config import apply_dotted, parse_set, read_yaml_mapping
    from synth_hf.data.knowledge_lift import load_mcq
    from synth_hf.evaluation.knowledge_lift import seed_qa_rows, split_seeds
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.pipelines.aide_config import AIDEConfig

    args = build_parser().parse_args(argv)
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    unknown = set(names) - set(VARIANTS)
    if unknown:
        raise SystemExit(f"unknown variants {sorted(unknown)}; choose from {', '.join(VARIANTS)}")
    seeds = split_seeds(load_mcq(), 10)[0]
    if not 1 <= args.seeds <= len(seeds):
        raise SystemExit(f"--seeds must be between 1 and {len(seeds)}")
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    grounded = args.documents.lower() != "none"
    base = apply_dotted(read_yaml_mapping(args.config), {
        "seeds.rows": seed_qa_rows(seeds[: args.seeds]), "seeds.id_column": "id",
        "run.output_dir": str(out), "run.use_cache": False, "expansion.depth": args.depth,
        "expansion.max_rows": args.max_rows or None, "quality_report": True,
    })  # fmt: skip
    base["documents"] = {**base.get("documents", {}), "source": args.documents} if grounded else None
    if not grounded:  # no evidence to answer from
        base = apply_dotted(base, {"annotation.answer_source": "annotator"})
    try:
        base = apply_dotted(base, parse_set(args.set))
    except ValueError as err:
        raise SystemExit(f"aide_ablation: {err}") from None
    checked = {}
    for name in names:  # every variant's config is checked before a server starts or a run begins
        try:
            checked[name] = AIDEConfig.model_validate(apply_dotted(base, {**VARIANTS[name], "run.name": name}))
        except ValueError as err:  # pydantic's ValidationError is a ValueError
            raise SystemExit(f"aide_ablation: {name}: " + "; ".join(str(err).splitlines())) from None
    results: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        if args.engine == "vllm-server":
            from synth_hf.models.serve import SEEDED_SERVER_ARGS, local_vllm_server
            from synth_hf.pipelines.schemas import aide_schemas

            schemas = [s for config in checked.values() for s in aide_schemas(config)]  # every variant's, once
            server = local_vllm_server(log_path=out / "vllm_server.log", extra_args=SEEDED_SERVER_ARGS,
                                       warm_schemas=schemas)  # fmt: skip
            url = stack.enter_context(server)
            base["engine"] = {"engine": "openai", "options": {"base_url": url, "concurrency": 16}}
        elif args.engine == "fake":
            base["engine"] = FAKE
            base["personas"] = {**base.get("personas", {}), "embedder": "hashing"}
        for name in names:
            config = AIDEConfig.model_validate(apply_dotted(base, {**VARIANTS[name], "run.name": name}))
            print(f"[{time.strftime('%H:%M:%S')}] {name}: {args.seeds} seeds, depth {args.depth}", flush=True)
            started = time.perf_counter()
            result = run_aide(config)
            wall = time.perf_counter() - started
            qpath = result.run_dir / "quality.json"
            quality = json.loads(qpath.read_text()) if qpath.exists() else {}
            results[name] = variant_figures(result.summary, quality, wall)
    table = ablation_table(results)
    report = {
        "seeds": args.seeds, "depth": args.depth, "max_rows": args.max_rows or None, "engine": args.engine,
        "documents": args.documents if grounded else None, "target_calls_per_kept_row_without_reflection": 2.1,
        "overrides": args.set,
        "variants": results, "table": table,
    }  # fmt: skip
    (out / "ablation.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(markdown(table))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    from synth_hf.workflow import run_recipe

    sys.exit(run_recipe(main, prog="aide_ablation"))  # a usage error: one line, status 2
