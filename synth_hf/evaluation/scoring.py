"""Batched model scoring: option log-likelihoods, greedy answers, p(yes) from final-position logits.

All prompts go through the tokenizer's chat template; a base model without one gets the same
PLAIN_CHAT_TEMPLATE that `synth_hf.train` trains with, so base and adapter see identical prompts.
Batches are left-padded with explicit position ids, so every sequence ends at the last position:
one forward pass with `logits_to_keep` then yields just the logits we need (the full vocabulary x
sequence logits of a 262k-vocabulary model would not fit a CPU batch comfortably).
Each scoring loop shows its progress per batch (`synth_hf.runtime.spinner`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from synth_hf.items import true_false_question
from synth_hf.models.yesno import YesNoScore, answer_token_ids, renormalise
from synth_hf.runtime.spinner import track
from synth_hf.train import ensure_chat_template

# Open answers are short, one paragraph: a base model that never emits EOS is stopped at the first
# line break instead of writing new turns until max_new_tokens (which also costs most of the time).
STOP_STRINGS = ("\n",)


def yes_no_question(statement: str) -> str:
    """The calibration probe: the statement as the true/false item renders it, asked for yes or no.

    A probe, not a training item: p(yes) is read from the yes-like and no-like answer tokens, so the
    prompt asks for that word; the statement reads as in the true/false rows the model trains on."""
    return f"{true_false_question(statement)}\nAnswer yes or no."


@dataclass
class LoadedModel:
    model: Any
    tokenizer: Any
    name: str


def load_for_eval(base_model: str | Path, adapter_dir: str | Path | None = None) -> LoadedModel:
    """Base model (+ merged LoRA adapter) in eval mode, with the tokenizer the adapter saved."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    on_gpu = torch.cuda.is_available()
    tok_src = (
        adapter_dir if adapter_dir and (Path(adapter_dir) / "tokenizer_config.json").exists() else base_model
    )
    tokenizer = AutoTokenizer.from_pretrained(str(tok_src))
    ensure_chat_template(tokenizer)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(
        str(base_model), dtype=torch.bfloat16 if on_gpu else torch.float32
    )
    if adapter_dir:
        from peft import PeftModel

        # merged weights run as fast as the base model; the result is numerically the same
        model = PeftModel.from_pretrained(model, str(adapter_dir)).merge_and_unload()
    model.to("cuda" if on_gpu else "cpu").eval()
    name = f"{base_model} + {adapter_dir}" if adapter_dir else str(base_model)
    return LoadedModel(model, tokenizer, name)


def prompt_ids(tokenizer: Any, user_text: str) -> list[int]:
    """Token ids of a one-turn chat prompt ending where the answer starts (BOS comes from the template)."""
    text = tokenizer.apply_chat_template(
        [{"role": "user", "content": user_text}], tokenize=False, add_generation_prompt=True
    )
    return tokenizer(text, add_special_tokens=False).input_ids


def _left_pad(
    seqs: list[list[int]], pad_id: int, device: Any
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    width = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), width), dtype=torch.long)
    for row, seq in enumerate(seqs):
        ids[row, width - len(seq) :] = torch.tensor(seq, dtype=torch.long)
        mask[row, width - len(seq) :] = 1
    positions = (mask.cumsum(-1) - 1).clamp(min=0)  # padding must not shift real positions
    return ids.to(device), mask.to(device), positions.to(device)


def _batches(order: list[int], size: int) -> list[list[int]]:
    return [order[i : i + size] for i in range(0, len(order), size)]


def _shown(batches: list[list[int]], description: str, unit: str) -> Iterator[list[int]]:
    """Yield `batches`, counting each one's items on a progress display when it is done."""
    with track(description, sum(len(b) for b in batches), unit) as bar:
        for batch in batches:
            yield batch
            bar.advance(len(batch))


@torch.no_grad()
def continuation_logprobs(
    lm: LoadedModel,
    pairs: list[tuple[list[int], list[int]]],
    batch_size: int = 8,
    description: str = "scoring continuations",
) -> list[tuple[float, int]]:
    """(summed log-prob, token count) of each continuation given its context, batched.

    `pairs` holds (context_ids, continuation_ids). Sequences are sorted by length so a batch
    wastes little padding; results come back in input order.
    """
    model, pad = lm.model, lm.tokenizer.pad_token_id
    device = next(model.parameters()).device
    results: list[tuple[float, int]] = [(0.0, 0)] * len(pairs)
    order = sorted(range(len(pairs)), key=lambda i: -(len(pairs[i][0]) + len(pairs[i][1])))
    for batch in _shown(_batches(order, batch_size), description, "options"):
        _score_batch(model, pairs, batch, pad, device, results)
    return results


def _score_batch(
    model: Any,
    pairs: list[tuple[list[int], list[int]]],
    batch: list[int],
    pad: int,
    device: Any,
    results: list[tuple[float, int]],
) -> None:
    """Score one batch of `pairs` (indices `batch`) into `results`."""
    seqs = [pairs[i][0] + pairs[i][1] for i in batch]
    ids, mask, pos = _left_pad(seqs, pad, device)
    keep = max(len(pairs[i][1]) for i in batch) + 1
    logits = model(input_ids=ids, attention_mask=mask, position_ids=pos, logits_to_keep=keep).logits
    logprobs = torch.log_softmax(logits.float(), dim=-1)  # [B, keep, V]; position j predicts token j+1
    for row, i in enumerate(batch):
        cont = pairs[i][1]
        n = len(cont)
        # the last n tokens of the row are the continuation; they are predicted by positions
        # keep-1-n .. keep-2 of the kept window
        window = logprobs[row, keep - 1 - n : keep - 1]
        target = torch.tensor(cont, device=window.device).unsqueeze(-1)
        results[i] = (float(window.gather(-1, target).sum()), n)


def _continuation(tokenizer: Any, prompt: list[int], option: str) -> list[int]:
    # our plain template ends the prompt on "Assistant:" and the answer follows after a space
    tail = tokenizer.decode(prompt[-1:])
    text = option if (tail and tail[-1].isspace()) else " " + option
    return tokenizer(text, add_special_tokens=False).input_ids


def score_options(
    lm: LoadedModel, questions: list[str], options: list[list[str]], batch_size: int = 8
) -> list[list[tuple[float, int]]]:
    """Per question, per option: (summed log-likelihood of the option text, its token count)."""
    pairs, owners = [], []
    for q_idx, (question, opts) in enumerate(zip(questions, options)):
        ctx = prompt_ids(lm.tokenizer, question)
        for opt in opts:
            pairs.append((ctx, _continuation(lm.tokenizer, ctx, opt)))
            owners.append(q_idx)
    flat = continuation_logprobs(lm, pairs, batch_size, description="scoring MCQ options")
    per_q: list[list[tuple[float, int]]] = [[] for _ in questions]
    for q_idx, score in zip(owners, flat):
        per_q[q_idx].append(score)
    return per_q


def _cut(text: str, stop: tuple[str, ...]) -> str:
    """Keep the text before the first stop string (generation may overshoot it by a token)."""
    for marker in stop:
        pos = text.find(marker)
        if pos != -1:
            text = text[:pos]
    return text.strip()


def _stop_criteria(tokenizer: Any, stop: tuple[str, ...], prompt_len: int) -> Any:
    """Stop each row once its decoded answer contains a stop string.

    Decoding the few generated tokens per step is cheap; transformers' `stop_strings` instead
    builds tables over the whole vocabulary on every call (~1.5 s for Gemma's 262k tokens).
    """
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _StopOnText(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
            texts = tokenizer.batch_decode(input_ids[:, prompt_len:], skip_special_tokens=True)
            done = [any(marker in text for marker in stop) for text in texts]
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_StopOnText()] if stop else [])


@torch.no_grad()
def generate_answers(
    lm: LoadedModel,
    questions: list[str],
    max_new_tokens: int = 48,
    batch_size: int = 8,
    stop: tuple[str, ...] = STOP_STRINGS,
) -> list[str]:
    """Greedy answers, batched with left padding, stopped and cut at the first stop string."""
    model, tok = lm.model, lm.tokenizer
    device = next(model.parameters()).device
    prompts = [prompt_ids(tok, q) for q in questions]
    answers: list[str] = [""] * len(prompts)
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    for batch in _shown(_batches(order, batch_size), "generating answers", "answers"):
        ids, mask, _ = _left_pad([prompts[i] for i in batch], tok.pad_token_id, device)
        out = model.generate(
            input_ids=ids,
            attention_mask=mask,
            max_new_tokens=max_new_tokens,
            do_sample=False,
            pad_token_id=tok.pad_token_id,
            eos_token_id=tok.eos_token_id,
            stopping_criteria=_stop_criteria(tok, stop, ids.shape[1]),
        )
        for row, i in enumerate(batch):
            answers[i] = _cut(tok.decode(out[row, ids.shape[1] :], skip_special_tokens=True), stop)
    return answers


@torch.no_grad()
def yes_no_scores(lm: LoadedModel, statements: list[str], batch_size: int = 16) -> list[YesNoScore]:
    """p(yes) per statement from one forward pass: final-position softmax, renormalised over the
    yes-like and no-like single-token variants (" yes", "Yes", ...), plus the mass they covered."""
    model, tok = lm.model, lm.tokenizer
    device = next(model.parameters()).device
    yes_ids, no_ids = answer_token_ids(tok)
    prompts = [prompt_ids(tok, yes_no_question(s)) for s in statements]
    scores: list[YesNoScore] = [renormalise(0.0, 0.0)] * len(prompts)
    order = sorted(range(len(prompts)), key=lambda i: -len(prompts[i]))
    for batch in _shown(_batches(order, batch_size), "scoring yes/no statements", "statements"):
        ids, mask, pos = _left_pad([prompts[i] for i in batch], tok.pad_token_id, device)
        logits = model(input_ids=ids, attention_mask=mask, position_ids=pos, logits_to_keep=1).logits[:, -1]
        probs = torch.softmax(logits.float(), dim=-1)
        yes = probs[:, yes_ids].sum(-1).tolist()
        no = probs[:, no_ids].sum(-1).tolist()
        for row, i in enumerate(batch):
            scores[i] = renormalise(yes[row], no[row])
    return scores
