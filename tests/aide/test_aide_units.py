"""Pure AIDE logic: planning, parsing, agreement, seed mapping, prompts, config."""

import pytest
from pydantic import ValidationError

from synth_hf.items import read_answer, token_f1
from synth_hf.pipelines.aide_config import AIDEConfig, ExpansionConfig, SeedConfig, apply_overrides
from synth_hf.steps.aide.outputs import agree, majority, normalize_extraction, parse_synthesis, read_grade
from synth_hf.steps.aide.planning import (
    Branching,
    attribute_operation_pairs,
    branching_for_hop,
    frontier_order,
    make_children,
    plan_rows,
    split_quota,
    spread_budget,
)
from synth_hf.steps.aide.rows import map_seed, new_row
from synth_hf.steps.aide.synthesis_prompts import solve_prompt, synthesis_prompt

SEED = "SEEDTEXT how do tides work?"


def _cfg(**kw) -> SeedConfig:
    return SeedConfig(rows=[{}], **kw)


# ---------------------------------------------------------------------------------- planning
def test_branching_respects_branch_depths():
    kw = {
        "attribute_depth": 1,
        "persona_depth": 2,
        "attributes_per_node": 2,
        "operations_per_node": 3,
        "n_operations": 3,
        "personas_per_node": 2,
    }
    assert branching_for_hop(1, **kw) == Branching(6, 2)
    assert branching_for_hop(2, **kw) == Branching(0, 2)
    assert branching_for_hop(3, **kw) == Branching(0, 0)
    assert branching_for_hop(1, **{**kw, "operations_per_node": 5}).attribute_slots == 6  # only 3 ops exist


def test_budget_is_spread_and_never_exceeded():
    assert spread_budget([3, 3, 3], None) == [3, 3, 3]
    assert spread_budget([3, 3, 3], 4) == [2, 1, 1]  # each row its own group: one slot per row per round
    # rows of one seed: its first row fills before its second (one extraction call per parent)
    assert spread_budget([3, 3, 3, 3], 4, ["a", "a", "b", "b"]) == [2, 0, 2, 0]
    assert spread_budget([3, 3, 3, 3], 9, ["a", "a", "b", "b"]) == [3, 2, 3, 1]
    assert spread_budget([1, 0, 5], 100) == [1, 0, 5]
    assert spread_budget([2, 2], 0) == [0, 0]
    assert frontier_order(["a", "a", "b", "b"]) == [0, 2, 1, 3]


def test_split_quota_keeps_both_branches_and_limits():
    assert split_quota(8, Branching(6, 2)) == (6, 2)
    assert split_quota(4, Branching(6, 2)) == (3, 1)
    assert split_quota(1, Branching(0, 2)) == (0, 1)
    assert split_quota(20, Branching(6, 2)) == (6, 2)
    assert split_quota(0, Branching(6, 2)) == (0, 0)


def test_attribute_operation_pairs_cover_everything_when_untruncated():
    pairs = attribute_operation_pairs(2, ["c", "a", "r"], 3)
    assert len(pairs) == 6 and len(set(pairs)) == 6
    assert pairs[:2] == [(0, "c"), (1, "a")]  # a truncated list still spans attributes and operations
    assert attribute_operation_pairs(2, ["c", "a", "r"], 1) == [(0, "c"), (1, "a")]


def test_plan_rows_marks_leaves_and_budget():
    rows = [new_row(row_id=f"r{i}", seed_id=f"s{i % 2}", hop=1) for i in range(4)]
    rows.append(new_row(row_id="old", seed_id="s0", hop=0))
    planned, extra = plan_rows(rows, 2, Branching(2, 1), max_rows=4 + 5)
    quotas = [r["attr_quota"] + r["persona_quota"] for r in planned]
    assert sum(quotas) == 5 and quotas[-1] == 0  # 4 alive generated rows leave 5 of 9
    # seeds evenly (s0 3, s1 2), each filling its first parent: r0 (s0) and r1 (s1)
    assert quotas[:2] == [3, 2] and extra == {"frontier": 4, "expanding": 2, "leaves": 2, "planned_children": 5}
    _, extra = plan_rows(rows, 2, Branching(2, 1), max_rows=4)
    assert extra["expanding"] == 0 and extra["leaves"] == 4


def test_make_children_ids_triplets_and_personas():
    parent = new_row(
        row_id="seed-0",
        seed_id="seed-0",
        hop=0,
        question="q",
        topic="tides",
        attributes=[{"attribute": "moon", "relation": "pulls"}, {"attribute": "sun", "relation": "adds"}],
        personas=["sailor", "surfer"],
        persona_scores=[0.9, 0.8],
        attr_quota=3,
        persona_quota=1,
    )
    kids = make_children(parent, 1, ["concretize", "add_constraints", "add_reasoning"], 3, residual=True)
    assert [k["row_id"] for k in kids] == ["seed-0.a1", "seed-0.a2", "seed-0.a3", "seed-0.p1"]
    assert kids[0]["attribute_triplet"] == {"head": "tides", "relation": "pulls", "tail": "moon"}
    assert kids[-1]["persona"] == "sailor" and kids[-1]["branch"] == "persona"
    assert all(k["parent_id"] == "seed-0" and k["hop"] == 1 for k in kids)


# ---------------------------------------------------------------------------------- parsing
def test_parse_synthesis_formats():
    qa = parse_synthesis(" How do neap tides differ?\nAnswer: They are weaker.\n###\nExisting", "qa")
    assert (qa.question, qa.draft_answer, qa.reason) == (
        "How do neap tides differ?",
        "They are weaker.",
        None,
    )
    mcq = parse_synthesis("Which planet?\nA) Mars\nB) Venus\nC) Earth\nAnswer: (B)", "mcq")
    assert mcq.options == ["Mars", "Venus", "Earth"] and mcq.draft_answer == "B" and mcq.reason is None
    assert parse_synthesis("Which?\nA) x\nB) x\nAnswer: A", "mcq").reason == "mcq_duplicate_options"
    assert parse_synthesis("Which?\nAnswer: A", "mcq").reason == "mcq_too_few_options"
    tf = parse_synthesis("The moon causes tides.\nAnswer: True", "true_false")
    assert tf.draft_answer == "true"
    cut = parse_synthesis("Why?\nTopic: tides\nFocus: moon", "qa")  # model imitating the prompt
    assert cut.question == "Why?" and cut.draft_answer is None
    assert parse_synthesis("   \n", "qa").reason == "empty_question"


def test_normalize_extraction_is_lenient():
    topic, attrs = normalize_extraction(
        {
            "topic": "tides",
            "attributes": [
                "moon",
                {"attribute": "moon"},
                {"name": "sun", "relation": "adds"},
                {"attribute": "tides"},
                "wind",
            ],
        },
        k=2,
    )
    assert topic == "tides" and attrs == [
        {"attribute": "moon", "relation": "relates to"},
        {"attribute": "sun", "relation": "adds"},
    ]
    assert normalize_extraction("nonsense", 2) == (None, [])


def test_read_grade_json_and_text():
    assert read_grade({"relevance": 8, "diversity": "3"}, "") == (8.0, 3.0, "")
    assert read_grade(None, "relevance: 7, diversity = 11") == (7.0, None, "")


def test_answer_agreement_rules():
    assert read_answer("mcq", "The answer is C", 4) == "C"
    assert read_answer("true_false", "False, because", 0) == "false"
    assert agree("qa", "the moon pulls water", "the moon pulls the water", 0.5)
    assert not agree("qa", "the moon", "gravity of the sun", 0.5)
    assert not agree("mcq", "A", None, 0.5)
    assert majority("mcq", ["A", "A", "B"], 0.5) == ("A", pytest.approx(2 / 3))
    assert majority("mcq", [None, None], 0.5) == (None, 0.0)
    best, share = majority("qa", ["moon pulls water", "the moon pulls water", "wind"], 0.5)
    assert best in ("moon pulls water", "the moon pulls water") and share == pytest.approx(2 / 3)
    assert token_f1("", "x") == 0.0


# ---------------------------------------------------------------------------------- seeds
def test_map_seed_formats_and_reasons():
    row, _ = map_seed(
        {"instruction": "Do X", "response": "Done"},
        0,
        _cfg(question_column="instruction", answer_column="response"),
    )
    assert row["question"] == "Do X" and row["answer"] == "Done" and row["seed_id"] == "seed-0"
    mcq = _cfg(format="mcq")
    assert map_seed({"question": "Q", "options": ["a", "b"], "answer": 1}, 0, mcq)[0]["answer"] == "B"
    assert map_seed({"question": "Q", "options": ["a", "b"], "answer": "a"}, 0, mcq)[0]["answer_index"] == 0
    assert map_seed({"question": "Q", "options": ["a", "b"], "answer": 2}, 0, mcq)[1].startswith(
        "invalid_answer_index (expected the answer as an option index"
    )
    assert (
        map_seed(
            {"question": "Q", "options": ["a", "b"], "answer": 2},
            0,
            _cfg(format="mcq", answer_one_based=True),
        )[0]["answer"]
        == "B"
    )
    refused = map_seed({"question": "Q", "options": ["a"], "answer": 0}, 0, mcq)
    assert refused[0] is None and refused[1].startswith("invalid_options (expected options as a list")
    assert map_seed({"question": "  ", "answer": "x"}, 0, _cfg()) == (None, "empty_question")
    assert map_seed({"question": "Q", "answer": ""}, 0, _cfg()) == (None, "empty_answer")
    assert map_seed({"question": "Q", "answer": "maybe"}, 0, _cfg(format="true_false")) == (
        None,
        "invalid_true_false_answer (expected a bool, 1 / 0, or true / false / yes / no)",
    )
    assert map_seed({"question": "Q", "answer": True}, 0, _cfg(format="true_false"))[0]["answer"] == "true"


# ---------------------------------------------------------------------------------- prompts
def _child(hop: int, residual: bool, branch: str = "attribute") -> dict:
    return new_row(
        row_id="c",
        seed_id="s",
        hop=hop,
        branch=branch,
        operation="concretize",
        persona="a sailor" if branch == "persona" else None,
        residual=residual,
        parent_question=SEED if hop == 1 else "gen1 parent text?",
        seed_question=SEED,
        seed_answer="moon",
        attribute_triplet={"head": "tides", "relation": "pulls", "tail": "moon"},
    )


SYNTH_KW = {
    "fmt": "qa",
    "task_description": None,
    "demonstrations": [],
    "operations": {"concretize": "be concrete"},
    "operation_templates": {},
}


@pytest.mark.parametrize("branch", ["attribute", "persona"])
def test_residual_block_only_on_residual_hops(branch):
    assert SEED in synthesis_prompt(_child(1, True, branch), **SYNTH_KW)  # hop 1: the seed is the parent
    assert SEED in synthesis_prompt(_child(2, True, branch), **SYNTH_KW)
    assert SEED not in synthesis_prompt(_child(2, False, branch), **SYNTH_KW)
    with_feedback = synthesis_prompt(
        _child(2, True, branch), **SYNTH_KW, previous="old try", feedback="too close"
    )
    assert SEED in with_feedback and "too close" in with_feedback and "old try" in with_feedback


def test_custom_operation_template_and_demonstrations():
    kw = {
        **SYNTH_KW,
        "operation_templates": {"concretize": "MINE {{ parent }} | {{ seed }} | {{ attribute }}"},
        "demonstrations": [{"question": "DEMO Q", "answer": "DEMO A"}],
    }
    assert synthesis_prompt(_child(2, True), **kw).startswith(
        "MINE question: gen1 parent text? | Question: SEEDTEXT"
    )
    assert "DEMO Q" in synthesis_prompt(
        _child(2, True), **SYNTH_KW | {"demonstrations": kw["demonstrations"]}
    )
    solve = solve_prompt("qa", _child(2, True) | {"question": "NEW?"}, None, [])
    assert SEED in solve and solve.rstrip().endswith("Answer:")  # the seed is the few-shot example


# ---------------------------------------------------------------------------------- config
def test_config_errors_are_clear():
    with pytest.raises(ValidationError, match="K=0"):
        ExpansionConfig(depth=0)
    with pytest.raises(ValidationError, match="unknown operations"):
        ExpansionConfig(operations=["concretize", "paraphrase"])
    with pytest.raises(ValidationError, match="nothing would be generated"):
        ExpansionConfig(attribute_depth=0, persona_depth=0)
    with pytest.raises(ValidationError, match="exactly one of 'source'"):
        SeedConfig()
    ok = ExpansionConfig(
        operations=["concretize", "simplify"],
        custom_operations={"simplify": {"instruction": "make it simpler"}},
    )
    assert ok.children_per_node(1) == 2 * 2 + 2
    assert ExpansionConfig(depth=3, residual_depth=2).residual_hops == [1, 2]


def test_overrides_parse_yaml_values():
    data = apply_overrides(
        {"seeds": {"rows": [{"question": "q", "answer": "a"}]}},
        ["expansion.depth=1", "reflection.enabled=true", "run.name=x"],
    )
    cfg = AIDEConfig.model_validate(data)
    assert cfg.expansion.depth == 1 and cfg.reflection.enabled and cfg.run.name == "x"
    with pytest.raises(ValueError, match="key.path=value"):
        apply_overrides({}, ["nonsense"])


def test_seeds_from_a_local_file_with_instruction_columns(tmp_path):
    import json

    from synth_hf.steps.aide.seeds import load_demonstrations, load_seeds

    path = tmp_path / "seeds.jsonl"
    rows = [
        {"id": "a", "instruction": "Summarise", "input": "The cat sat.", "response": "A cat sat."},
        {"id": "b", "instruction": "Translate to French", "input": "", "response": "Bonjour"},
        {"id": "a", "instruction": "Other", "input": "", "response": "x"},  # repeated id
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    cfg = SeedConfig(
        source=str(path),
        question_column="instruction",
        answer_column="response",
        context_column="input",
        id_column="id",
        demonstrations=[{"instruction": "Count to two", "response": "1, 2"}],
    )
    seeds, invalid = load_seeds(cfg)
    assert [s["seed_id"] for s in seeds] == ["a", "b"] and invalid[0][1] == "duplicate_id"
    assert (
        seeds[0]["question"] == "Summarise\n\nThe cat sat." and seeds[1]["question"] == "Translate to French"
    )
    assert load_demonstrations(cfg) == [{"question": "Count to two", "options": [], "answer": "1, 2"}]
    with pytest.raises(ValueError, match="asked for 3 seeds"):
        load_seeds(cfg.model_copy(update={"num_seeds": 3}))
