"""The support gate: every QA row's answer must rest on its evidence, and its question must not give the
answer away. Rows that fail are dropped with the reason; the judge's verdict, when there is one, is
compared with the gate (agreement counted) and, with `judge_filter`, also required."""

from synth_hf.steps.common.base import SynthStep
from synth_hf.steps.graphgen import answer_first as af
from synth_hf.steps.graphgen.base import GraphGenMixin
from synth_hf.text.support import check_support, contains_span


def verify_row(row: dict) -> str:
    """'' when the row is supported, else the reason (see the module docstring)."""
    evidence = [e["sentence"] for e in row.get("evidence") or []]
    if not evidence:
        return "no_evidence"
    span, mode = row.get("answer_span", ""), row["mode"]
    if mode == "true_false":
        statement = row.get("tf_statement", "")
        label = bool(row.get("tf_label"))
        supported = check_support(statement, evidence).supported
        return "" if supported == label else f"true_false_label_wrong: label={label} supported={supported}"
    if mode not in ("aggregated",) and af.gives_away(row["question"].split("\n")[0], span):
        return "question_gives_answer"
    last = evidence[-1] if mode in ("multi_hop", "cot") else None
    why = af.verify_answer(row["answer"].split(") ", 1)[-1] if mode == "multiple_choice" else row["answer"],
                           span, evidence, last_hop=last)  # fmt: skip
    if why:
        return why
    if mode == "multiple_choice":
        options = list(row.get("options") or [])
        if sum(contains_span(" ".join(evidence), o) for o in options) != 1:
            return "mcq_options_not_exactly_one_supported"
    return ""


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
