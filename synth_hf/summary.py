"""Run summary shared by GraphGen and AIDE: counts per stage, drops by reason, LLM usage."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from synth_hf.steps.common.ledger import Ledger, nonzero_rounded


def build_summary(ledger_dir: str | Path, *, final_rows: int, extra: dict[str, Any] | None = None) -> dict:
    stages = Ledger(ledger_dir).stage_summary()
    usage: Counter = Counter()
    drops: dict[str, int] = {}
    shortfalls: dict[str, str] = {}
    for stage in stages.values():
        usage.update(stage.get("usage", {}))
        for reason, count in stage["dropped"].items():
            if "_shortfall: " in reason:  # older ledgers recorded a mode planned short as a drop: not a row
                shortfalls[reason.split("_shortfall: ", 1)[0]] = reason.split("_shortfall: ", 1)[1]
                continue
            drops[reason] = drops.get(reason, 0) + count
    calls = sum(s["llm_calls"] for s in stages.values())
    tokens = sum(s["input_tokens"] + s["output_tokens"] for s in stages.values())
    return {
        "final_rows": final_rows,
        "stages": stages,
        "drops_by_reason": drops,
        "shortfalls": shortfalls,  # mode -> why fewer rows were planned than asked (not in drops_by_reason)
        "llm_calls": calls,
        "llm_tokens": tokens,
        "llm_calls_per_row": round(calls / final_rows, 3) if final_rows else None,
        "llm_tokens_per_row": round(tokens / final_rows, 1) if final_rows else None,
        "llm_usage": nonzero_rounded(usage),
        **(extra or {}),
    }


def card_stages(summary: dict) -> dict[str, dict]:
    """The summary's stages as the dataset card lists them: {name: {input, kept, dropped, drop_reasons}}
    (`input` as the console prints it: a stage that fans out, merge 14 chunks -> 145 entities, is not
    kept + dropped)."""
    return {
        name: {"input": s.get("in", s["out"] + sum(s["dropped"].values())), "kept": s["out"],
               "dropped": sum(s["dropped"].values()), "drop_reasons": s["dropped"]}
        for name, s in summary.get("stages", {}).items()
    }


def persona_license(summary: dict) -> str | None:
    """The licence of the persona pool an AIDE run used (an input of its data too), when it is known."""
    pool = summary.get("persona_pool") or {}
    return pool["license"] if pool.get("license") and pool["license"] != "unknown" else None


PACKAGE_LICENSE = "apache-2.0"  # pyproject's: the corpora shipped inside synth_hf are the project's own


def documents_license(summary: dict) -> tuple[str | None, str]:
    """(licence, note) of the source documents a run read (GraphGen's corpus, AIDE's `documents`), as
    its summary records them: the declared licence and ""; for a corpus shipped inside synth_hf, the
    package's licence and ""; else "unknown" (ranked as restrictive: the card's licence becomes
    `other`) and the card's sentence saying it was not declared. (None, "") for a run without
    documents or a summary from before they were kept."""
    docs = summary.get("documents") or {}
    if not docs:
        return None, ""
    if docs.get("license"):
        return str(docs["license"]), ""
    source = str(docs.get("source") or "")
    package = Path(__file__).resolve().parent
    if source and Path(source).resolve().is_relative_to(package):
        return PACKAGE_LICENSE, ""
    return "unknown", (f"The licence of the source documents ({source or '?'}) was not declared "
                       "(input.license for GraphGen, documents.license for AIDE), so the licence above is "
                       "`other`: check their terms before reusing this dataset.")  # fmt: skip


def card_licenses(summary: dict, given: Iterable[str] = ()) -> list[str]:
    """Every licence the card's data inherits, once each: `given` (--license, a recipe's `licenses`), the
    summary's own `licenses`, its known models', its persona pool's and its documents' (`documents_license`:
    "unknown" when not declared)."""
    recorded = summary.get("licenses") if isinstance(summary.get("licenses"), list) else []
    found = [*given, *recorded, *model_licenses(summary), persona_license(summary), documents_license(summary)[0]]
    return list(dict.fromkeys(lic for lic in found if lic))


def model_licenses(summary: dict) -> list[str]:
    """The licences of the models a run's summary names (its `models` block) that synth_hf knows -
    the embedded models' (`synth_hf.models.embedded.embedded_license`) - once each, in role order.
    What the data inherits from the models that wrote it; other models' licences are not guessed."""
    from synth_hf.models.embedded import embedded_license

    models = summary.get("models") or {}
    labels = models.values() if isinstance(models, dict) else []
    found = [lic for label in labels if (lic := embedded_license(str(label)))]
    return list(dict.fromkeys(found))


def probe_note(summary: dict) -> str:
    """The card's sentence for a GraphGen run whose trainee probe carried no signal (`probe_signal.flat`):
    its calibration numbers then say nothing of what the trainee knows, and rows followed graph order,
    not the loss. '' otherwise."""
    signal = summary.get("probe_signal") or {}
    if not signal.get("flat"):
        return ""
    auc = signal.get("separation_auc")
    said = f" (AUC {auc:.2f}; 0.5 = chance)" if isinstance(auc, (int, float)) else ""
    return (f"the trainee's yes/no probe did not separate true from false statements{said}: it does not know "
            "these facts either way, so its calibration figures below say little about its knowledge, and the "
            "subgraphs were taken in graph order, not by the trainee's loss.")  # fmt: skip


def card_quality(summary: dict, dataset: Any) -> dict | None:
    """The card's quality metrics: the summary's `quality` (AIDE records it), else, for rows with a
    `question` column (GraphGen), the questions' self-BLEU / distinct-n as the run report computes them;
    None when neither is there."""
    if summary.get("quality"):
        return summary["quality"]
    if dataset is None or "question" not in getattr(dataset, "column_names", []) or len(dataset) == 0:
        return None
    from synth_hf.report.collect import question_diversity

    diversity = question_diversity(dataset.select_columns(["question"]).to_list())
    return {k: v for k, v in diversity.items() if k != "rows"}


def load_summary(path: str | Path) -> dict:
    """The run summary at `path`; {} when there is none. Raises ValueError naming the file when it cannot
    be read or is not a JSON object: a damaged summary must not pass for a run with no drops."""
    path = Path(path)
    if not path.exists():
        return {}
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise ValueError(f"cannot read the run summary {str(path)!r}: {getattr(err, 'strerror', None) or err}") from err
    except ValueError as err:
        raise ValueError(f"the run summary {str(path)!r} is not valid JSON ({err})") from err
    if not isinstance(summary, dict):  # a ValueError: the CLI says user errors in one line
        kind = type(summary).__name__
        raise ValueError(f"the run summary {str(path)!r} holds a JSON {kind}, not an object")  # noqa: TRY004
    return summary


def save_summary(summary: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def per_row_text(value: float | None, rows: int) -> str:
    """A per-row figure for people: the number, or `n/a (0 rows)` when no row was kept to divide by."""
    if value is None:
        return "n/a (0 rows)" if not rows else "n/a"
    return f"{value:g}"


def format_summary(summary: dict) -> str:
    """Plain-text table (also printed to the terminal at the end of a run)."""
    lines = [f"{'stage':<28}{'in':>7}{'out':>7}{'calls':>8}{'tokens':>10}  dropped"]
    for name, s in summary["stages"].items():
        dropped = ", ".join(f"{k}={v}" for k, v in s["dropped"].items()) or "-"
        tokens = s["input_tokens"] + s["output_tokens"]
        lines.append(f"{name:<28}{s['in']:>7}{s['out']:>7}{s['llm_calls']:>8}{tokens:>10}  {dropped}")
    per_row = per_row_text(summary.get("llm_calls_per_row"), summary["final_rows"])
    lines.append(
        f"final rows: {summary['final_rows']}   LLM calls: {summary['llm_calls']}   "
        f"tokens: {summary['llm_tokens']}   calls/row: {per_row}"
    )
    skipped = (summary.get("input") or {}).get("skipped_files") or []
    if skipped:
        lines.append(f"input: {len(skipped)} file(s) not read (reasons in summary.json input.skipped_files): "
                     + ", ".join(Path(s["path"]).name for s in skipped[:5]) + (" ..." if len(skipped) > 5 else ""))
    if summary.get("llm_usage"):
        lines.append("engine: " + "  ".join(f"{k}={v}" for k, v in summary["llm_usage"].items()))
    for name, load in (summary.get("engine_load") or {}).items():
        took = f", loaded in {load['load_s']} s" if "load_s" in load else ""
        lines.append(f"engine load ({name}): {load.get('mode')}{took} - {load.get('reason')}")
    return "\n".join(lines)


# Targets on the embedded model (issue 14): what one supported output row may cost.
COST_TARGETS = {"llm_calls": 3.0, "wall_s": 2.0, "engine_utilisation": 0.85}


def _is_supported(row: dict) -> bool | None:
    """True / False when the row went through a support check, None when it did not."""
    if isinstance(row.get("supported"), bool):  # GraphGen's verify gate
        return row["supported"]
    # grounded AIDE; "evidence_sentence": the answer is the evidence sentence itself (fallback);
    # "answer_first": the child was written for its evidence sentence's answer span (checked all the same)
    checked = ("evidence", "evidence_sentence", "answer_first")
    if row.get("verification") in checked and isinstance(row.get("verified"), bool):
        return row["verified"]
    return None


def cost_per_supported_row(
    rows: Iterable[dict],
    summary: dict,
    wall_s: float,
    engine_utilisation: float | None = None,
    targets: dict[str, float] | None = None,
) -> dict:
    """The headline cost of a run: LLM calls, tokens and wall seconds per *supported* output row.

    rows: the final output rows (dicts or a `datasets.Dataset`). A row is supported when its
    `supported` column is True (GraphGen) or it was verified against evidence (AIDE with documents:
    `verification` evidence / evidence_sentence / answer_first and `verified` True). summary: the run summary (`llm_calls`,
    `llm_tokens`, missing counts read as 0; `support.checked` > 0 marks a checked run even when the
    gate dropped every row). wall_s: the run's wall time in seconds.
    engine_utilisation: raw batched time / pipeline LLM time (benchmarks/utilisation.py), if measured.

    Returns {supported_rows, output_rows, unchecked_rows, llm_calls, llm_tokens, wall_s,
    engine_utilisation, questions_by_generator ({generator: rows}, from a `generator` column: llm /
    template), targets, met, all_met, note}. Per-row figures are None when no row is
    supported (`met` False: nothing was bought) or when no row went through a support check
    (`met` None: the run cannot say). `met[k]` is None for a figure that was not measured.
    Raises ValueError for a negative wall time.
    """
    if wall_s is None or wall_s < 0:
        raise ValueError(f"wall_s must be a non-negative number of seconds, got {wall_s!r}")
    targets = {**COST_TARGETS, **(targets or {})}
    rows = [dict(r) for r in rows]
    flags = [_is_supported(r) for r in rows]
    supported = sum(f is True for f in flags)
    # who wrote the questions: "100 % supported" reads differently when templates wrote them all
    generators = Counter(str(r["generator"]) for r in rows if r.get("generator"))
    unchecked = sum(f is None for f in flags)
    # rows the support gate dropped are not in `rows`; the summary still says the run was checked
    checked = len(flags) - unchecked + ((summary.get("support") or {}).get("checked") or 0)
    calls, tokens = summary.get("llm_calls") or 0, summary.get("llm_tokens") or 0
    raw = {"llm_calls": calls, "llm_tokens": tokens, "wall_s": wall_s}
    per_row = {k: (v / supported if supported else None) for k, v in raw.items()}
    if supported:
        note = f"{supported} of {len(flags)} output rows supported"
        if generators:
            note += "; questions by " + ", ".join(f"{k}: {v}" for k, v in sorted(generators.items()))
    elif checked:
        note = f"no supported output row ({len(flags)} output rows): the run bought nothing"
    else:
        note = "no output row went through a support check (no `supported` column, no evidence verification)"
    met: dict[str, bool | None] = {}
    for key in ("llm_calls", "wall_s"):
        met[key] = per_row[key] <= targets[key] if supported else (False if checked else None)
    met["engine_utilisation"] = (
        None if engine_utilisation is None else engine_utilisation >= targets["engine_utilisation"]
    )
    known = [v for v in met.values() if v is not None]
    return {
        "supported_rows": supported if checked else None,
        "output_rows": len(flags),
        "unchecked_rows": unchecked,
        **{k: None if v is None else round(v, 1 if k == "llm_tokens" else 3) for k, v in per_row.items()},
        "engine_utilisation": engine_utilisation,
        "questions_by_generator": dict(sorted(generators.items())),
        "targets": {
            "llm_calls": f"<= {targets['llm_calls']:g}",
            "wall_s": f"<= {targets['wall_s']:g}",
            "engine_utilisation": f">= {targets['engine_utilisation']:g}",
        },
        "met": met,
        "all_met": None if met["llm_calls"] is None else all(known),  # over the figures measured
        "note": note,
    }
