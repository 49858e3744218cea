"""The AIDE recipe's yield on a small model: reflection graded by embeddings (no grader call; the
270M grader copied one worked example's scores), parents filling their branching under a row budget
(one extraction call shared by all children), MedQA seeds asked open, and a run that keeps nothing
ending in one line (exit 2) instead of a traceback."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from datasets import Dataset

from synth_hf.models.fake import FakeLLM
from synth_hf.pipelines.runner import RunResult
from synth_hf.steps.aide.reflect import SelfReflect, embedding_grades
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.common.ledger import Ledger

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "recipes"))

import aide_medqa

SEED = "Which drug replaces lisinopril after a dry cough in hypertension?"


def _child(row_id: str, branch: str, question: str, parent: str = SEED) -> dict:
    return new_row(row_id=row_id, seed_id="s", hop=1, branch=branch, question=question,
                   parent_question=parent, seed_question=SEED,
                   operation="concretize" if branch == "attribute" else None,
                   persona="a nurse" if branch == "persona" else None)  # fmt: skip


def test_embedding_grades_follow_the_texts():
    copy = _child("copy", "persona", SEED)
    near = _child(
        "near", "attribute", "Which drug replaces lisinopril after a dry cough in an older patient?"
    )
    off = _child("off", "attribute", "How many moons does Jupiter have in total?")
    (rel_copy, div_copy, fb_copy), (rel_near, div_near, _), (rel_off, div_off, fb_off) = embedding_grades(
        [copy, near, off], "hashing"
    )
    assert (rel_copy, div_copy) == (10.0, 1.0)  # the seed itself: fully relevant, no diversity
    assert rel_copy > rel_near > rel_off and div_copy < div_near < div_off
    assert all(1 <= v <= 10 for v in (rel_near, div_near, rel_off, div_off))
    assert "too close to the parent" in fb_copy and "drifts" in fb_off
    assert embedding_grades([], "hashing") == []


def _never_called(prompt: str, index: int) -> str:
    raise AssertionError(f"the grader was asked: {prompt[:60]}")


def _rewrite(prompt: str, index: int) -> str:
    """A re-synthesis that repeats the rejected attempt, so a failing row keeps failing."""
    previous = [line for line in prompt.splitlines() if line.startswith("Rejected attempt: ")][-1]
    return " " + previous.removeprefix("Rejected attempt: ") + "\nAnswer: x"


def test_embedding_scorer_makes_no_grader_call_and_still_filters(tmp_path):
    step = SelfReflect(name="reflect", llm=FakeLLM(responder=f"{__name__}:_rewrite"),
                       grader=FakeLLM(responder=f"{__name__}:_never_called", name="grader"),
                       hop=1, max_attempts=1, scorer="embedding", embedder="hashing",
                       ledger_dir=str(tmp_path))  # fmt: skip
    step.load()
    rows = [
        _child(
            "a-near", "attribute", "Which drug replaces lisinopril after a dry cough in an older patient?"
        ),
        _child("a-off", "attribute", "How many moons does Jupiter have in total?"),
        _child("p-copy", "persona", SEED),
        _child("p-new", "persona", "A nurse asks which blood test tracks warfarin therapy?"),
    ]
    out = next(step.process(rows))
    assert {r["row_id"] for r in out} == {"a-near", "p-new"}
    assert all(r["grader_model"] == "embedding:hashing" for r in out)
    stage = Ledger(tmp_path).stage_summary()["reflect"]
    assert stage["dropped"] == {"reflection_failed": 2}
    assert stage["llm_calls"] == 2  # the two re-syntheses; grading cost nothing


def test_recipe_asks_medqa_seeds_open_and_keeps_mcq_on_request(tmp_path):
    args = aide_medqa.build_parser().parse_args(["--out", str(tmp_path), "--engine", "fake:"])
    config, seeds, _ = aide_medqa.build_config(args)
    assert config.seeds.format == "qa" and config.reflection.grader == "embedding"
    assert config.annotation.answer_source == "evidence" and config.expansion.depth == 2
    first = config.seeds.rows[0]
    assert first == {
        "id": "htn-01",
        "question": seeds[0]["question"],
        "answer": "Losartan",
    }  # option B's text
    args = aide_medqa.build_parser().parse_args(
        ["--out", str(tmp_path), "--engine", "fake:", "--set", "seeds.format=mcq", "--documents", "none"]
    )
    config, _, _ = aide_medqa.build_config(args)
    assert config.seeds.rows[0]["options"][1] == "Losartan" and config.seeds.rows[0]["answer"] == "B"
    assert config.documents is None  # the YAML's documents block has no source of its own
    assert config.annotation.answer_source == "annotator"  # nothing to answer from but the annotator


def test_recipe_plan_fills_parents_before_spreading(tmp_path):
    from synth_hf.pipelines.aide_plan import plan_aide

    args = aide_medqa.build_parser().parse_args(["--out", str(tmp_path), "--engine", "fake:"])
    config, seeds, _ = aide_medqa.build_config(args)
    plan = plan_aide(config, len(seeds))
    assert plan["rows_per_hop"] == {1: 40, 2: 40}
    # 10 hop-2 parents with 4 children each, not 40 parents with one: 10 extraction calls
    assert plan["llm_calls"]["extract_attributes_h2"] == 10
    assert plan["llm_calls"]["reflect_h1"] == 0  # embedding grader
    assert config.expansion.llm_questions is False and plan["llm_calls"]["synthesize_h1"] == 0  # templates


def _empty_run(config):
    run_dir = Path(config.run.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    summary = {"drops_by_reason": {"reflection_failed": 7, "mcq_supported_options: 0": 4, "no_evidence": 1,
                                   "question_gives_answer": 1}}  # fmt: skip
    return RunResult(Dataset.from_list([]), Dataset.from_list([]), summary, run_dir)


@pytest.mark.parametrize("verbose", [False, True])
def test_a_run_that_keeps_nothing_ends_in_one_line(monkeypatch, tmp_path, capsys, verbose):
    from synth_hf.pipelines import aide
    from synth_hf.workflow import run_recipe

    monkeypatch.setattr(aide, "run_aide", _empty_run)
    argv = ["--out", str(tmp_path / "o"), "--engine", "fake:"] + (["-v"] if verbose else [])
    assert run_recipe(aide_medqa.main, argv, prog="aide_medqa") == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("aide_medqa: error: aide produced no rows (largest drops: reflection_failed=7, "
                           "mcq_supported_options: 0=4, ")  # fmt: skip
    assert "summary.json" in last and "try more seeds" in last
    assert ("Traceback" in err) is verbose  # -v shows where it came from
    if not verbose:
        assert err.strip() == last  # nothing but the one line
    assert not (tmp_path / "o" / "adapter").exists()  # nothing trained


def test_evidence_sentence_fallback_never_answers_with_a_heading():
    from synth_hf.steps.aide.grounding import evidence_sentence_answer

    question = "Which class is best for type 2 diabetes?"
    heading = "# Management of type 2 diabetes"
    fact = "Metformin is the usual first-line drug for type 2 diabetes."
    assert evidence_sentence_answer(question, [heading, fact]) == fact
    assert evidence_sentence_answer(question, [heading]) is None


def _counting_grader(prompt: str, index: int) -> str:
    return '{"relevance": 9, "diversity": 8, "feedback": ""}'


def _new_question(prompt: str, index: int) -> str:
    return " Which drug replaces enalapril when a patient with kidney disease coughs?\nAnswer: losartan"


def test_a_copy_of_the_parent_or_seed_is_resynthesized_without_a_grade_call(tmp_path):
    """Reflection does not grade a child that copies its seed (it would score full relevance, pass, and
    be dropped by dedup after the call): it is re-synthesized with fixed feedback, then graded."""
    from synth_hf.steps.aide.reflect import COPY_FEEDBACK, copies_parent_or_seed

    grader = FakeLLM(responder=f"{__name__}:_counting_grader", name="grader")
    llm = FakeLLM(responder=f"{__name__}:_new_question")
    step = SelfReflect(name="reflect", llm=llm, grader=grader, hop=1, max_attempts=1, copy_threshold=0.8,
                       ledger_dir=str(tmp_path))  # fmt: skip
    step.load()
    rows = [_child("copy", "attribute", SEED + " "),  # the seed again
            _child("new", "attribute", "Which drug replaces lisinopril after a dry cough in an older patient?")]  # fmt: skip
    out = {r["row_id"]: r for r in next(step.process(rows))}
    assert set(out) == {"copy", "new"} and out["copy"]["question"].startswith("Which drug replaces enalapril")
    assert out["copy"]["reflection_attempts"] == 1 and COPY_FEEDBACK in llm.prompts_seen[0]
    # graded: "new" once and the re-synthesized copy once; never the copy itself
    graded = [re.findall(r"^New: (.*)$", p, re.MULTILINE)[-1].strip() for p in grader.prompts_seen]
    assert grader.usage["calls"] == 2 and SEED not in graded and out["copy"]["question"] in graded
    stage = Ledger(tmp_path).stage_summary()["reflect"]
    assert stage["counters"]["copies_skipped_grading"] == 1 and stage["llm_calls"] == 3
    assert not copies_parent_or_seed(rows[1], None)  # dedup off: no pre-check
