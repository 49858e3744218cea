"""Knowledge lift: does a training set teach facts? Closed-book MCQs on an invented-fact corpus.

    python benchmarks/knowledge_lift.py                         # base vs LoRA on the raw documents
    python benchmarks/knowledge_lift.py --data outputs/graphgen_medqa/hub   # + LoRA on that dataset
    python benchmarks/knowledge_lift.py --data DIR --mix-raw-text            # dataset + raw text
    python benchmarks/knowledge_lift.py --held-out-seeds 10 --arms base,seeds,evol,aide   # AIDE loop
    python benchmarks/knowledge_lift.py --arms base,raw --adapter raw=OUT/adapter_raw   # re-score, no training

Arms: `base` (no training), `raw` (LoRA on the corpus text as plain language modelling) and, with
`--data`, `data` (LoRA on a saved/staged dataset with a `messages` column). Every trained arm gets
the same LoRA budget: the same optimizer steps x batch size (`--steps`, or by default
`--epochs` passes over the raw-text rows), same rank, learning rate and seed; only the data differ.

AIDE closed loop (`--held-out-seeds N`): N of the MCQs (split_seeds: per type, evenly spaced, no
randomness) become seeds and every arm is scored on the other questions only. Arms `seeds` (LoRA on
the N seed questions with their gold answers), `aide` (AIDE from those seeds, answers grounded in the
benchmark's documents; `--aide-config`) and `evol` (the same config with `expansion.method: evol`:
the operations alone, no attributes, personas or residual seed, with AIDE's extraction calls given to
it as extra children; annotation alike, so only the synthesis differs). Both pipelines run on one
local vLLM server of the embedded model (`--aide-engine transformers` to run in process);
`--aide-engine fake` checks the wiring in seconds; `--aide-data` / `--evol-data` reuse a finished run's dataset folder instead.

Questions (`--questions`): the 63 core MCQs (mcq.jsonl; seeds are drawn from these), the 159 extra ones
(mcq_extra.jsonl: an atomic question for every other gold fact, more aggregated and multi-hop), or all
(default). The summary's `paired` block compares every arm with `raw`, `base` and `evol` question by question.

Scoring (synth_hf.evaluation.eval_mcq): the question is rendered as the user turn of the chat
template that training renders `messages` rows with (`<bos>User: ...\\nAssistant:` for the
embedded base model), each option is scored as the assistant's answer; accuracy by summed and by
per-token log-likelihood, per question type (atomic / aggregated / multi_hop) and overall.
Prints a JSON summary and writes it to `--out`/summary.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ARMS = ("base", "raw", "data", "seeds", "evol", "aide")
SEEDED_ARMS = ("seeds", "evol", "aide")
PAIRED_REFERENCES = ("raw", "base", "evol")  # evol: AIDE's baseline


def per_seed_folders(spec: str, seeds: list[int]) -> dict[int, str]:
    """{seed: folder} of an --adapter DIR: DIR with `{seed}` filled in for each training seed, or DIR
    itself for every seed when it has no placeholder."""
    return {seed: adapter_folder(spec, seed) for seed in seeds}


def adapter_folder(spec: str, seed: int) -> str:
    """The --adapter DIR of training seed `seed` (`{seed}` filled in)."""
    return spec.replace("{seed}", str(seed))


class _DefaultsShown(argparse.HelpFormatter):
    """Help that shows a value default (not None / off switches, nor one the text already names)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                formatter_class=_DefaultsShown)
    p.add_argument(
        "--model", default=None, help="base model folder or Hub id (default: embedded Gemma-3-270M)"
    )
    p.add_argument("--data", help="saved / staged dataset folder (or data file) with a `messages` column")
    p.add_argument("--mix-raw-text", action="store_true", help="the data arm also trains on the raw text")
    p.add_argument(
        "--run-graphgen",
        action="store_true",
        help="run GraphGen on the corpus first (embedded model on a local vLLM server) and use its rows as --data",
    )
    p.add_argument("--graphgen-config", default=str(ROOT / "recipes" / "configs" / "graphgen_medqa.yaml"),
                   help="GraphGen config for --run-graphgen (default: recipes/configs/graphgen_medqa.yaml)")
    p.add_argument("--arms", default="base,raw,data", help=f"comma list of {', '.join(ARMS)}")
    p.add_argument("--held-out-seeds", type=int, default=0, help="N MCQs as AIDE seeds; score on the rest")
    p.add_argument(
        "--questions", choices=["core", "extra", "all"], default="all",
        help="questions scored: core (the 63 of mcq.jsonl; seeds come from these), extra (the 159 of "
        "mcq_extra.jsonl) or all (default; one question moves a type's accuracy by about 1-2 points, not 4-6)",
    )  # fmt: skip
    p.add_argument(
        "--adapter", action="append", default=[], metavar="ARM=DIR",
        help="score a saved LoRA adapter for ARM instead of training it (repeatable), e.g. to re-score "
        "earlier runs on another question set; a {seed} in DIR names one adapter per --train-seeds seed "
        "(OUT/adapter_aide_seed{seed}), scored and pooled as trained ones",
    )  # fmt: skip
    p.add_argument("--aide-config", default=str(ROOT / "recipes" / "configs" / "aide_knowledge_lift.yaml"),
                   help="AIDE config of the aide / evol arms (default: recipes/configs/aide_knowledge_lift.yaml)")
    p.add_argument(
        "--aide-engine",
        choices=["vllm-server", "transformers", "fake"],
        default="vllm-server",
        help="fake: the stock fake model (a wiring check: its answers are never supported)",
    )
    p.add_argument("--aide-data", help="dataset folder of a finished AIDE run (skips generating it)")
    p.add_argument("--evol-data", help="dataset folder of a finished evol run (skips generating it)")
    p.add_argument("--raw-unit", choices=["document", "sentence"], default="document",
                   help="one raw-text row per document or per sentence")
    p.add_argument("--steps", type=int, help="optimizer steps per trained arm (default: from --epochs)")
    p.add_argument("--epochs", type=float, default=8, help="passes over the raw-text rows that size --steps")
    p.add_argument("--batch-size", type=int, default=4, help="LoRA batch size")
    p.add_argument("--lr", type=float, default=1e-3, help="LoRA learning rate")
    p.add_argument("--lora-r", type=int, default=16, help="LoRA rank")
    p.add_argument("--lora-alpha", type=int, default=32, help="LoRA alpha")
    p.add_argument("--max-length", type=int, default=512, help="tokens per training row")
    p.add_argument("--seed", type=int, default=42, help="training seed (see --train-seeds)")
    p.add_argument(
        "--train-seeds", metavar="S1,S2,...",
        help="train and score every trained arm once per seed and pool them (mean, spread, majority "
        "per question); default: --seed alone",
    )  # fmt: skip
    p.add_argument("--eval-batch-size", type=int, default=16, help="MCQs scored per batch")
    p.add_argument("--out", default="outputs/knowledge_lift", help="output folder (summary.json, adapters)")
    return p


def main(argv: list[str] | None = None) -> int:
    from datasets import Dataset

    from benchmarks.lift_generate import run_aide_arms, run_graphgen_on_corpus
    from synth_hf.data.knowledge_lift import load_documents, load_gold_facts, load_mcq, load_mcq_extra
    from synth_hf.evaluation.knowledge_lift import (
        accuracy_by_coverage,
        data_figures,
        fact_overlap,
        lift_table,
        raw_text_units,
        score_model,
        seed_messages,
        split_seeds,
    )
    from synth_hf.evaluation.paired import paired_table, pool_training_seeds
    from synth_hf.models.resolve import resolve_model
    from synth_hf.train import load_sft_dataset, train_lora

    args = build_parser().parse_args(argv)
    arms = [a.strip() for a in args.arms.split(",") if a.strip()]
    unknown = set(arms) - set(ARMS)
    if unknown:
        raise SystemExit(f"unknown arms {sorted(unknown)}; choose from {', '.join(ARMS)}")
    spec = str(args.seed) if args.train_seeds is None else args.train_seeds
    try:
        train_seeds = [int(x) for x in spec.split(",")]
    except ValueError:
        raise SystemExit(f"--train-seeds {spec!r}: expected integers separated by commas, e.g. 42,43,44") from None
    if len(set(train_seeds)) != len(train_seeds) or not all(0 <= x < 2**32 for x in train_seeds):
        raise SystemExit(f"--train-seeds {spec!r}: expected distinct integers from 0 to 2**32 - 1")
    saved = {}
    for spec in args.adapter:
        if spec.startswith("data=") and (args.data or args.run_graphgen):
            raise SystemExit(
                "--adapter data=DIR scores a saved adapter: --data / --run-graphgen would describe "
                "other data than the one it was trained on; drop them"
            )
        arm, _, folder = spec.partition("=")
        if arm == "base" or not folder:
            raise SystemExit(f"--adapter {spec!r}: expected ARM=DIR with ARM one of the trained --arms")
        if arm not in arms:
            raise SystemExit(f"--adapter {spec!r}: {arm} is not among --arms {args.arms}; add it there")
        if arm in saved:
            raise SystemExit(f"--adapter {spec!r}: a second adapter for {arm} ({saved[arm]} was given first)")
        if "{seed}" in folder and args.train_seeds is None:
            raise SystemExit(f"--adapter {spec!r}: {{seed}} names one adapter per training seed; give --train-seeds")
        for one in per_seed_folders(folder, train_seeds).values():
            if not (Path(one) / "adapter_config.json").exists():
                raise SystemExit(f"--adapter {spec!r}: {one} holds no adapter_config.json")
        saved[arm] = folder
    if set(arms) & set(SEEDED_ARMS) and not args.held_out_seeds:
        raise SystemExit(
            f"arms {', '.join(SEEDED_ARMS)} need --held-out-seeds N (the seeds and the held-out split)"
        )
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise SystemExit(f"--out {out}: is a file, not a folder")
    for flag in ("data", "aide_data", "evol_data"):  # a typo fails here, not after a generation run
        if getattr(args, flag) and not Path(getattr(args, flag)).exists():
            raise SystemExit(f"--{flag.replace('_', '-')} {getattr(args, flag)}: no such file or folder")
    out.mkdir(parents=True, exist_ok=True)
    graphgen_figures = None
    if args.run_graphgen:
        args.data, graphgen_figures = run_graphgen_on_corpus(args.graphgen_config, out / "graphgen")
    if "data" in arms and not args.data and "data" not in saved:
        arms.remove("data")  # nothing to train it on
    t_start = time.perf_counter()

    docs, facts, mcq = load_documents(), load_gold_facts(), load_mcq()
    # seeds always come from the core set (their split stays as it was); the extra set is never a seed
    try:
        seeds, core = split_seeds(mcq, args.held_out_seeds) if args.held_out_seeds else ([], mcq)
    except ValueError as err:
        raise SystemExit(f"--held-out-seeds {args.held_out_seeds}: {err}") from None
    core = core if args.questions != "extra" else []
    extra = load_mcq_extra() if args.questions != "core" else []
    scored = core + extra
    base = resolve_model(args.model)
    for arm, spec in saved.items():  # an adapter of another base model fails deep inside peft
        for folder in per_seed_folders(spec, train_seeds).values():
            trained_on = json.loads((Path(folder) / "adapter_config.json").read_text()).get(
                "base_model_name_or_path"
            )
            if trained_on and Path(trained_on).exists() and Path(trained_on).resolve() != Path(base).resolve():
                raise SystemExit(f"--adapter {arm}={folder}: trained on {trained_on}, not on --model {base}")
    raw = raw_text_units(docs, args.raw_unit)
    generated: dict = {}
    to_generate = [
        a for a in ("aide", "evol") if a in arms and not getattr(args, f"{a}_data") and a not in saved
    ]
    if to_generate:
        generated = run_aide_arms(args.aide_config, seeds, to_generate, out / "aide_runs", args.aide_engine)
    for arm in ("aide", "evol"):
        if getattr(args, f"{arm}_data"):
            generated[arm] = (getattr(args, f"{arm}_data"), {"source": getattr(args, f"{arm}_data")})
    steps = args.steps or math.ceil(args.epochs * len(raw) / args.batch_size)
    budget = {
        "steps": steps,
        "batch_size": args.batch_size,
        "examples_seen": steps * args.batch_size,
        "lr": args.lr,
        "lora_r": args.lora_r,
        "lora_alpha": args.lora_alpha,
        "seeds": train_seeds,
        "raw_unit": args.raw_unit,
        "raw_rows": len(raw),
    }
    summary: dict = {}
    if graphgen_figures:  # the headline of a run that made its data: what one supported row cost
        summary["cost_per_supported_row"] = graphgen_figures["cost_per_supported_row"]
    summary |= {"model": base, "corpus": {"documents": len(docs), "gold_facts": len(facts)}}
    summary |= {"mcq": len(mcq), "questions": args.questions, "scored_mcq": len(scored), "budget": budget}
    if seeds:
        summary["split"] = {
            "rule": "split_seeds: per question type in proportion, evenly spaced in file order",
            "seed_ids": [q["id"] for q in seeds],
            "held_out": len(core),  # core questions that are not seeds; the extra set is never a seed
            "held_out_by_type": dict(Counter(q["type"] for q in core)),
            "extra_questions": len(extra),
            "extra_by_type": dict(Counter(q["type"] for q in extra)),
            # scored questions (core and extra) resting on a fact a seed also rests on
            "scored_sharing_a_fact_with_a_seed": fact_overlap(seeds, scored),
        }
    summary["arms"] = {}
    # training rows per trained arm (raw text is handled apart); figures measured on the held-out MCQs
    train_sets: dict = {}
    if "data" in arms and args.data:
        try:
            dataset = load_sft_dataset(args.data)
        except (FileNotFoundError, ValueError) as err:
            raise SystemExit(f"--data {args.data}: {err}") from None
        if "messages" not in dataset.column_names:
            raise SystemExit(f"--data {args.data} has no `messages` column: {dataset.column_names}")
        train_sets["data"] = dataset
        summary["data"] = {"source": str(args.data), **data_figures(list(dataset), facts, scored)}
        summary["data"]["mixed_with_raw_text"] = args.mix_raw_text
        if graphgen_figures:
            summary["graphgen"] = graphgen_figures
    if "seeds" in arms:
        train_sets["seeds"] = Dataset.from_list(seed_messages(seeds))
    for arm, (folder, figures) in generated.items():
        # a run that kept no row saved an empty folder that `datasets` cannot load back
        train_sets[arm] = load_sft_dataset(folder) if figures.get("rows", 1) else Dataset.from_list([])
        figures = figures | {"dataset": folder, **data_figures(list(train_sets[arm]), facts, scored)}
        summary.setdefault("generated", {})[arm] = figures
    summary["raw_text"] = data_figures(
        [{"messages": [{"role": "user", "content": t}]} for t in raw], facts, scored
    )

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)

    train_kw = {
        "max_steps": steps,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "lora_r": args.lora_r,
        "lora_alpha": args.lora_alpha,
        "max_length": args.max_length,
    }

    def train_and_score(arm: str, seed: int | None) -> dict | None:
        """Train `arm` with training seed `seed` (None: untrained / saved adapter) and score it."""
        start = time.perf_counter()
        kw = train_kw | {"seed": seed if seed is not None else args.seed}
        adapter = adapter_folder(saved[arm], kw["seed"]) if arm in saved else None
        trained = None
        suffix = f"_seed{seed}" if len(train_seeds) > 1 and seed is not None else ""
        if adapter:
            log(f"{arm}: saved adapter {adapter}, not trained")
            summary.setdefault("saved_adapters", {})[arm] = saved[arm]  # with {seed}: one per seed
        elif arm == "raw":
            log(
                f"raw: LoRA on {len(raw)} raw-text rows, {steps} steps x {args.batch_size}, seed {kw['seed']}"
            )
            trained = train_lora(None, base, out / f"adapter_raw{suffix}", raw_text=raw, **kw)
        elif arm != "base":
            rows = train_sets[arm]
            if len(rows) == 0:  # a pipeline that kept nothing: say so, score the others
                log(f"{arm}: no training rows, not trained")
                return None
            mix = raw if arm == "data" and args.mix_raw_text else None
            log(
                f"{arm}: LoRA on {len(rows)} rows{' + raw text' if mix else ''}, {steps} steps x "
                f"{args.batch_size}, seed {kw['seed']}"
            )
            trained = train_lora(rows, base, out / f"adapter_{arm}{suffix}", raw_text=mix, **kw)
        if trained is not None:
            adapter = trained.output_dir
        train_s = time.perf_counter() - start
        log(f"{arm}: scoring {len(scored)} MCQs")
        scores = score_model(base, adapter, scored, args.eval_batch_size)
        scores["train_s"] = round(train_s, 1)
        scores["eval_s"] = round(time.perf_counter() - start - train_s, 1)
        if trained is not None:
            scores["train_rows"] = trained.metrics["n_examples"]
            scores["train_loss"] = round(trained.train_loss, 4)
            scores["final_loss"] = trained.metrics["loss_history"][-1]["loss"]
            scores["epochs_done"] = trained.metrics["epochs_done"]
        overall = scores["by_type"]["overall"]
        log(f"{arm}: accuracy per token {overall['accuracy_mean']:.3f}, summed {overall['accuracy_sum']:.3f}")
        return scores

    per_seed: dict[str, dict] = {}
    for arm in arms:
        if arm == "base" or (arm in saved and "{seed}" not in saved[arm]):  # one adapter or none: one score
            runs = {None: train_and_score(arm, None)}
        else:
            runs = {s: train_and_score(arm, s) for s in train_seeds}
        if any(r is None for r in runs.values()):
            summary["arms"][arm] = {"error": "no training rows"}
            continue
        if len(runs) == 1:
            summary["arms"][arm] = next(iter(runs.values()))
        else:
            scores = pool_training_seeds(runs)
            for key in ("train_s", "eval_s"):
                scores[key] = round(sum(r[key] for r in runs.values()), 1)
            if all("train_rows" in r for r in runs.values()):  # trained here, not saved adapters
                scores["train_rows"] = next(iter(runs.values()))["train_rows"]
                for key in ("train_loss", "final_loss", "epochs_done"):  # one per seed, in --train-seeds order
                    scores[key] = [r[key] for r in runs.values()]
            summary["arms"][arm] = scores
            spread = scores["spread"]
            log(
                f"{arm}: over seeds {', '.join(map(str, runs))}: accuracy per token {spread['mean']:.3f} "
                f"(std {spread['std']:.3f}, {spread['min']:.3f}-{spread['max']:.3f})"
            )
            per_seed[arm] = runs
        (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")  # partial
    scored_arms = {k: v for k, v in summary["arms"].items() if "by_type" in v}
    # which questions each arm's data state, and how it and base score on those and on the rest
    figures_of = {"raw": summary["raw_text"], "data": summary.get("data"), **summary.get("generated", {})}
    for arm, figures in figures_of.items():
        ids = (figures or {}).pop("covered_fact_ids", None)
        if ids is not None and arm in scored_arms:
            scored_arms[arm]["by_coverage"] = accuracy_by_coverage(scored_arms[arm], scored, ids)
            if "base" in scored_arms:
                scored_arms[arm]["base_by_coverage"] = accuracy_by_coverage(scored_arms["base"], scored, ids)
    if "base" in scored_arms:
        summary["lift_points"] = lift_table(scored_arms)
    # which questions each arm gets that raw text / base does not, and a sign-test p per type
    summary["paired"] = paired_table(scored_arms, scored, PAIRED_REFERENCES)
    if per_seed:  # the same comparison between arms trained with the same seed
        untrained = {a: v for a, v in scored_arms.items() if a not in per_seed}
        summary["paired_per_seed"] = {
            str(seed): {
                pair: table["overall"]
                for pair, table in paired_table(
                    untrained | {a: runs[seed] for a, runs in per_seed.items()}, scored, PAIRED_REFERENCES
                ).items()
            }
            for seed in train_seeds
        }
    summary["wall_s"] = round(time.perf_counter() - t_start, 1)
    (out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    from synth_hf.workflow import run_recipe

    sys.exit(run_recipe(main, prog="knowledge_lift"))  # a usage error: one line, status 2
