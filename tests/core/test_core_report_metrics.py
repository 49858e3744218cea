"""Run reports score diversity without importing `evaluate` (it imports transformers' pipelines: ~9 s
at the end of every AIDE run), and the numbers are the evaluate metrics' own."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from synth_hf.metrics import distinct_n_scores, load_metric, self_bleu_score

ROOT = Path(__file__).resolve().parents[2]
TEXTS = [
    "What drug raises the INR when given with warfarin?",
    "Which drug raises the INR with warfarin?",
    "For most adults the HbA1c target is below what?",
    "Fendoralin was developed by whom?",
    "Who developed Fendoralin?",
    "Kelmar fever is treated with what drug?",
]


def test_direct_scores_match_the_values_of_the_metrics_before_they_shared_code():
    # pinned from the self_bleu / distinct_n metrics as they were before the computation moved
    assert self_bleu_score(TEXTS, max_samples=500, seed=0) == {"self_bleu": pytest.approx(0.1890332633369084), "n": 6}
    assert self_bleu_score(TEXTS, max_samples=3, seed=1) == {"self_bleu": pytest.approx(0.31855841315385525), "n": 3}
    assert distinct_n_scores(TEXTS, max_n=2) == {"distinct_1": 0.65, "distinct_2": pytest.approx(0.8529411764705882)}


def test_direct_scores_equal_the_evaluate_metrics():
    bleu = load_metric("self_bleu").compute(predictions=TEXTS, max_n=3, max_samples=4, seed=2)
    assert self_bleu_score(TEXTS, max_n=3, max_samples=4, seed=2) == bleu
    assert distinct_n_scores(TEXTS, max_n=3) == load_metric("distinct_n").compute(predictions=TEXTS, max_n=3)


def test_report_and_quality_scores_import_no_evaluate(tmp_path):
    code = (
        "import sys\n"
        "from synth_hf.report.collect import _quality\n"
        "from synth_hf.steps.aide.quality import _diversity\n"
        f"rows = [{{'question': q}} for q in {TEXTS!r}]\n"
        "out = _quality(__import__('pathlib').Path(sys.argv[1]), {}, rows)\n"
        "assert out['overall']['rows'] == 6 and 'self_bleu' in out['overall'], out\n"
        "assert _diversity([r['question'] for r in rows], 500, 0)['self_bleu'] == out['overall']['self_bleu']\n"
        "print('evaluate' in sys.modules, 'transformers' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "False"]
