"""Global step: calibration report over every probed statement; losses written onto the graph."""

import json
from pathlib import Path
from typing import ClassVar

from synth_hf.graph.calibration import (
    UnitScore,
    apply_unit_scores,
    calibration_report,
    plot_reliability_diagram,
)
from synth_hf.graph.store import KnowledgeGraph
from synth_hf.steps.common.base import SynthGlobalStep
from synth_hf.steps.graphgen.base import GraphGenMixin

REPORT_FILE = "calibration.json"
# Below these the trainee's answers carry no signal: loss-guided selection would rank noise.
FLAT_P_YES_STD = 0.01
LOW_COVERED_MASS = 0.05
# p(yes) that ranks true above false statements no better than this (AUC 0.5 = chance), spread this
# little, is a guess; a trainee that knows a few facts well spreads further (0.05/0.95 on those)
MIN_SEPARATION_AUC = 0.55
GUESS_P_YES_STD = 0.05
MIN_PER_LABEL = 10  # statements of each label needed to judge the separation


def separation_auc(records: list[tuple[str, bool, float, float]]) -> float | None:
    """Probability that a random true statement gets a higher p(yes) than a random false one (ties
    count half: the ROC AUC, in [0, 1]); None with fewer than MIN_PER_LABEL statements of a label."""
    true = sorted(r[2] for r in records if r[1])
    false = sorted(r[2] for r in records if not r[1])
    if len(true) < MIN_PER_LABEL or len(false) < MIN_PER_LABEL:
        return None
    import bisect

    wins = sum(bisect.bisect_left(false, p) + 0.5 * (bisect.bisect_right(false, p) - bisect.bisect_left(false, p))
               for p in true)  # fmt: skip
    return wins / (len(true) * len(false))


def probe_signal(records: list[tuple[str, bool, float, float]]) -> dict:
    """{"flat": bool, "p_yes_std", "covered_mass_mean", "separation_auc", "warning"} for the probed
    statements: flat when p(yes) hardly varies, the yes/no tokens hold almost none of the trainee's
    probability, or p(yes) varies little (std < GUESS_P_YES_STD) and does not separate true from false
    statements (AUC < MIN_SEPARATION_AUC): the per-unit losses are then noise, and GraphGen §3.2's
    loss guidance has nothing to follow."""
    import statistics

    if len(records) < 2:
        return {"flat": True, "p_yes_std": None, "covered_mass_mean": None, "separation_auc": None,
                "warning": f"only {len(records)} statement(s) probed"}  # fmt: skip
    std = statistics.pstdev(r[2] for r in records)
    mass = statistics.fmean(r[3] for r in records)
    auc = separation_auc(records)
    warning = ""
    if std < FLAT_P_YES_STD:
        warning = f"the trainee gave every statement nearly the same p(yes) (std {std:.4f})"
    elif mass < LOW_COVERED_MASS:
        warning = f"yes/no tokens cover only {mass:.3f} of the trainee's probability mass"
    elif auc is not None and auc < MIN_SEPARATION_AUC and std < GUESS_P_YES_STD:
        warning = (f"the trainee's p(yes) does not separate true from false statements (AUC {auc:.2f}; "
                   "0.5 = chance): it does not know these facts either way")  # fmt: skip
    return {"flat": bool(warning), "p_yes_std": std, "covered_mass_mean": mass,
            "separation_auc": None if auc is None else round(auc, 4), "warning": warning}  # fmt: skip
DIAGRAM_FILE = "reliability.png"


def statement_records(rows: list[dict]) -> list[tuple[str, bool, float, float]]:
    return [
        (row["unit_id"], bool(label), float(p), float(mass))
        for row in rows
        for label, p, mass in zip(row["quiz_labels"], row["quiz_p_yes"], row["quiz_covered_mass"])
        if p is not None  # not scored (engine failure)
    ]


class CalibrationReport(GraphGenMixin, SynthGlobalStep):
    """Writes `report_dir/calibration.json` (ECE, Brier, NLL, covered mass, bins, per-kind accuracy)
    and `reliability.png`; stores loss/accuracy/confidence on the saved graph. Rows pass through."""

    use_memo: ClassVar[bool] = False  # cheap, and its files must be rewritten every time

    report_dir: str
    graph_dir: str
    n_bins: int = 10

    @property
    def inputs(self) -> list[str]:
        return ["unit_id", "quiz_labels", "quiz_p_yes", "quiz_covered_mass", "loss"]

    @property
    def outputs(self) -> list[str]:
        return []

    def run_batch(self, inputs: list[dict]) -> list[dict]:
        records = statement_records(inputs)
        report = calibration_report(records, n_bins=self.n_bins)
        by_kind: dict[str, list[bool]] = {}
        for row in inputs:
            for kind, label, p in zip(row.get("quiz_kinds") or [], row["quiz_labels"], row["quiz_p_yes"]):
                if p is not None:
                    by_kind.setdefault(kind, []).append((p >= 0.5) == label)
        report["accuracy_by_statement_kind"] = {k: sum(v) / len(v) for k, v in sorted(by_kind.items()) if v}
        report["probe_signal"] = probe_signal(records)
        if report["probe_signal"]["flat"]:
            self._logger.warning(f"[graphgen] flat trainee probe: {report['probe_signal']['warning']}")
        out_dir = Path(self.report_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        tmp = out_dir / (REPORT_FILE + ".tmp")
        tmp.write_text(json.dumps(report, indent=2), encoding="utf-8")
        tmp.replace(out_dir / REPORT_FILE)
        plot_reliability_diagram(report, out_dir / DIAGRAM_FILE, title=None)
        graph_path = Path(self.graph_dir)
        if graph_path.exists():
            kg = KnowledgeGraph.load(graph_path)
            scores = {
                r["unit_id"]: UnitScore(r["loss"], r["accuracy"], r["confidence"], len(r["quiz_labels"]))
                for r in inputs
                if r.get("loss") is not None and kg.has_unit(r["unit_id"])
            }
            apply_unit_scores(kg, scores)
            kg.save(graph_path)
        self.account(inputs, len(inputs), extra={"statements": len(records),
                                                 "flat_probe": int(report["probe_signal"]["flat"])})
        ece = report["ece"]
        self._logger.info(
            f"[graphgen] calibrate: {len(records)} statements, ECE={ece if ece is None else round(ece, 4)}, "
            f"Brier={report['brier'] if report['brier'] is None else round(report['brier'], 4)} -> {out_dir / REPORT_FILE}"
        )
        return inputs
