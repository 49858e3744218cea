"""AIDE as a distilabel pipeline: `build_aide(config) -> Pipeline`, `run_aide(config) -> RunResult`.

Stage list (a chain; every stage carries finished rows forward and only acts on its hop):

    load_seeds ->
      for h in 1..H:  plan_h -> extract_attributes_h -> [join_persona_pool] -> [retrieve_personas_h]
                      -> synthesize_h -> [reflect_h] -> [dedup_h] -> [retrieve_evidence_h] -> annotate_h
    -> format_aide

A persona pool generated from the seeds is a side branch, load_seeds -> persona_pool ->
join_persona_pool: it runs beside plan_h1 / extract_attributes_h1 (in a sequential run too, as one
load stage) and the join waits for both before hop 1's retrieval reads the pool file.

H = max(attribute depth, persona depth) <= K. With documents, synthesize_h is answer first (each child
written for an unused sentence of the documents, `config.answer_first_on`) or free, followed by
retrieve_evidence_h. `plan_h` gives each row of hop h-1 its child quota
(branching limits, depths, row budget); rows without one are leaves and are never extracted.
Residual connection: the seed is in every synthesis prompt (operations, personas, re-synthesis)
of hops 1..residual_depth: at hop 1 as the parent itself, at hops >= 2 as an extra block.
"""

from __future__ import annotations

import itertools
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synth_hf.pipelines import runner
from synth_hf.pipelines.aide_config import BUILTIN_OPERATIONS, AIDEConfig
from synth_hf.pipelines.aide_grounding import (
    read_documents,
    reflection_stage,
    support_summary,
    synthesis_stage,
)
from synth_hf.pipelines.engines import RunEngines, build_engines
from synth_hf.pipelines.runner import RunResult
from synth_hf.runtime.artifacts import finish_run
from synth_hf.steps.aide.seeds import count, load_demonstrations, load_seeds
from synth_hf.steps.aide.synthesis_prompts import OPERATION_INSTRUCTIONS
from synth_hf.steps.common.join import JoinBranches
from synth_hf.steps.common.ledger import Ledger, batch_key
from synth_hf.summary import save_summary

POOL_FILE = "personas.json"
PASSAGES_FILE = "evidence_passages.json"
# Every step memos its finished batches, and after a hard kill runner.running discards distilabel's
# cache and resumes from that memo: its saves in between are never read, only the final one (normal
# end or Ctrl-C) is. They cost 1-4 s each on 2 loaded cores (see distilabel_compat.patches.throttle_cache).
CACHE_INTERVAL_S = math.inf


# the annotation config fields the annotate step takes under the same names
ANNOTATION_FIELDS = {
    "verification", "samples", "temperature", "min_agreement", "free_text_threshold", "on_disagreement",
    "max_new_tokens", "evidence_fallback", "answer_source",
}  # fmt: skip


@dataclass
class AIDEBuild:
    """What the builder learnt besides the pipeline (used for the summary and quality report)."""

    seeds: list[dict]
    stages: list[str]
    leaf: str
    persona_pool: dict | None
    models: dict[str, str]
    invalid: list[tuple[dict, str]] = field(default_factory=list)  # (raw seed row, reason)
    engines: RunEngines | None = None
    documents: dict | None = None  # what was read from config.documents (None = ungrounded run)
    together: list[list[str]] = field(default_factory=list)  # steps a sequential run loads side by side

    @property
    def invalid_seeds(self) -> dict[str, int]:
        return count(reason for _, reason in self.invalid)


def _engines(config: AIDEConfig) -> RunEngines:
    """One engine per role per run; a grader or annotator without its own config shares the
    synthesizer's engine (and so its budget)."""
    return build_engines(
        {
            "synthesizer": config.engine,
            "grader": config.grader_engine or "synthesizer",
            "annotator": config.annotator_engine or "synthesizer",
        }
    )


# --------------------------------------------------------------------------------------- builder
def _operations(config: AIDEConfig) -> tuple[dict[str, str], dict[str, str]]:
    instructions = {op: OPERATION_INSTRUCTIONS[op] for op in BUILTIN_OPERATIONS}
    templates: dict[str, str] = {}
    for name, op in config.expansion.custom_operations.items():
        if op.template is not None:
            templates[name] = op.template
        else:
            instructions[name] = str(op.instruction)
    return instructions, templates


def _build(
    config: AIDEConfig, dry_run: bool = False, on_checked: Callable[[], None] | None = None
) -> tuple[Any, AIDEBuild]:
    """`dry_run`: validate and lay out the stages, writing nothing (no persona pool is built).
    Seeds, demonstrations, engines and documents are checked before anything is written;
    `on_checked` is called then, before the run folder is made (run_aide opens run.log there)."""
    from distilabel.steps import LoadDataFromDicts

    from synth_hf.steps import aide as S
    from synth_hf.steps.aide.personas import check_pool_source, pool_for_run

    run, exp, fmt = config.run, config.expansion, config.seeds.format
    seeds, invalid = load_seeds(config.seeds)
    demos = load_demonstrations(config.seeds)
    engines = _engines(config)
    passages_path = str(run.run_dir / PASSAGES_FILE)
    documents = read_documents(config.documents, passages_path, dry_run)  # writes after reading
    attr_depth, persona_depth = exp.attribute_branch_depth, exp.persona_branch_depth
    # a missing path / malformed id of the persona pool fails here, in a dry run too, not mid-run
    pool_kind = check_pool_source(config.personas.source) if persona_depth and config.personas.source else None
    if on_checked is not None:
        on_checked()
    if not dry_run:
        run.run_dir.mkdir(parents=True, exist_ok=True)
    hops = max(attr_depth, persona_depth)
    pool_path = str(run.run_dir / POOL_FILE)
    pool_meta = pool_for_run(config.personas, pool_kind, dry_run, pool_path) if persona_depth else None

    frame = {"ledger_dir": str(run.ledger_dir), "memo_dir": str(run.run_dir / runner.MEMO_DIR)}
    batch = run.input_batch_size
    common = {"seed_format": fmt, "task_description": config.seeds.task_description, "demonstrations": demos}
    instructions, templates = _operations(config)
    synth = {
        **common,
        "operations": instructions,
        "operation_templates": templates,
        "temperature": exp.temperature,
        "max_new_tokens": exp.max_new_tokens,
        "generation_seed": run.seed,
        "llm_questions": exp.llm_questions,
    }
    ann = config.annotation
    synthesizer = engines["synthesizer"]
    pipeline = runner.new_pipeline(run.name, run, description="AIDE: attribute/persona-guided multi-hop expansion")
    pipeline._synth_cache_interval_s = CACHE_INTERVAL_S
    stages: list[Any] = []
    with pipeline:
        stages.append(LoadDataFromDicts(name="load_seeds", data=seeds, batch_size=max(batch, len(seeds))))
        pool_step = None  # a side branch: load_seeds -> persona_pool -> join_persona_pool (before hop 1's retrieval)
        if persona_depth and not config.personas.source:
            pool_step = S.GeneratePersonaPool(
                name="persona_pool",
                llm=synthesizer,
                **frame,
                seed_format=fmt,
                per_seed=config.personas.per_seed,
                pool_path=pool_path,
                generation_seed=run.seed,
                expected_seeds=len(seeds),
                input_batch_size=len(seeds),
            )
        # evol children fill the attribute slots, one per slot, operations taken in turn
        slots = (
            {"attributes_per_node": exp.evol_children, "operations_per_node": 1, "n_operations": 1}
            if exp.evol
            else {
                "attributes_per_node": exp.attributes_per_node,
                "operations_per_node": exp.operations_per_node,
                "n_operations": len(exp.operations),
                "personas_per_node": exp.personas_per_node,
            }
        )
        for h in range(1, hops + 1):
            planner = S.PlanHop if exp.max_rows is None else S.BudgetedPlanHop
            stages.append(
                planner(
                    name=f"plan_h{h}",
                    **frame,
                    hop=h,
                    attribute_depth=attr_depth,
                    persona_depth=persona_depth,
                    **slots,
                    max_rows=exp.max_rows,
                    **({"input_batch_size": batch} if exp.max_rows is None else {}),
                )
            )
            if not exp.evol:  # evol needs no attributes: no extraction call
                stages.append(
                    S.ExtractAttributes(
                        name=f"extract_attributes_h{h}",
                        llm=synthesizer,
                        **frame,
                        hop=h,
                        attributes_per_node=exp.attributes_per_node,
                        from_question=exp.attributes_from == "question",
                        max_new_tokens=exp.extraction_max_new_tokens,
                        input_batch_size=batch,
                        **common,
                    )
                )
            if h <= persona_depth:
                if h == 1 and pool_step is not None:
                    join = JoinBranches(name="join_persona_pool", **frame)
                    stages.append(join)
                stages.append(
                    S.RetrievePersonas(
                        name=f"retrieve_personas_h{h}",
                        **frame,
                        hop=h,
                        pool_path=pool_path,
                        embedder=config.personas.embedder,
                        cache_dir=config.personas.cache_dir,
                        input_batch_size=batch,
                    )
                )
            stages.append(synthesis_stage(config, h, synthesizer, {**frame, **synth}, passages_path, batch))
            if config.reflection.enabled:
                grader = engines.own("grader") if config.reflection.grader == "llm" else None
                stages.append(reflection_stage(config, h, synthesizer, grader, {**frame, **synth}, passages_path, batch))
            if config.dedup.minhash_threshold is not None or config.dedup.embedding_threshold is not None:
                stages.append(
                    S.HopOrderedDedup(
                        name=f"dedup_h{h}",
                        **frame,
                        text_columns=["question"],
                        minhash_threshold=config.dedup.minhash_threshold,
                        embedding_threshold=config.dedup.embedding_threshold,
                        embedder_model=config.dedup.embedder,
                        reference_texts=[s["question"] for s in seeds],
                    )
                )
            if documents is not None and not config.answer_first_on:  # answer-first rows carry their fact
                stages.append(
                    S.RetrieveEvidence(
                        name=f"retrieve_evidence_h{h}",
                        **frame,
                        hop=h,
                        passages_path=passages_path,
                        top_k=config.documents.top_k,  # type: ignore[union-attr]
                        input_batch_size=batch,
                    )
                )
            stages.append(
                S.AnnotateAndVerify(
                    name=f"annotate_h{h}",
                    llm=engines["annotator"],
                    **frame,
                    hop=h,
                    **ann.model_dump(include=ANNOTATION_FIELDS),
                    generation_seed=run.seed,
                    grounded=documents is not None,
                    input_batch_size=batch,
                    **common,
                )
            )
        stages.append(
            S.FormatAIDE(
                name="format_aide",
                **frame,
                seed_format=fmt,
                system_prompt=config.system_prompt,
                input_batch_size=batch,
            )
        )
        for upstream, downstream in itertools.pairwise(stages):
            upstream >> downstream
        if pool_step is not None:  # joined after the chain's edge, so the join lists the chain first
            stages[0] >> pool_step >> join
    names = [s.name for s in stages]
    together = []
    if pool_step is not None:  # the pool is written while hop 1 plans and extracts (sequential runs too)
        names.insert(1, pool_step.name)
        together = [names[1 : names.index("join_persona_pool")]]
    info = AIDEBuild(
        seeds, names, "format_aide", pool_meta, dict(engines.labels), invalid, engines, documents, together
    )
    return pipeline, info


def build_aide(config: AIDEConfig) -> Any:
    """The distilabel Pipeline for `config` (seeds are loaded and validated now)."""
    return _build(config)[0]


def check_aide(config: AIDEConfig) -> AIDEBuild:
    """What a dry run checks, writing nothing and building no persona pool: seeds (valid and refused),
    demonstrations, engines (options, device, model reference) and documents are read and built.
    Raises ValueError / FileNotFoundError with one clear message."""
    return _build(config, dry_run=True)[1]


def describe_stages(config: AIDEConfig) -> list[str]:
    """Stage names of the pipeline `config` builds; writes nothing."""
    return check_aide(config).stages


def _record_seeds(run_dir: Path, ledger: Ledger, info: AIDEBuild) -> None:
    """The seed stage's ledger line (invalid seeds are its drops) and the seeds as used."""
    seeds, invalid = info.seeds, info.invalid
    ledger.record("load_seeds", batch_key(seeds), len(seeds) + len(invalid), len(seeds), invalid)
    (run_dir / "seeds.jsonl").write_text(
        "".join(
            json.dumps({k: s[k] for k in ("seed_id", "question", "options", "answer")}) + "\n" for s in seeds
        )
    )


def run_aide(config: AIDEConfig) -> RunResult:
    """Build and run AIDE, save dataset / dropped rows / summary (and quality report) under the
    run folder. A rerun after a hard kill resumes from the finished batches (`runner.running`);
    raises RunInterrupted when the run stopped early (rerun to resume)."""
    from synth_hf.runtime.logs import install

    started = time.time()
    install(hold=True)  # run.log (with these records) once seeds, engines and documents are checked

    def checked() -> None:
        install(config.run.run_dir)
        print(f"[aide] run folder: {config.run.run_dir}", flush=True)

    pipeline, info = _build(config, on_checked=checked)
    with runner.running(pipeline, config.run, "aide") as run:
        _record_seeds(run.run_dir, Ledger(run.ledger_dir), info)
        distiset = runner.execute(
            pipeline, run, sequential=config.sequential_steps, reset_ledger=False, together=info.together
        )
        runner.check_finished(pipeline, "AIDE", run.run_dir)
    leaf = "default" if distiset is not None and "default" in distiset else info.leaf
    exp = config.expansion
    extra = {
        "method": "aide",
        "seeds": len(info.seeds),
        "seed_ids": [s["seed_id"] for s in info.seeds],
        "invalid_seeds": info.invalid_seeds,
        "stage_list": info.stages,
        "models": info.models,
        "persona_pool": info.persona_pool,
        "residual_hops": exp.residual_hops,
        "branching": {
            "method": exp.method,
            "evol_children_per_node": exp.evol_children if exp.evol else None,
            "depth": exp.depth,
            "attribute_depth": exp.attribute_branch_depth,
            "persona_depth": exp.persona_branch_depth,
            "attributes_per_node": exp.attributes_per_node,
            "operations_per_node": exp.operations_per_node,
            "operations": exp.operations,
            "personas_per_node": exp.personas_per_node,
            "max_rows": exp.max_rows,
        },
        "reflection": config.reflection.enabled,
        "documents": info.documents,
        "answer_first": config.answer_first_on,
        "verification": config.annotation.verification,
        "config": config.model_dump(mode="json"),
    }
    if info.documents is not None:
        support = support_summary(config.run.ledger_dir)
        extra["support"] = support
        if support["checked"]:
            extra["support_rate"] = {"overall": support["rate"]} | {
                b: v["rate"] for b, v in support["per_branch"].items()
            }
    result = runner.collect(distiset, leaf, config.run, extra_summary=extra, started=started)
    if extra.get("support_rate"):
        s = extra["support"]
        print(f"[aide] support rate {s['rate']:.1%} of {s['checked']} annotated rows", flush=True)
    if len(result.dataset) and "hop" in result.dataset.column_names:
        result.summary["rows_per_hop"] = {str(h): c for h, c in sorted(count(result.dataset["hop"]).items())}
    if config.quality_report and len(result.dataset) and "question" in result.dataset.column_names:
        from synth_hf.steps.aide.quality import quality_report, save_quality

        report = quality_report(
            result.dataset,
            {s["seed_id"]: s["question"] for s in info.seeds},
            embedder=config.personas.embedder,
        )
        result.summary["quality_report"] = str(save_quality(report, result.run_dir / "quality.json"))
        result.summary["quality"] = report.get("overall", {})
    save_summary(result.summary, Path(result.run_dir) / "summary.json")
    finish_run(result, pipeline)
    return result
