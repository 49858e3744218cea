"""Engines of steps that make no call are never loaded (issue 14: each in-process vLLM load costs
~30-50 s on CPU; AIDE's grounded annotation and question-word attributes, GraphGen's template-only
quiz and generation paid it for zero calls)."""

from __future__ import annotations

import pytest

from synth_hf.models.fake import FakeLLM
from synth_hf.steps.aide.annotate import AnnotateAndVerify
from synth_hf.steps.aide.extract import ExtractAttributes
from synth_hf.steps.graphgen.generate import GenerateQA
from synth_hf.steps.graphgen.quiz import QuizUnits


class CountingLLM(FakeLLM):
    """A fake engine that counts its loads."""

    loads: int = 0

    def load(self) -> None:
        super().load()
        self.loads += 1


def test_a_deferred_engine_loads_once_at_its_first_call_and_never_without_one():
    llm = CountingLLM(default_reply="yes")
    llm.defer_load()
    assert llm.usage["calls"] == 0 and llm.loads == 0  # reading usage is no call
    assert llm.generate_texts([]) == [] and llm.score_yes_no([]) == [] and llm.loads == 0
    assert llm.generate_texts(["q"]) == ["yes"] and llm.loads == 1
    llm.generate_texts(["q2"])
    llm.score_yes_no(["q3"])
    assert llm.loads == 1


def test_a_deferred_load_also_runs_before_the_first_yes_no_score():
    llm = CountingLLM()
    llm.defer_load()
    llm.score_yes_no(["Is it true? Answer:"])
    assert llm.loads == 1


def test_a_failing_deferred_load_raises_at_the_call():
    class Broken(FakeLLM):
        def load(self) -> None:
            raise ValueError("no such model")

    llm = Broken()
    llm.defer_load()
    with pytest.raises(ValueError, match="no such model"):
        llm.generate_texts(["q"])


@pytest.mark.parametrize(
    ("make", "loads"),
    [
        (lambda llm: AnnotateAndVerify(name="a", llm=llm, hop=1, grounded=True, answer_source="evidence"), 0),
        (lambda llm: AnnotateAndVerify(name="a", llm=llm, hop=1, grounded=True, answer_source="annotator"), 1),
        (lambda llm: AnnotateAndVerify(name="a", llm=llm, hop=1, answer_source="evidence"), 1),  # ungrounded solves
        (lambda llm: ExtractAttributes(name="e", llm=llm, hop=1, from_question=True), 0),
        (lambda llm: ExtractAttributes(name="e", llm=llm, hop=1), 1),
        (lambda llm: QuizUnits(name="q", llm=llm, n_paraphrases=0, n_negations=0), 0),
        (lambda llm: QuizUnits(name="q", llm=llm, n_paraphrases=0, n_negations=1), 1),
        (lambda llm: GenerateQA(name="g", llm=llm, use_llm=False), 0),
        (lambda llm: GenerateQA(name="g", llm=llm), 1),
    ],
)
def test_steps_load_their_engine_only_when_their_configuration_can_call_it(make, loads):
    llm = CountingLLM()
    step = make(llm)
    step.load()
    assert llm.loads == loads
    llm.generate_texts(["a call after all"])  # a step that calls anyway still gets its engine
    assert llm.loads == 1
