import json
import math

import pytest

from synth_hf.graph import KnowledgeGraph
from synth_hf.graph.calibration import (
    apply_unit_scores,
    brier_score,
    calibration_report,
    covered_mass_summary,
    expected_calibration_error,
    mean_nll,
    plot_reliability_diagram,
    reliability_bins,
    unit_scores,
)

# p_yes / labels chosen away from bin edges; with 5 bins over [0.5, 1] the confidences land in
# bin4 (0.92, 0.95), bin3 (0.82), bin1 (0.65), bin2 (0.72).
P = [0.92, 0.18, 0.35, 0.72, 0.95]
Y = [True, False, True, False, False]
RECORDS = [("u1", True, 0.92, 0.9), ("u1", False, 0.18, 0.8), ("u2", True, 0.35, 0.3),
           ("u2", False, 0.72, 0.6), ("u2", False, 0.95, 1.0)]


def test_unit_scores_hand_computed():
    scores = unit_scores(RECORDS)
    assert set(scores) == {"u1", "u2"}
    assert scores["u1"].loss == pytest.approx((-math.log(0.92) - math.log(0.82)) / 2)
    assert scores["u1"].accuracy == 1.0
    assert scores["u1"].confidence == pytest.approx((0.92 + 0.82) / 2)
    assert scores["u1"].n == 2
    assert scores["u2"].loss == pytest.approx((-math.log(0.35) - math.log(0.28) - math.log(0.05)) / 3)
    assert scores["u2"].accuracy == 0.0
    assert scores["u2"].confidence == pytest.approx((0.65 + 0.72 + 0.95) / 3)


def test_nll_clips_certain_mistakes():
    scores = unit_scores([("u", False, 1.0, 1.0), ("u", True, 1.0, 1.0)])
    assert scores["u"].loss == pytest.approx((-math.log(1e-6) - math.log(1 - 1e-6)) / 2)
    assert scores["u"].accuracy == 0.5


def test_global_metrics_hand_computed():
    assert brier_score(P, Y) == pytest.approx((0.08**2 + 0.18**2 + 0.65**2 + 0.72**2 + 0.95**2) / 5)
    assert mean_nll(P, Y) == pytest.approx(
        -(math.log(0.92) + math.log(0.82) + math.log(0.35) + math.log(0.28) + math.log(0.05)) / 5)
    # bin4: 2 statements, acc 0.5, conf 0.935; bin3: acc 1, conf .82; bin1: acc 0, .65; bin2: acc 0, .72
    expected_ece = (2 * abs(0.5 - 0.935) + abs(1 - 0.82) + 0.65 + 0.72) / 5
    assert expected_calibration_error(P, Y, n_bins=5) == pytest.approx(expected_ece)
    bins = reliability_bins(P, Y, n_bins=5)
    assert [b.count for b in bins] == [0, 1, 1, 1, 2]
    assert bins[0].mean_conf is None and bins[0].acc is None
    assert bins[4].lo == pytest.approx(0.9) and bins[4].hi == 1.0
    assert bins[4].mean_conf == pytest.approx(0.935) and bins[4].acc == 0.5


def test_bin_edges_are_half_open_and_last_is_closed():
    bins = reliability_bins([0.5, 0.75, 0.25, 1.0, 0.0], [True, True, False, True, False], n_bins=2)
    # conf 0.5 -> [0.5, 0.75); conf 0.75 (twice) and 1.0 (twice) -> [0.75, 1]
    assert [b.count for b in bins] == [1, 4]
    assert bins[1].acc == 1.0 and bins[1].mean_conf == pytest.approx(0.875)
    # p_yes == 0.5 predicts "yes": correct for a true statement.
    assert expected_calibration_error([0.5], [True], n_bins=2) == pytest.approx(0.5)


def test_invalid_inputs():
    with pytest.raises(ValueError):
        brier_score([1.2], [True])
    with pytest.raises(ValueError):
        brier_score([0.2, 0.3], [True])
    assert math.isnan(expected_calibration_error([], []))


def test_covered_mass_summary():
    s = covered_mass_summary([0.2, 0.4, 0.6, 0.8, float("nan")])
    assert s["count"] == 4 and s["min"] == 0.2 and s["max"] == 0.8
    assert s["mean"] == pytest.approx(0.5) and s["median"] == pytest.approx(0.5)
    assert s["quantiles"]["q25"] == pytest.approx(0.35) and s["frac_below"] == 0.5
    assert covered_mass_summary([])["mean"] is None


def test_report_is_json_and_plot_writes_png(tmp_path):
    report = calibration_report(RECORDS, n_bins=5)
    json.dumps(report, allow_nan=False)  # strict JSON
    assert report["n_statements"] == 5 and report["n_units"] == 2
    assert report["accuracy"] == pytest.approx(2 / 5)
    assert report["ece"] == pytest.approx(expected_calibration_error(P, Y, 5))
    assert report["covered_mass"]["min"] == 0.3
    assert report["bins"][1] == {"lo": pytest.approx(0.6), "hi": pytest.approx(0.7), "count": 1,
                                 "mean_conf": pytest.approx(0.65), "acc": 0.0}
    out = plot_reliability_diagram(report, tmp_path / "plots" / "rel.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    empty = calibration_report([], n_bins=5)
    json.dumps(empty, allow_nan=False)
    plot_reliability_diagram(empty, tmp_path / "empty.png")


def test_apply_unit_scores_and_dict_records():
    kg = KnowledgeGraph()
    kg.add_edge("a", "b")
    rows = [{"unit_id": "a -> b", "label": True, "p_yes": 0.8, "covered_mass": 0.9}]
    assert apply_unit_scores(kg, unit_scores(rows)) == 1
    data = kg.get_unit("a -> b")
    assert data["loss"] == pytest.approx(-math.log(0.8)) and data["n_statements"] == 1
    assert data["accuracy"] == 1.0 and data["confidence"] == pytest.approx(0.8)
