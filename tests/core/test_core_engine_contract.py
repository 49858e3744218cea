"""Engine contract on the fake engine: batching, errors, JSON retries, yes/no maths."""

from typing import ClassVar

import pytest

from synth_hf.models.base import EngineError, GenParams
from synth_hf.models.fake import FakeLLM
from synth_hf.models.prompts import prompt_messages, render_plain, schema_instruction
from synth_hf.models.yesno import answer_token_ids, classify_answer_token, renormalise

SCHEMA = {
    "type": "object",
    "properties": {"topic": {"type": "string"}, "n": {"type": "integer"}},
    "required": ["topic", "n"],
}


def _loaded(**kwargs):
    llm = FakeLLM(**kwargs)
    llm.load()
    return llm


def test_rules_apply_in_order_and_usage_counts():
    llm = _loaded(rules={"capital": "Paris", ".*": "other"}, batch_size=2)
    assert llm.generate_texts(["the capital?", "x", "y"]) == ["Paris", "other", "other"]
    assert llm.usage["calls"] == 3
    assert llm.usage["output_tokens"] == 3


def test_distilabel_generate_shape_with_n_generations():
    llm = _loaded(default_reply="a b")
    out = llm.generate([[{"role": "user", "content": "hi"}]], num_generations=3)
    assert out[0]["generations"] == ["a b"] * 3
    assert out[0]["statistics"]["output_tokens"] == [2, 2, 2]
    assert out[0]["statistics"]["input_tokens"] == [1, 1, 1]


def test_empty_prompt_list_gives_empty_result():
    llm = _loaded()
    assert llm.generate([]) == []
    assert llm.generate_texts([]) == []
    assert llm.score_yes_no([]) == []


def test_failure_mid_batch_names_the_batch():
    llm = _loaded(fail_on="boom", batch_size=2)
    with pytest.raises(EngineError, match=r"batch 1 \(prompts 2\.\.3\).*boom"):
        llm.generate_texts(["a", "b", "c", "boom"])


def test_generate_json_parses_lenient_output():
    llm = _loaded(rules={"topic": 'Sure! ```json\n{"topic": "asthma", "n": 3,}\n```'})
    [result] = llm.generate_json(["Give the topic"], SCHEMA)
    assert result.ok and result.data == {"topic": "asthma", "n": 3}
    assert result.attempts == 1


def test_generate_json_returns_raw_and_reason_after_bounded_retries():
    llm = _loaded(default_reply="I cannot do JSON", structured_retries=2)
    [result] = llm.generate_json(["Give the topic"], SCHEMA)
    assert not result.ok
    assert result.raw == "I cannot do JSON"
    assert result.reason and result.reason.startswith("no JSON")
    assert result.attempts == 3
    assert llm.usage["calls"] == 3


def test_generate_json_schema_violation_is_a_reason():
    llm = _loaded(default_reply='{"topic": "x"}', structured_retries=0)
    [result] = llm.generate_json(["q"], SCHEMA)
    assert not result.ok and "schema" in result.reason and "'n'" in result.reason


def test_schema_in_prompt_only_for_non_native_engines():
    llm = _loaded(default_reply='{"topic": "t", "n": 1}')
    llm.generate_json(["Describe"], SCHEMA)
    assert "JSON" in llm.prompts_seen[-1] and '"topic"' in llm.prompts_seen[-1]
    assert schema_instruction(SCHEMA).endswith("JSON:")


def test_distilabel_structured_input_tuple_is_honoured():
    llm = _loaded(default_reply='{"topic": "t", "n": 2}')
    out = llm.generate([([{"role": "user", "content": "x"}], {"format": "json", "schema": SCHEMA})])
    assert out[0]["structured"][0]["ok"] is True
    assert '"n": 2' in out[0]["generations"][0]


def test_yes_no_renormalisation():
    score = renormalise(0.3, 0.1)
    assert score.p_yes == pytest.approx(0.75)
    assert score.covered_mass == pytest.approx(0.4)
    assert renormalise(0.0, 0.0).p_yes == 0.5
    llm = _loaded(covered_mass=0.5)
    [s] = llm.score_yes_no(["Is it? Answer:"])
    assert 0 < s.p_yes < 1 and s.covered_mass == pytest.approx(0.5)


def test_answer_token_classification():
    assert classify_answer_token(" Yes") == "yes"
    assert classify_answer_token("\nno") == "no"
    assert classify_answer_token("maybe") is None


def test_answer_token_ids_skip_multi_piece_and_dedupe():
    class Tok:
        vocab: ClassVar[dict] = {"yes": 1, " yes": 2, "Yes": 3, "no": 4, " no": 5, "\nyes": 1}

        def encode(self, text, add_special_tokens=False):
            return [self.vocab[text]] if text in self.vocab else [9, 9]

    yes, no = answer_token_ids(Tok())
    assert yes == [1, 2, 3] and no == [4, 5]


def test_prompt_normalisation_errors_are_clear():
    assert prompt_messages("hi") == [{"role": "user", "content": "hi"}]
    with pytest.raises(ValueError, match="string or a non-empty list"):
        prompt_messages(42)
    assert render_plain([{"role": "system", "content": "A"}, {"role": "user", "content": "B"}]) == "A\n\nB"


def test_gen_params_defaults_follow_engine_fields():
    llm = FakeLLM(max_new_tokens=33, temperature=0.7)
    params = llm._params()
    assert isinstance(params, GenParams) and params.max_new_tokens == 33 and params.temperature == 0.7


def test_failing_batch_is_skipped_and_counted_when_asked():
    llm = _loaded(fail_on="boom", batch_size=2, batch_retries=1, on_batch_failure="skip", default_reply="fine")
    assert llm.generate_texts(["a", "b", "c", "boom", "e"]) == ["fine", "fine", "", "", "fine"]
    assert llm.usage["failed_calls"] == 2 and llm.usage["calls"] == 3
    # the fake saw the failing batch twice (1 retry) but only counted successful prompts
    assert llm.prompts_seen.count("c") == 2


def test_skipped_yes_no_batch_is_nan_not_a_guess():
    import math

    class Broken(FakeLLM):
        def _answer_token_probs(self, prompts):
            raise RuntimeError("scoring backend down")

    llm = Broken(on_batch_failure="skip", batch_retries=0)
    llm.load()
    [score] = llm.score_yes_no(["Is it? Answer:"])
    assert math.isnan(score.p_yes) and score.covered_mass == 0.0
    assert llm.usage["failed_calls"] == 1
