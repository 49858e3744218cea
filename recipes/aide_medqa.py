"""AIDE from ~10 MedQA-format seeds → dataset card + staged publish → LoRA SFT → before/after.

With no arguments it runs offline on the embedded Gemma-3-270M: the first `recipe.num_seeds`
questions of the shipped MedQA sample are the seeds, the remaining ones the evaluation split
(seeds never leak into evaluation). `--seeds` / `--engine` / `--repo-id` point it at real data,
a real model and the Hub, e.g. `--engine vllm:Qwen/Qwen2.5-7B-Instruct --seeds my/medqa.jsonl`.

By default every role left on the embedded in-process engine (synthesizer, grader, annotator) talks
to one local vLLM server of the embedded model, started for the run and stopped before training, as
in recipes/graphgen_medqa.py; `--no-serve` runs the in-process engines of the config instead.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from synth_hf.cli.args import FLAG_NAMES, add_config_flags, add_field_flags, field_flags
from synth_hf.config import TrainConfig, apply_dotted, read_yaml_mapping
from synth_hf.models.serve import SEEDED_SERVER_ARGS
from synth_hf.workflow import (
    WorkflowConfig,
    close_the_loop,
    log,
    parse_engine,
    require_base_model,
    require_endpoints,
    require_output_folder,
    require_token_for_upload,
    run_recipe,
    timed,
)

HERE = Path(__file__).resolve().parent
DATA = Path(__import__("synth_hf").__file__).resolve().parent / "data"


def medqa_rows(source: str) -> list[dict]:
    """MedQA-format jsonl as AIDE MCQ seeds (option list + answer letter). Options as a list or a
    label->text mapping; the answer as `answer_idx` / `answer_index` / `label` or an `answer` index, label
    or option text (`synth_hf.text.mcq`). Raises FileNotFoundError, or ValueError naming file:line."""
    from synth_hf.evaluation.data import json_line
    from synth_hf.text.mcq import resolve_answer, split_options

    rows = []
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"--seeds {source}: no such file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise ValueError(f"--seeds {source}: not UTF-8 text (byte {err.start}); expected MedQA-format JSON lines") from None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        row = json_line(path, number, line)
        split = split_options(row.get("options"))
        if split is None or not isinstance(row.get("question"), str):
            raise ValueError(f"{source}:{number}: expected a 'question' string and 'options' (a list or a "
                             f"label->text mapping); got {sorted(row)}")
        labels, texts = split
        idx, problem = resolve_answer(row, labels, texts)
        if problem:
            raise ValueError(f"{source}:{number}: {problem[1]}")
        rows.append({"id": row.get("id"), "question": row["question"], "options": texts,
                     "answer": labels[idx], "raw": row})  # fmt: skip
    return rows


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_config_flags(p, "AIDEConfig (its recipe: block holds the seeds split and training settings)")
    p.set_defaults(config=str(HERE / "configs" / "aide_medqa.yaml"))
    p.add_argument("--seeds", default=str(DATA / "medqa_sample.jsonl"), help="MedQA-format jsonl")
    p.add_argument("--documents", default=str(DATA / "medical_corpus"),
                   help="documents the answers must rest on (folder/file/Hub id); 'none' = ungrounded")
    p.add_argument("--engine", help="ENGINE:MODEL (default: the config's engine, embedded model)")
    p.add_argument("--openai-base-url", help="base URL for an openai --engine, e.g. http://127.0.0.1:8000/v1")
    add_field_flags(p, TrainConfig, key_prefix="recipe.train.", only=("model",), names={"model": "--base-model"})
    p.add_argument("--out", default="outputs/aide_medqa", help="output folder (default: %(default)s)")
    p.add_argument("--repo-id", help="upload the dataset here (needs HF_TOKEN or a cached login)")
    p.add_argument("--private", action="store_true", help="make the uploaded dataset repo private")
    p.add_argument("--no-serve", action="store_true", help="do not start a shared local vLLM server")
    p.add_argument("-v", "--verbose", action="store_true", help="show the traceback of an error")
    return p


def build_config(args: argparse.Namespace):
    """(AIDEConfig, seed rows, held-out rows): the YAML with what this recipe fixes (the seeds, output
    folder, documents), then --set, then the flags; the first `recipe.num_seeds` questions are the
    seeds, the rest the evaluation split. Raises ValueError when no question is left to evaluate."""
    from synth_hf.pipelines.aide_config import AIDEConfig

    rows = medqa_rows(args.seeds)
    raw = read_yaml_mapping(args.config)
    # every row is a seed until the recipe block says how many seeds to take
    fixed = {
        "seeds.rows": [{k: r[k] for k in ("id", "question", "options", "answer")} for r in rows],
        "seeds.source": None,
        "seeds.id_column": "id",
        "run.output_dir": str(args.out),
        "recipe": raw.get("recipe") or {"train": {"max_steps": 20}},
    }
    if args.documents.lower() != "none":
        fixed["documents"] = {**(raw.get("documents") or {}), "source": args.documents}
    else:  # the YAML's documents block (top_k, ...) has no source of its own
        fixed["documents"] = None
        fixed["annotation.answer_source"] = "annotator"  # no evidence to answer from
    flags = field_flags(args)
    if args.engine:
        flags["engine"] = parse_engine(args.engine, args.openai_base_url)
    elif args.openai_base_url:
        raise ValueError("--openai-base-url is for an openai engine: give --engine openai:MODEL too")
    names = {**FLAG_NAMES, "engine": "--engine"}
    config = AIDEConfig.load(args.config, args.set, flags, names, data=apply_dotted(raw, fixed))
    n_seeds = config.recipe.num_seeds
    if len(rows) <= n_seeds:
        raise ValueError(f"{args.seeds} has {len(rows)} questions; need more than {n_seeds} (seeds + evaluation)")
    seeds, held_out = rows[:n_seeds], rows[n_seeds:]
    assert not {r["id"] for r in seeds} & {r["id"] for r in held_out}, "seed leaked into the evaluation split"
    return config.with_overrides({"seeds.rows": seed_rows(seeds, config.seeds.format)}), seeds, held_out


def seed_rows(rows: list[dict], fmt: str) -> list[dict]:
    """The MedQA seeds in the config's seed format: `mcq` keeps options + answer letter; `qa` asks the
    question open, answered by the correct option's text (a 270M synthesizer cannot write options of
    which exactly one is in the documents; open questions are grounded as free text)."""
    if fmt == "mcq":
        return [{k: r[k] for k in ("id", "question", "options", "answer")} for r in rows]
    if fmt == "qa":
        return [{"id": r["id"], "question": r["question"], "answer": r["options"][ord(r["answer"]) - 65]}
                for r in rows]  # fmt: skip
    raise ValueError(f"seeds.format: {fmt!r} is not supported by this recipe (mcq or qa)")


def check_documents(config) -> None:
    """Read the documents as the run will (`read_documents`, writing nothing), so a mistyped or unreadable
    source fails before the ~1 min server start, not after it. Raises FileNotFoundError / ValueError."""
    from synth_hf.pipelines.aide_grounding import read_documents

    read_documents(config.documents, "", dry_run=True, setting="--documents")  # errors name the recipe's flag


def main(argv: list[str] | None = None) -> int:
    from synth_hf.pipelines.aide import run_aide
    from synth_hf.runtime.shared_server import shared_embedded_server

    args = build_parser().parse_args(argv)
    out = require_output_folder(args.out)
    require_token_for_upload(args.repo_id)
    config, seeds, held_out = build_config(args)
    require_base_model(config.recipe.train.model)
    check_documents(config)
    require_endpoints(config, ("engine", "grader_engine", "annotator_engine"))  # a dead server fails before ours starts
    out.mkdir(parents=True, exist_ok=True)  # after the checks: bad input leaves no empty folder
    eval_path = out / "eval_mcq.jsonl"
    eval_path.write_text("".join(json.dumps(r["raw"]) + "\n" for r in held_out), encoding="utf-8")

    # Roles on the embedded in-process default share one local vLLM server; named engines stay.
    # The server stops when this block ends: training and evaluation then have every core.
    served = shared_embedded_server(config, ("engine", "grader_engine", "annotator_engine"),
                                    enabled=not args.no_serve, log_path=out / "vllm_server.log",
                                    started_by="recipes/aide_medqa.py", extra_args=SEEDED_SERVER_ARGS)
    with served as shared:
        log("aide", f"{len(seeds)} seeds, {len(held_out)} held-out questions; "
            f"engine {shared.config.engine.describe()}")
        result = timed("aide", lambda: run_aide(shared.config))
        shared.record(result)  # engine_load in the summary; config.yaml names the configured engines
        served_note = shared.note() if shared.server is not None else ""
    loop = WorkflowConfig(
        method="aide",
        out_dir=out,
        train=config.recipe.train,
        repo_id=args.repo_id,
        private=args.private,
        eval_sets={"mcq": str(eval_path), "open_qa": str(eval_path)},
        licenses=config.recipe.licenses,  # the engines' own (gemma for the embedded model) come from the summary
        extra_card={"config_note": served_note},
    )
    timed("publish+train+eval", lambda: close_the_loop(result, loop, config))
    return 0


if __name__ == "__main__":
    sys.exit(run_recipe(main, prog="aide_medqa"))
