"""Metric modules against hand-computed values (loaded through evaluate, from local files)."""

from __future__ import annotations

import math

import evaluate
import pytest

from synth_hf.metrics import METRIC_NAMES, load_metric, metric_path


def test_every_metric_loads_by_local_path() -> None:
    for name in METRIC_NAMES:
        module = evaluate.load(str(metric_path(name)))
        assert isinstance(module, evaluate.EvaluationModule), name


def test_unknown_metric_name_is_rejected() -> None:
    with pytest.raises(KeyError, match="unknown metric"):
        load_metric("bleurt")


def test_ece_binary_hand_values() -> None:
    ece = load_metric("ece")
    # each probability alone in its bin: gaps .1 .2 .2 .1 -> mean .15
    out = ece.compute(predictions=[0.1, 0.2, 0.8, 0.9], references=[0, 0, 1, 1], n_bins=10)
    assert out["ece"] == pytest.approx(0.15)
    # two bins: [.1,.2] vs labels [0,1] -> |.5-.15| = .35; [.8,.9] vs [1,1] -> .15; ECE = (.35+.15)/2
    out = ece.compute(predictions=[0.1, 0.2, 0.8, 0.9], references=[0, 1, 1, 1], n_bins=2)
    assert out["ece"] == pytest.approx(0.25)
    assert out["mce"] == pytest.approx(0.35)
    assert out["bin_counts"] == [2, 2]


def test_ece_probability_one_falls_in_last_bin_and_perfect_is_zero() -> None:
    out = load_metric("ece").compute(predictions=[1.0, 0.0], references=[1, 0], n_bins=5)
    assert out["bin_counts"] == [1, 0, 0, 0, 1]
    assert out["ece"] == pytest.approx(0.0)


def test_ece_top_label_mode() -> None:
    # confidences .9 .8 .7 all in the upper bin; accuracy 2/3 -> |2/3 - .8|
    out = load_metric("ece").compute(
        predictions=[0.9, 0.8, 0.3], references=[1, 0, 0], n_bins=2, mode="top_label"
    )
    assert out["ece"] == pytest.approx(0.8 - 2 / 3)


def test_ece_rejects_out_of_range_probability() -> None:
    with pytest.raises(ValueError):
        load_metric("ece").compute(predictions=[1.2], references=[1])


def test_brier_hand_value() -> None:
    out = load_metric("brier").compute(predictions=[0.1, 0.2, 0.8, 0.9], references=[0, 1, 1, 1])
    assert out["brier"] == pytest.approx((0.01 + 0.64 + 0.04 + 0.01) / 4)


def test_mc_accuracy_skips_malformed_references() -> None:
    out = load_metric("mc_accuracy").compute(predictions=[0, 2, 1, 3], references=[0, 1, -1, 3])
    assert out == {"accuracy": pytest.approx(2 / 3), "correct": 2, "total": 3, "skipped": 1}


def test_distinct_n_hand_values() -> None:
    # unigrams a b a a b c: 3 unique / 6; bigrams (a b)(b a)(a b)(b c): 3 unique / 4
    out = load_metric("distinct_n").compute(predictions=["a b a", "A, b c"], max_n=2)
    assert out["distinct_1"] == pytest.approx(0.5)
    assert out["distinct_2"] == pytest.approx(0.75)


def test_mtld_hand_values() -> None:
    mtld = load_metric("mtld")
    # "a a | a a": TTR hits .5 twice -> 2 factors over 4 tokens
    assert mtld.compute(predictions=["a a a a"])["mtld"] == pytest.approx(2.0)
    # "a b a" hits 2/3 -> 1 factor; leftover "b" has TTR 1 -> partial 0; both directions give 4
    assert mtld.compute(predictions=["a b a b"])["mtld"] == pytest.approx(4.0)
    # "a b c a" never drops to .72 (ends at .75): partial factor (1-.75)/(1-.72)
    assert mtld.compute(predictions=["a b c a"])["mtld"] == pytest.approx(4 / (0.25 / 0.28))


def test_mtld_corpus_vs_mean() -> None:
    mtld = load_metric("mtld")
    corpus = mtld.compute(predictions=["a a", "a a"], aggregate="corpus")["mtld"]
    mean = mtld.compute(predictions=["a a", "b c"], aggregate="mean")["mtld"]
    assert corpus == pytest.approx(2.0)  # "a a a a"
    # "a a" -> 2 tokens / 1 factor = 2; "b c" never forms a factor -> its token count, 2
    assert mean == pytest.approx(2.0)


def test_self_bleu_hand_values() -> None:
    bleu = load_metric("self_bleu")
    assert bleu.compute(predictions=["the cat sat", "the cat sat"], max_n=3)["self_bleu"] == pytest.approx(
        1.0
    )
    # unigram precision 3/4, bigram 2/3, same length -> sqrt(.75 * 2/3)
    out = bleu.compute(predictions=["a b c d", "a b c e"], max_n=2)
    assert out["self_bleu"] == pytest.approx(math.sqrt(0.75 * 2 / 3))
    # nothing shared: epsilon smoothing .1/2 and .1/1
    out = bleu.compute(predictions=["a b", "c d"], max_n=2)
    assert out["self_bleu"] == pytest.approx(math.sqrt(0.05 * 0.1))


def test_self_bleu_brevity_penalty_and_own_counts_excluded() -> None:
    # hyp "a b" vs ref "a b c d": precisions 1, BP exp(1 - 4/2); ref "a b c d" vs "a b": p1 2/4, p2 1/3
    out = load_metric("self_bleu").compute(predictions=["a b", "a b c d"], max_n=2)
    expected = (math.exp(1 - 2) * 1.0 + math.sqrt(0.5 * (1 / 3))) / 2
    assert out["self_bleu"] == pytest.approx(expected)


def test_rouge_l_hand_values() -> None:
    rouge = load_metric("rouge_l")
    out = rouge.compute(predictions=["The cat sat on the mat."], references=["the cat lay on the mat"])
    assert out["rougeL"] == pytest.approx(5 / 6)
    # LCS("a b c d", "a c") = 2 -> P = 2/4, R = 2/2, F = 2/3; the better of two references counts
    out = rouge.compute(predictions=["a b c d"], references=[["x y", "a c"]])
    assert out["rougeL_precision"] == pytest.approx(0.5)
    assert out["rougeL_recall"] == pytest.approx(1.0)
    assert out["rougeL"] == pytest.approx(2 / 3)


def test_token_f1_hand_values() -> None:
    f1 = load_metric("token_f1")
    # articles and punctuation dropped: [cat, sat] vs [cat, sat, down] -> P 1, R 2/3 -> F1 .8
    out = f1.compute(predictions=["The cat sat."], references=["a cat sat down"])
    assert out["token_f1"] == pytest.approx(0.8)
    assert out["exact_match"] == 0.0
    out = f1.compute(predictions=["Losartan", "metformin"], references=[["an ARB", "losartan"], "insulin"])
    assert out["token_f1"] == pytest.approx(0.5)
    assert out["exact_match"] == pytest.approx(0.5)
