"""Grounded AIDE, run level: read the user's documents into evidence passages (for the retrieval
steps), pick each hop's synthesis step (answer first or free) and summarise the support rate from the
annotate stages' counters."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from synth_hf.pipelines.aide_config import AIDEConfig, DocumentsConfig
from synth_hf.steps.common.ledger import Ledger


def read_documents(
    d: DocumentsConfig | None, passages_path: str, dry_run: bool, setting: str = "documents.source"
) -> dict | None:
    """Read the documents `d` (same readers as GraphGen), split them into sentence passages and save
    them for the retrieval steps; returns what was read (None for an ungrounded run). A dry run reads
    and checks but writes nothing. Raises ValueError for a corpus without any sentence."""
    if d is None:
        return None
    from synth_hf.io.readers import load_text_dataset, report_skipped
    from synth_hf.io.source_errors import blamed_on
    from synth_hf.text.retrieval import document_passages

    with blamed_on(setting, "documents.text_column"):
        ds, stats = load_text_dataset(d.source, text_column=d.text_column, split=d.split)
    if d.limit is not None:
        ds = ds.select(range(min(d.limit, len(ds))))
    passages = document_passages(zip(ds["doc_id"], ds["text"]))
    if not passages:
        raise ValueError(f"documents: no sentence found in {d.source!r} ({len(ds)} documents)")
    if not dry_run:
        Path(passages_path).parent.mkdir(parents=True, exist_ok=True)
        Path(passages_path).write_text(json.dumps(passages, ensure_ascii=False), encoding="utf-8")
    skipped = list(stats.skipped_files)
    report_skipped(skipped, prefix="[aide] documents:")  # stderr: --dry-run's stdout is JSON only
    # `license` (None = not declared) goes with the summary to the dataset card's licence
    return {"source": d.source, "license": d.license, "documents": len(ds), "passages": len(passages),
            "top_k": d.top_k, "skipped_files": skipped}  # fmt: skip


def synthesis_stage(config: AIDEConfig, hop: int, llm: Any, kwargs: dict, passages_path: str, batch: int) -> Any:
    """Hop `hop`'s synthesis step (build it inside the pipeline's context): `SynthesizeAnswerFirst` when
    `config.answer_first_on` (a global step over the documents' passages; it pre-grades candidate facts when
    reflection grades by embedding), else `SynthesizeChildren`;
    `kwargs` are the frame and synthesis fields both take."""
    from synth_hf.steps import aide as S

    exp = config.expansion
    common = {"name": f"synthesize_h{hop}", "llm": llm, "hop": hop, "operation_order": list(exp.operations),
              "operations_per_node": exp.operations_per_node, "residual": hop in exp.residual_hops,
              "evol": exp.evol, **kwargs}  # fmt: skip
    if config.answer_first_on:
        r = config.reflection
        # reflection's embedding grade costs no call, so it can choose the fact before the call too
        pregrade = {"pregrade": True, "min_relevance": r.min_relevance, "min_diversity": r.min_diversity,
                    "embedder": config.personas.embedder} if r.enabled and r.grader == "embedding" else {}  # fmt: skip
        return S.SynthesizeAnswerFirst(**common, passages_path=passages_path, reasoning_chains=exp.reasoning_chains,
                                       constraint_rows=exp.constraint_rows, **pregrade)
    return S.SynthesizeChildren(**common, input_batch_size=batch)


def reflection_stage(config: AIDEConfig, hop: int, llm: Any, grader: Any, kwargs: dict, passages_path: str,
                     batch: int) -> Any:  # fmt: skip
    """Hop `hop`'s reflection step (build it inside the pipeline's context): `SelfReflectAnswerFirst` when
    `config.answer_first_on` (global: a failing row is re-synthesized on another unused fact), else
    `SelfReflect` over batches of `batch` rows. `grader`: the grader engine (None: `llm`, or the
    embedding grader); `kwargs`: the frame and synthesis fields."""
    from synth_hf.steps import aide as S

    r = config.reflection
    common = {"name": f"reflect_h{hop}", "llm": llm, "grader": grader, "hop": hop, "min_relevance": r.min_relevance,
              "min_diversity": r.min_diversity, "max_attempts": r.max_attempts, "scorer": r.grader,
              "copy_threshold": config.dedup.minhash_threshold, "embedder": config.personas.embedder,
              **kwargs}  # fmt: skip
    if config.answer_first_on:
        return S.SelfReflectAnswerFirst(**common, passages_path=passages_path)
    return S.SelfReflect(**common, input_batch_size=batch)


def support_summary(ledger_dir: str | Path) -> dict:
    """Support rate of a grounded run: share of annotated rows whose answer passed the support check
    against their evidence, before filtering, overall and per branch (attribute / persona) and hop."""
    counters: dict[str, dict[str, int]] = {}
    for stage, summary in Ledger(ledger_dir).stage_summary().items():
        if stage.startswith("annotate_h"):
            counters[stage.removeprefix("annotate_")] = summary.get("counters", {})
    checked = supported = 0
    per_branch: dict[str, list[int]] = {}
    per_hop: dict[str, float | None] = {}
    for hop, c in counters.items():
        hop_checked = hop_supported = 0
        for key, value in c.items():
            if key.startswith("checked:"):
                branch = key.split(":", 1)[1]
                got = int(c.get(f"supported:{branch}", 0))
                per_branch.setdefault(branch, [0, 0])
                per_branch[branch][0] += int(value)
                per_branch[branch][1] += got
                hop_checked, hop_supported = hop_checked + int(value), hop_supported + got
        checked, supported = checked + hop_checked, supported + hop_supported
        per_hop[hop] = hop_supported / hop_checked if hop_checked else None
    return {
        "checked": checked,
        "supported": supported,
        "rate": supported / checked if checked else None,
        "per_branch": {b: {"checked": n, "supported": k, "rate": k / n} for b, (n, k) in per_branch.items() if n},
        "per_hop": per_hop,
    }
