"""Yes/no scoring counts its prompt tokens like generation does (run totals = what engines were asked)."""

from __future__ import annotations

from synth_hf.models.fake import FakeLLM


def test_scoring_records_prompt_tokens():
    llm = FakeLLM()
    llm.load()
    prompts = ["Is Zorvatide used to treat Kelmar fever? Answer:", "Is the sky green? Answer:"]
    before = llm.usage
    scores = llm.score_yes_no(prompts)
    after = llm.usage
    assert len(scores) == 2
    assert after["calls"] - before["calls"] == 2
    assert after["input_tokens"] - before["input_tokens"] == sum(len(p.split()) for p in prompts)
    assert after["output_tokens"] == before["output_tokens"]  # scoring decodes nothing
