"""Paired comparison of benchmark arms (synth_hf.evaluation.paired): discordant questions per type
and an exact sign-test p-value, from per-question correctness."""

from __future__ import annotations

import pytest

from synth_hf.evaluation.paired import paired_by_type, paired_table, sign_test_p


def test_sign_test_matches_hand_computed_binomial_tails():
    assert sign_test_p(0, 0) == 1.0
    assert sign_test_p(5, 0) == pytest.approx(2 / 32)  # 2 * (1/2)^5
    assert sign_test_p(0, 5) == sign_test_p(5, 0)  # two-sided: symmetric
    assert sign_test_p(8, 7) == 1.0  # as even a split as 15 pairs allow
    assert sign_test_p(10, 2) == pytest.approx(2 * (1 + 12 + 66) / 4096)
    with pytest.raises(ValueError):
        sign_test_p(-1, 3)


def test_paired_counts_only_questions_both_arms_scored_per_type_and_overall():
    kinds = {"q1": "atomic", "q2": "atomic", "q3": "multi_hop", "q4": "multi_hop"}
    a = {"q1": True, "q2": False, "q3": True, "q4": True, "q9": True}
    b = {"q1": False, "q2": False, "q3": True, "q4": False}
    out = paired_by_type(a, b, kinds)
    assert out["atomic"] == {"a_only": 1, "b_only": 0, "both": 0, "neither": 1, "p": 1.0}
    assert out["multi_hop"]["a_only"] == 1 and out["multi_hop"]["both"] == 1
    assert out["overall"]["a_only"] == 2 and out["overall"]["b_only"] == 0
    assert sum(out["overall"][k] for k in ("a_only", "b_only", "both", "neither")) == 4  # q9: b never scored it


def test_paired_table_compares_every_arm_with_raw_and_base_once():
    rows = [{"id": "q1", "type": "atomic"}, {"id": "q2", "type": "atomic"}]
    arms = {
        "base": {"correct": {"q1": False, "q2": False}},
        "raw": {"correct": {"q1": True, "q2": False}},
        "data": {"correct": {"q1": True, "q2": True}},
        "broken": {"error": "no training rows"},
    }
    table = paired_table(arms, rows)
    assert sorted(table) == ["data vs base", "data vs raw", "raw vs base"]
    assert table["data vs raw"]["atomic"]["a_only"] == 1 and table["data vs raw"]["atomic"]["b_only"] == 0
    assert table["raw vs base"]["overall"]["a_only"] == 1


def test_before_after_table_names_each_question_type_count():
    from synth_hf.evaluation.report import compare

    base = {"mcq": {"by_type": {"aggregated": 0.471, "atomic": 0.192}, "by_type_n": {"aggregated": 17, "atomic": 26}}}
    after = {"mcq": {"by_type": {"aggregated": 0.294, "atomic": 0.423}, "by_type_n": {"aggregated": 17, "atomic": 26}}}
    table = compare(base, after)
    assert "| MCQ accuracy, aggregated (n=17, per token) ↑ | 0.471 | 0.294 | -0.177 (-3 of 17) | no |" in table
    assert "| MCQ accuracy, atomic (n=26, per token) ↑ |" in table
    one = compare({"mcq": {"by_type": {"multi_hop": 0.30}, "by_type_n": {"multi_hop": 20}}},
                  {"mcq": {"by_type": {"multi_hop": 0.35}, "by_type_n": {"multi_hop": 20}}})
    assert "| +0.050 (+1 of 20) | ≈ (one question) |" in one  # not "better: yes" on one question


def _run(correct: dict[str, bool]) -> dict:
    acc = sum(correct.values()) / len(correct)
    return {"n_scored": len(correct), "correct": correct,
            "by_type": {"overall": {"n": len(correct), "accuracy_mean": acc, "accuracy_sum": acc / 2}}}  # fmt: skip


def test_pool_training_seeds_means_spread_and_majority() -> None:
    from synth_hf.evaluation.paired import pool_training_seeds

    runs = {
        1: _run({"q1": True, "q2": True, "q3": False, "q4": False}),
        2: _run({"q1": True, "q2": False, "q3": False, "q4": False}),
        3: _run({"q1": True, "q2": True, "q3": True, "q4": False}),
    }
    pooled = pool_training_seeds(runs)
    assert pooled["by_type"]["overall"]["n"] == 4
    assert pooled["by_type"]["overall"]["accuracy_mean"] == pytest.approx((0.5 + 0.25 + 0.75) / 3)
    assert pooled["by_type"]["overall"]["accuracy_sum"] == pytest.approx(0.25)
    assert pooled["correct"] == {"q1": True, "q2": True, "q3": False, "q4": False}  # right in 3, 2, 1, 0 of 3
    assert pooled["correct_share"]["q2"] == pytest.approx(2 / 3)
    assert pooled["by_seed"]["2"] == {"accuracy_mean": 0.25, "accuracy_sum": 0.125}
    assert pooled["spread"] == {"mean": 0.5, "std": pytest.approx(0.2041, abs=1e-4), "min": 0.25, "max": 0.75}
    # two seeds that split a question do not make it right: "more than half"
    assert pool_training_seeds({1: runs[1], 2: runs[2]})["correct"]["q2"] is False
    with pytest.raises(ValueError, match="different questions"):
        pool_training_seeds({1: runs[1], 2: _run({"q1": True})})
    with pytest.raises(ValueError, match="no runs"):
        pool_training_seeds({})


def test_share_test_keeps_every_seeds_answer_and_reaches_paired_table() -> None:
    from scipy.stats import wilcoxon

    from synth_hf.evaluation.paired import pool_training_seeds, share_test

    kinds = {f"q{i}": "atomic" if i < 12 else "multi_hop" for i in range(20)}
    # a right on 2 of 3 seeds where b is right on 1 of 3 (12 questions), the reverse on 2, equal on 6
    a = {f"q{i}": 2 / 3 if i < 12 else (1 / 3 if i < 14 else 0.0) for i in range(20)}
    b = {f"q{i}": 1 / 3 if i < 12 else (2 / 3 if i < 14 else 0.0) for i in range(20)}
    out = share_test(a, b, kinds)
    overall = out["overall"]
    assert (overall["a_higher"], overall["b_higher"]) == (12, 2)
    assert overall["p"] == pytest.approx(wilcoxon([1 / 3] * 12 + [-1 / 3] * 2).pvalue, abs=1e-4)
    assert overall["p"] < 0.05 and out["atomic"]["b_higher"] == 0
    assert out["multi_hop"]["p"] == pytest.approx(wilcoxon([-1 / 3] * 2).pvalue, abs=1e-4)
    assert overall["a_mean_share"] == pytest.approx((12 * 2 / 3 + 2 / 3) / 20, abs=1e-4)
    assert share_test(a, a, kinds)["overall"]["p"] == 1.0  # nothing differs
    # the majority vote sees 2/3 vs 1/3 as a win too, but 1/3 vs 0 as a tie; paired_table carries both
    runs_a = {s: _run({q: s < round(3 * v) for q, v in a.items()}) for s in range(3)}
    runs_b = {s: _run({q: s < round(3 * v) for q, v in b.items()}) for s in range(3)}
    arms = {"aide": pool_training_seeds(runs_a), "evol": pool_training_seeds(runs_b)}
    rows = [{"id": q, "type": k} for q, k in kinds.items()]
    table = paired_table(arms, rows, ("evol",))["aide vs evol"]["overall"]
    assert (table["a_only"], table["b_only"]) == (12, 2) and table["shares"]["p"] == overall["p"]
