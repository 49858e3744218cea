"""Paper-faithful AIDE: the defaults, reflection graded per branch (relevance for attribute children,
diversity for persona children), and an attribute branch that a small model's extraction cannot empty."""

import json

from synth_hf.models.fake import FakeLLM
from synth_hf.pipelines.aide_config import BUILTIN_OPERATIONS, AIDEConfig
from synth_hf.steps.aide.extract import ExtractAttributes
from synth_hf.steps.aide.outputs import fallback_attributes
from synth_hf.steps.aide.reflect import SelfReflect
from synth_hf.steps.aide.rows import new_row
from synth_hf.steps.common.ledger import Ledger


def test_defaults_follow_the_paper():
    cfg = AIDEConfig.model_validate({"seeds": {"rows": [{"question": "q?", "answer": "a"}]}})
    exp = cfg.expansion
    assert exp.depth == 2 and exp.operations == list(BUILTIN_OPERATIONS) and exp.operations_per_node == 3
    assert exp.attribute_branch_depth == 2 and exp.persona_branch_depth == 2 and exp.residual_hops == [1, 2]
    assert cfg.reflection.enabled and cfg.reflection.max_attempts >= 1
    assert cfg.personas.source == "builtin"


def _child(row_id: str, branch: str) -> dict:
    return new_row(row_id=row_id, seed_id="s", hop=1, branch=branch, question=f"{row_id} question?",
                   parent_question="parent?", seed_question="seed?",
                   operation="concretize" if branch == "attribute" else None,
                   persona="a chef" if branch == "persona" else None)  # fmt: skip


def grades(prompt: str, index: int) -> str:
    """Relevant-but-similar for 'close' rows, diverse-but-off-task for 'far' rows."""
    new = [line for line in prompt.splitlines() if line.startswith("New: ")][-1]
    if "close" in new:
        return json.dumps({"relevance": 9, "diversity": 2, "feedback": "too similar"})
    if "far" in new:
        return json.dumps({"relevance": 2, "diversity": 9, "feedback": "off task"})
    return json.dumps({"relevance": 8, "diversity": 8})


def same_again(prompt: str, index: int) -> str:
    """A re-synthesis that repeats the rejected attempt (so the row keeps failing)."""
    previous = [line for line in prompt.splitlines() if line.startswith("Rejected attempt: ")][-1]
    return " " + previous.removeprefix("Rejected attempt: ") + "\nAnswer: x"


def test_reflection_grades_relevance_on_attribute_and_diversity_on_persona_children(tmp_path):
    llm = FakeLLM(responder=f"{__name__}:same_again")
    grader = FakeLLM(responder=f"{__name__}:grades", name="grader")
    step = SelfReflect(name="reflect", llm=llm, grader=grader, hop=1, max_attempts=1, min_relevance=6,
                       min_diversity=5, ledger_dir=str(tmp_path))  # fmt: skip
    step.load()
    rows = [_child("a-close", "attribute"), _child("a-far", "attribute"),
            _child("p-far", "persona"), _child("p-close", "persona")]  # fmt: skip
    out = next(step.process(rows))
    kept = {r["row_id"] for r in out}
    # a relevant attribute child may be close to its parent; a diverse persona child may drift
    assert kept == {"a-close", "p-far"}
    stage = Ledger(tmp_path).stage_summary()["reflect"]
    assert stage["dropped"] == {"reflection_failed": 2}  # after one re-synthesis each (bounded)
    assert stage["counters"]["resynthesized"] == 2 and stage["counters"]["passed_first_try"] == 2


def test_fallback_attributes_come_from_the_question_not_the_topic():
    got = fallback_attributes("What is the natural reservoir of Ostravirus?", "natural reservoir", [], 2)
    assert got == [{"attribute": "Ostravirus", "relation": "relates to"}]
    have = [{"attribute": "dose", "relation": "is"}]
    got = fallback_attributes("What is the standard dose of Zorvatide?", "standard dose", have, 2)
    assert [a["attribute"] for a in got] == ["dose", "Zorvatide"]
    assert fallback_attributes("Why?", "why", [], 2) == []


def test_extraction_that_repeats_the_topic_still_feeds_the_attribute_branch(tmp_path):
    """Gemma-3-270M's real replies on MCQ seeds: the topic again as the attribute, or '...' copied from
    the format. Before, such rows had no attribute and the attribute branch yielded no row."""
    replies = {
        "Kelmar": ' {"topic": "kelmar fever", "attributes": [{"attribute": "kelmar fever", "relation": "is caused by"}]}',
        "Ostravirus": ' {"topic": "natural reservoir", "attributes": [{"attribute": "...", "relation": "..."}]}',
    }  # fmt: skip
    llm = FakeLLM(rules=replies)  # the worked examples mention neither name
    step = ExtractAttributes(name="extract", llm=llm, hop=1, attributes_per_node=1, ledger_dir=str(tmp_path))
    step.load()
    seeds = [
        new_row(row_id="s0", seed_id="s0", question="Which pathogen causes Kelmar fever?", attr_quota=3),
        new_row(row_id="s1", seed_id="s1", question="What is the natural reservoir of Ostravirus?", attr_quota=3),
    ]
    out = next(step.process(seeds))
    assert [r["attributes"] for r in out] == [
        [{"attribute": "pathogen", "relation": "relates to"}],
        [{"attribute": "Ostravirus", "relation": "relates to"}],
    ]
    assert out[0]["topic"] == "kelmar fever"
    assert Ledger(tmp_path).stage_summary()["extract"]["counters"]["attributes_from_question"] == 2
