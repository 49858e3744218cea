"""Engine throughput on the embedded model: vLLM vs transformers.

    python benchmarks/engines.py [--engines vllm-eager,transformers] [--prompts 32] [--new-tokens 64]

An engine name may carry `+VARIANT`s that change the CPU settings of that one vLLM load:
`+reserve1` (vLLM's own default: one core kept for its scheduler, i.e. as shipped before),
`+nopreload` (no tcmalloc / Intel OpenMP preload), `+tcmalloc` (tcmalloc only), `+nobind` (no
OpenMP thread binding), `+passive` (OMP_WAIT_POLICY=PASSIVE: idle OpenMP threads sleep at once).
E.g. `--engines vllm-eager+reserve1+nopreload,vllm-eager` is before/after.

Measures (1) generation tokens/s at a fixed length (EOS ignored, greedy) and (2) yes/no probe
statements/s for prefill scoring (`score_yes_no`, one forward pass, exact token set) against
generate-based probing (one generated token with top-k logprobs, classified by text) — the
only route an API without token-id logprobs offers.
"""

from __future__ import annotations

import argparse
import math
import os
import time
from collections.abc import Callable
from typing import Any

from synth_hf.models.prompts import prompt_messages
from synth_hf.models.vllm_cpu import PRELOAD_SWITCH, RESERVED, applied_env, find_preload_libraries
from synth_hf.models.yesno import classify_answer_token

TOPICS = ["rivers", "volcanoes", "the moon", "bread", "chess", "glaciers", "violins", "bees"]
FACTS = [
    "Water boils at 100 degrees Celsius at sea level.",
    "The sun rises in the west.",
    "Paris is the capital of France.",
    "Spiders have six legs.",
    "Ice is frozen water.",
    "The Pacific is the smallest ocean.",
    "A week has seven days.",
    "Fish breathe with lungs.",
]
TOP_K = 20

# The issue-14 figures (2 shared cores, 32 x 64 tokens, 64 statements): the regression table.
REFERENCE = {
    "vllm (compiled), reserve 1": (114, 138, 15.6),
    "vllm-eager, reserve 1": (36, 126, 15.4),
    "transformers": (4, 90, 17.2),
    "vllm (compiled), reserve 0": (94, 237, 30.6),
}


def variant_env(variants: list[str]) -> dict[str, str]:
    """Environment for one vLLM load from its `+VARIANT`s (see the module docstring)."""
    env: dict[str, str] = {}
    for v in variants:
        if v == "reserve1":
            env[RESERVED] = "1"
        elif v == "nopreload":
            env[PRELOAD_SWITCH] = "0"
        elif v == "tcmalloc":
            env["LD_PRELOAD"] = " ".join(p for p in find_preload_libraries() if "tcmalloc" in p) or " "
        elif v == "nobind":
            env["VLLM_CPU_OMP_THREADS_BIND"] = "nobind"
        elif v == "passive":
            env["OMP_WAIT_POLICY"] = "PASSIVE"
        else:
            raise SystemExit(f"unknown variant +{v}: use reserve1, nopreload, tcmalloc, nobind, passive")
    return env


def gen_prompts(n: int) -> list[str]:
    return [f"Write a short paragraph about {TOPICS[i % len(TOPICS)]} (note {i}).\n\n" for i in range(n)]


def probe_prompts(n: int) -> list[str]:
    return [
        f"Statement: {FACTS[i % len(FACTS)]} ({i})\nIs this statement true? Answer yes or no.\nAnswer:"
        for i in range(n)
    ]


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def warm_timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Second run of `fn`: the first pays one-off costs (kernel selection, new shapes)."""
    fn()
    return timed(fn)


def classify_top(pairs: list[tuple[str, float]]) -> tuple[float, float]:
    yes = sum(math.exp(lp) for tok, lp in pairs if classify_answer_token(tok) == "yes")
    no = sum(math.exp(lp) for tok, lp in pairs if classify_answer_token(tok) == "no")
    return yes, no


# ---- vLLM -----------------------------------------------------------------------------
def bench_vllm(n_prompts: int, new_tokens: int, n_probe: int, enforce_eager: bool) -> dict[str, float]:
    from vllm import SamplingParams

    from synth_hf.models.vllm_engine import VLLMEngine

    engine = VLLMEngine(enforce_eager=enforce_eager)
    _, load_s = timed(engine.load)
    llm = engine._llm  # fixed-length generation needs ignore_eos, which GenParams does not carry
    gen = [prompt_messages(p) for p in gen_prompts(n_prompts)]
    fixed = SamplingParams(max_tokens=new_tokens, temperature=0.0, ignore_eos=True)
    outs, gen_s = warm_timed(lambda: llm.generate(engine._token_prompts(gen), fixed, use_tqdm=False))
    tokens = sum(len(o.outputs[0].token_ids) for o in outs)

    probes = probe_prompts(n_probe)
    _, prefill_s = warm_timed(lambda: engine.score_yes_no(probes))
    topk = SamplingParams(max_tokens=1, temperature=0.0, logprobs=TOP_K)

    def generate_probe() -> list[tuple[float, float]]:
        res = llm.generate(engine._token_prompts([prompt_messages(p) for p in probes]), topk, use_tqdm=False)
        return [
            classify_top([(lp.decoded_token or "", lp.logprob) for lp in r.outputs[0].logprobs[0].values()])
            for r in res
        ]

    _, topk_s = warm_timed(generate_probe)
    added = engine.engine_load().get("env", {})
    engine.unload()
    return {
        "load_s": load_s,
        "gen_tok_s": tokens / gen_s,
        "prefill_stmt_s": n_probe / prefill_s,
        "topk_stmt_s": n_probe / topk_s,
        "env": added,
    }


# ---- transformers ------------------------------------------------------------------------
def bench_transformers(n_prompts: int, new_tokens: int, n_probe: int) -> dict[str, float]:
    import torch

    from synth_hf.models.transformers_engine import TransformersEngine

    engine = TransformersEngine(batch_size=n_prompts)
    _, load_s = timed(engine.load)
    model, tok = engine._model, engine._tokenizer
    gen = [prompt_messages(p) for p in gen_prompts(n_prompts)]

    def generate() -> int:
        batch = engine._encode(gen)
        with torch.inference_mode():
            out = model.generate(
                **batch,
                max_new_tokens=new_tokens,
                min_new_tokens=new_tokens,
                do_sample=False,
                temperature=None,
                top_p=None,
                top_k=None,
                pad_token_id=tok.pad_token_id,
            )
        return (out.shape[1] - batch["input_ids"].shape[1]) * out.shape[0]

    tokens, gen_s = warm_timed(generate)
    probes = probe_prompts(n_probe)
    engine.batch_size = 16
    _, prefill_s = warm_timed(lambda: engine.score_yes_no(probes))

    def generate_probe() -> list[tuple[float, float]]:
        masses = []
        for start in range(0, n_probe, 16):
            batch = engine._encode([prompt_messages(p) for p in probes[start : start + 16]])
            with torch.inference_mode():
                out = model.generate(
                    **batch,
                    max_new_tokens=1,
                    do_sample=False,
                    temperature=None,
                    top_p=None,
                    top_k=None,
                    output_scores=True,
                    return_dict_in_generate=True,
                    pad_token_id=tok.pad_token_id,
                )
            logp = torch.log_softmax(out.scores[0].float(), dim=-1)
            top = torch.topk(logp, TOP_K, dim=-1)
            for vals, ids in zip(top.values.tolist(), top.indices.tolist()):
                masses.append(classify_top([(tok.decode([i]), v) for i, v in zip(ids, vals)]))
        return masses

    _, topk_s = warm_timed(generate_probe)
    engine.unload()
    return {
        "load_s": load_s,
        "gen_tok_s": tokens / gen_s,
        "prefill_stmt_s": n_probe / prefill_s,
        "topk_stmt_s": n_probe / topk_s,
        "torch_threads": torch.get_num_threads(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--engines",
        default="vllm-eager+reserve1+nopreload,vllm-eager,transformers",
        help="comma list of vllm (torch.compile), vllm-eager, transformers; vLLM ones take +VARIANTs",
    )
    parser.add_argument("--prompts", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--probes", type=int, default=64)
    args = parser.parse_args()
    rows: dict[str, dict[str, float]] = {}
    for name in args.engines.split(","):
        base, *variants = name.split("+")
        load_before = os.getloadavg()[0]
        if base in ("vllm", "vllm-eager"):
            with applied_env(variant_env(variants)):
                rows[name] = bench_vllm(args.prompts, args.new_tokens, args.probes, base == "vllm-eager")
        elif name == "transformers":
            rows[name] = bench_transformers(args.prompts, args.new_tokens, args.probes)
        else:
            raise SystemExit(f"unknown engine {name!r}")
        # The machine may be shared: the load average says how much the figures can be trusted.
        rows[name]["loadavg"] = round((load_before + os.getloadavg()[0]) / 2, 1)
        print(f"{name}: {rows[name]}", flush=True)
    print(
        f"\nembedded Gemma-3-270M (float32, CPU threads: {os.cpu_count()}, load avg {os.getloadavg()[0]:.1f}), {args.prompts} prompts x {args.new_tokens} new tokens (greedy, EOS ignored); "
        f"{args.probes} yes/no statements"
    )
    width = max(30, *(len(n) + 2 for n in rows))
    header = f"{'engine':<{width}}{'load s':>9}{'gen tok/s':>12}{'prefill stmt/s':>16}{'top-k stmt/s':>14}{'loadavg':>9}"
    print(header + "\n" + "-" * len(header))
    for name, r in rows.items():
        print(
            f"{name:<{width}}{r['load_s']:>9.1f}{r['gen_tok_s']:>12.1f}{r['prefill_stmt_s']:>16.1f}"
            f"{r['topk_stmt_s']:>14.1f}{r['loadavg']:>9.1f}"
        )
    print(
        "\nregression table (issue 14: 32 x 64 tokens, 64 statements, idle 2-core machine; compare when idle):"
    )
    for name, (load_s, tok_s, stmt_s) in REFERENCE.items():
        print(f"{name:<{width}}{load_s:>9.1f}{tok_s:>12.1f}{stmt_s:>16.1f}{'-':>14}")
    import torch

    # Training and evaluation run in this process after vLLM: it must still use every core.
    print(f"\ntorch threads in this process after the engines ran: {torch.get_num_threads()}")


if __name__ == "__main__":  # vLLM starts worker processes: keep the guard
    main()
