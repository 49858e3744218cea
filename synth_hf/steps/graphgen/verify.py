"""The support gate: every QA row's answer must rest on its evidence, and its question must not give the
answer away. Rows that fail are dropped with the reason; the judge's verdict, when there is one, is
compared with the gate (agreement counted) and, with `judge_filter`, also required."""

from synth_hf.steps.common.base import SynthStep
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.steps.graphgen.modes import get_mode


def verify_row(row: dict) -> str:
    """'' when the row is supported, else the reason: `no_evidence`, or its mode's verdict (`modes/`)."""
    evidence = [e["sentence"] for e in row.get("evidence") or []]
    if not evidence:
        return "no_evidence"
    return get_mode(row["mode"]).verify(row, evidence)


class VerifySupport(GraphGenMixin, SynthStep):
    """Reads QA rows; writes `supported` (always True on kept rows) and drops the others with reason
    `unsupported_<mode>: <why>`. Counters per mode: `checked:<mode>`, `supported:<mode>` (the support
    rate before filtering) and, when a judge ran, `judge_disagrees` (judge pass != support pass)."""

    judge_threshold: float | None = None
    judge_filter: bool = False

    @property
    def inputs(self) -> list[str]:
        return ["question", "answer", "mode", "evidence"]

    @property
    def outputs(self) -> list[str]:
        return ["supported"]

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        out, dropped, counts = [], [], {}
        for row in inputs:
            why = verify_row(row)
            mode = row["mode"]
            counts[f"checked:{mode}"] = counts.get(f"checked:{mode}", 0) + 1
            counts[f"supported:{mode}"] = counts.get(f"supported:{mode}", 0) + (not why)
            score = row.get("judge_score")
            if self.judge_threshold is not None and isinstance(score, float):
                judged = score >= self.judge_threshold
                counts["judged"] = counts.get("judged", 0) + 1
                counts["judge_disagrees"] = counts.get("judge_disagrees", 0) + (judged != (not why))
                if self.judge_filter and not judged and not why:
                    why = "judge_below_threshold"
                    dropped.append(({**row, "supported": True}, why))
                    continue
            if why:
                dropped.append(({**row, "supported": False}, f"unsupported_{mode}: {why}"))
            else:
                out.append({**row, "supported": True})
        self.account(inputs, len(out), dropped, extra=counts)
        self._logger.info(f"[graphgen] verify: {len(inputs)} QA -> {len(out)} supported")
        return out
