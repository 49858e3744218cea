"""Run summary shared by GraphGen and AIDE: counts per stage, drops by reason, LLM usage."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from synth_hf.steps.common.ledger import Ledger, nonzero_rounded


def build_summary(ledger_dir: str | Path, *, final_rows: int, extra: dict[str, Any] | None = None) -> dict:
    stages = Ledger(ledger_dir).stage_summary()
    usage: Counter = Counter()
    drops: dict[str, int] = {}
    for stage in stages.values():
        usage.update(stage.get("usage", {}))
        for reason, count in stage["dropped"].items():
            drops[reason] = drops.get(reason, 0) + count
    calls = sum(s["llm_calls"] for s in stages.values())
    tokens = sum(s["input_tokens"] + s["output_tokens"] for s in stages.values())
    return {
        "final_rows": final_rows,
        "stages": stages,
        "drops_by_reason": drops,
        "llm_calls": calls,
        "llm_tokens": tokens,
        "llm_calls_per_row": round(calls / final_rows, 3) if final_rows else None,
        "llm_tokens_per_row": round(tokens / final_rows, 1) if final_rows else None,
        "llm_usage": nonzero_rounded(usage),
        **(extra or {}),
    }


def save_summary(summary: dict, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def format_summary(summary: dict) -> str:
    """Plain-text table (also printed to the terminal at the end of a run)."""
    lines = [f"{'stage':<28}{'in':>7}{'out':>7}{'calls':>8}{'tokens':>10}  dropped"]
    for name, s in summary["stages"].items():
        dropped = ", ".join(f"{k}={v}" for k, v in s["dropped"].items()) or "-"
        tokens = s["input_tokens"] + s["output_tokens"]
        lines.append(f"{name:<28}{s['in']:>7}{s['out']:>7}{s['llm_calls']:>8}{tokens:>10}  {dropped}")
    lines.append(
        f"final rows: {summary['final_rows']}   LLM calls: {summary['llm_calls']}   "
        f"tokens: {summary['llm_tokens']}   calls/row: {summary['llm_calls_per_row']}"
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
