"""The few things at the end of a run that a user should act on, printed once and plainly:
a stage that dropped most of its rows, a trainee probe without signal, an endpoint that fell back
from chat to plain completions, requests refused by the budget, rows training would leave out as
unverified. Also kept in `summary["notices"]`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

log = logging.getLogger("synth_hf")

FAILED_SHARE = 0.2  # this share of failed engine calls is worth the first line
# A stage dropping more than this share of its input rows is worth a line, however few rows it saw
# (2 of 3 chunks lost at extraction is most of a tiny corpus; one row of two is not "most").
DROP_SHARE = 0.5
LOW_MASS = 0.2  # mean probability mass of the yes/no tokens below this: the trainee did not answer yes/no


def run_notices(summary: dict, run_dir: str | Path | None = None) -> list[str]:
    """Notices for a finished run, from its summary (and `calibration.json` in `run_dir` when the
    summary lacks the unit-loss spread). Returns plain sentences, most important first."""
    notes: list[str] = []
    stages = summary.get("stages") or {}
    failed = sum(int(st.get("failed_calls", 0) or 0) for st in stages.values())
    asked = failed + sum(int(st.get("llm_calls", 0) or 0) for st in stages.values())
    if failed and failed / asked >= FAILED_SHARE:  # an engine that errors is not a model that writes badly
        notes.append(
            f"{failed} of {asked} LLM calls failed after their retries (engine or endpoint errors: check the "
            "engine config, the server, the API key; run.log has the errors); rows built on them are "
            "templates or were dropped as engine_failed."
        )
    notes += [str(w) for w in summary.get("warnings") or []]
    usage = summary.get("llm_usage") or {}
    if usage.get("budget_refusals"):
        notes.append(
            f"{usage['budget_refusals']} LLM requests were refused by the budget cap (max_calls / "
            "max_tokens_total / max_cost_usd); their rows were dropped. Raise the cap to process them."
        )
    if usage.get("chat_fallbacks"):
        notes.append(
            "the endpoint has no chat template for this model: prompts were sent to /completions "
            "as plain text (fine for a base model; check the served model otherwise)."
        )
    notes.extend(_probe_notes(summary, run_dir))
    notes.extend(_unverified_notes(summary))
    for name, stage in (summary.get("stages") or {}).items():
        # planning shortfalls are recorded as drops but are not input rows: they are the mode notes
        rows = {k: v for k, v in (stage.get("dropped") or {}).items() if "_shortfall" not in k}
        # a synthesis stage drops children it planned, not its input rows (2 parents, 12 children)
        planned = (stage.get("counters") or {}).get("children")
        n_in, dropped = planned or stage.get("in", 0), sum(rows.values())
        what = "planned children" if planned else "rows"
        if n_in > 0 and dropped / n_in > DROP_SHARE:
            reasons = ", ".join(f"{k}={v}" for k, v in sorted(rows.items(), key=lambda kv: -kv[1]))
            share = f" ({dropped / n_in:.0%})" if dropped <= n_in else ""  # never a share over 100 %
            notes.append(
                f"stage {name} dropped {dropped} of {n_in} {what}{share}: {reasons} "
                "(the rows and reasons are in the run's dropped/ dataset)."
            )
    return notes


def _probe_notes(summary: dict, run_dir: str | Path | None) -> list[str]:
    calibration = summary.get("calibration") or {}
    if not calibration.get("n_statements") or (summary.get("probe_signal") or {}).get("flat"):
        return []  # nothing probed, or the run's own flat-probe warning says it once
    notes = []
    mass = calibration.get("covered_mass_mean")
    if mass is not None and mass < LOW_MASS:
        notes.append(
            f"the trainee probe is flat: yes/no tokens held only {mass:.0%} of the trainee's next-token "
            "probability on average, so its p(yes) carries little signal about what it knows."
        )
    full = _read(Path(run_dir) / "calibration.json") if run_dir else {}
    loss = full.get("unit_loss") or {}
    if (
        loss.get("max") is not None
        and loss.get("mean") is not None
        and abs(loss["max"] - loss["mean"]) < 1e-9
    ):
        notes.append(
            "the trainee probe is flat: every unit got the same loss, so loss-guided selection could "
            "not prefer what the trainee does not know."
        )
    return notes


def _unverified_notes(summary: dict) -> list[str]:
    """Most rows `verified: false` (`summary["unverified_rows"]`): training leaves them out by default,
    so a run that looks full may train on nothing. Says what would verify them, from the run's config."""
    unverified, rows = int(summary.get("unverified_rows") or 0), int(summary.get("final_rows") or 0)
    if not rows or unverified / rows <= DROP_SHARE:
        return []
    config = summary.get("config") or {}
    share = f"none of the {rows} rows is" if unverified == rows else f"{unverified} of {rows} rows are not"
    if not config.get("documents"):
        todo = ("give documents the seeds are about (documents: {source: FILE_OR_FOLDER} in the config, or "
                "--set documents.source=PATH): answers are then grounded in them and checked")  # fmt: skip
    else:
        todo = "check the annotation settings (annotation.verification"
        ann = config.get("annotation") or {}
        if not ann.get("evidence_fallback") and ann.get("answer_source", "annotator") == "annotator":
            todo += "; annotation.evidence_fallback=true for an annotator too weak to phrase an answer"
        todo += ")"
    note = (f"{share} verified (verified: false: answers not checked against evidence), so training leaves "
            f"them out by default; {todo}, or train with --include-unverified to keep them as they are.")  # fmt: skip
    return [note]


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def emit(notes: list[str]) -> None:
    """Log each notice as a synth_hf warning (the console shows each once; run.log keeps them)."""
    for note in notes:
        log.warning(note)
