"""GraphGen on medical text → dataset card + staged publish → LoRA SFT → before/after on MedQA.

With no arguments it runs offline on the embedded Gemma-3-270M (synthesizer and trainee) over the
invented-fact medical corpus shipped with synth_hf (synth_hf/data/knowledge_lift: facts the base model
cannot know), and evaluates closed-book on that corpus's MedQA-format questions (atomic, aggregated,
multi-hop), so the before/after shows what the data taught. Flags point it at real data and models:

    python recipes/graphgen_medqa.py \\
        --corpus my-org/medical-textbooks --text-column text --limit 200 \\
        --synthesizer vllm:Qwen/Qwen2.5-7B-Instruct --trainee vllm:Qwen/Qwen2.5-0.5B \\
        --base-model Qwen/Qwen2.5-0.5B --mcq GBaker/MedQA-USMLE-4-options --repo-id me/graphgen-medqa

An engine is `ENGINE:MODEL` (ENGINE = transformers | vllm | openai; MODEL may be empty for the
embedded model); `--openai-base-url` points the openai engine at `vllm serve` or a provider.

By default one local vLLM server of the embedded model is started for the run and every role left
on the embedded in-process engine (no engine flag) talks to it through the OpenAI-compatible engine:
the model loads once and all steps share continuous batching (on 2 CPU cores ~3.5x the throughput of
per-step transformers); it stops before training. A role given another engine keeps it.
`--no-serve` runs each step on its own in-process engine from the config instead.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from synth_hf.cli.args import FLAG_NAMES, add_config_flags, add_field_flag, add_field_flags, field_flags
from synth_hf.config import RecipeConfig, TrainConfig, apply_dotted, read_yaml_mapping
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
DEFAULT_CONFIG = HERE / "configs" / "graphgen_medqa.yaml"


def _shipped_epochs() -> object:
    """The shipped config's training epochs, for --help (the TrainConfig default is not what runs)."""
    return ((read_yaml_mapping(str(DEFAULT_CONFIG)).get("recipe") or {}).get("train") or {}).get("epochs")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_config_flags(p, "GraphGenConfig (its recipe: block holds the training settings)")
    p.set_defaults(config=str(DEFAULT_CONFIG))
    add_field_flag(p, "input.source", "--corpus", help="Hub dataset id or local file/folder (default: the "
                   "shipped invented-fact medical corpus of the knowledge-lift benchmark)")
    add_field_flag(p, "input.text_column", "--text-column", help="column of --corpus that holds the text")
    add_field_flag(p, "input.limit", "--limit", type=int, help="use only the first N documents")
    p.add_argument("--synthesizer", help="ENGINE:MODEL for extraction/generation (default: embedded)")
    p.add_argument("--trainee", help="ENGINE:MODEL probed for calibration (default: embedded)")
    p.add_argument("--openai-base-url", help="base URL for openai engines, e.g. http://127.0.0.1:8000/v1")
    add_field_flags(p, TrainConfig, key_prefix="recipe.train.", only=("model", "epochs", "max_steps"),
                    names={"model": "--base-model", "epochs": "--train-epochs", "max_steps": "--train-steps"},
                    shown_defaults={"epochs": f"from the config's recipe.train: {_shipped_epochs()} in {DEFAULT_CONFIG.name}"})
    add_field_flag(p, "recipe.mix_raw_text", "--mix-raw-text", action="store_true",
                   help="also train on the corpus text itself")
    p.add_argument("--mcq", default=str(DATA / "knowledge_lift" / "mcq.jsonl"),
                   help="MedQA-format jsonl or Hub id (default: the corpus's closed-book questions)")
    p.add_argument("--statements", default=None, help="held-out yes/no statements jsonl (calibration)")
    p.add_argument("--open-qa", help="jsonl with question + answer (default: the config's recipe.open_qa)")
    p.add_argument("--out", default="outputs/graphgen_medqa", help="output folder (default: %(default)s)")
    p.add_argument("--repo-id", help="upload the dataset here (needs HF_TOKEN or a cached login)")
    p.add_argument("--private", action="store_true", help="make the uploaded dataset repo private")
    add_field_flag(p, "run.use_cache", "--no-cache", action="store_const", const=False, help="recompute every stage")
    p.add_argument("--no-serve", action="store_true", help="do not start a shared local vLLM server")
    p.add_argument("-v", "--verbose", action="store_true", help="show the traceback of an error")
    return p


def load_eval_set(source: str | None):
    """A local jsonl path as is; a Hub id through `load_table` (needs Hub access)."""
    if not source:
        return None
    if Path(source).exists():
        return source
    from synth_hf.io.readers import load_table

    return load_table(source, split="test")


def corpus_texts(config) -> list[str]:
    """The documents GraphGen read, as plain texts for `--mix-raw-text`."""
    from synth_hf.io.readers import load_text_dataset

    inp = config.input
    corpus, _ = load_text_dataset(inp.source, text_column=inp.text_column, split=inp.split)
    texts = corpus["text"]
    return texts[: inp.limit] if inp.limit else texts


def build_config(args: argparse.Namespace):
    """The GraphGenConfig of a command line: the YAML with what this recipe fixes (output folder, run
    name, a `synth_hf/data/...` corpus read from the installed package), then --set, then the flags
    (--corpus, --synthesizer, --train-epochs, ...)."""
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    out = Path(args.out)
    yaml_data = read_yaml_mapping(args.config)
    # what this recipe fixes sits under --set and the flags, as if the YAML said it
    fixed = {"run.output_dir": str(out), "run.name": "graphgen"}
    inp = yaml_data.get("input")
    source = inp.get("source") if isinstance(inp, dict) else None
    if isinstance(source, str) and source.startswith("synth_hf/data/"):  # shipped data: the installed copy
        fixed["input.source"] = str(DATA / source.removeprefix("synth_hf/data/"))
    flags = field_flags(args)
    for role in ("synthesizer", "trainee"):
        if getattr(args, role):
            flags[role] = parse_engine(getattr(args, role), args.openai_base_url)
    data = apply_dotted(yaml_data, fixed)
    names = {**FLAG_NAMES, "synthesizer": "--synthesizer", "trainee": "--trainee"}
    return GraphGenConfig.load(args.config, args.set, flags, names, data=data)


def main(argv: list[str] | None = None) -> int:
    from synth_hf.cli.eval import check_eval_sets
    from synth_hf.pipelines.graphgen import run_graphgen
    from synth_hf.runtime.shared_server import shared_embedded_server

    args = build_parser().parse_args(argv)
    out = require_output_folder(args.out)
    require_token_for_upload(args.repo_id)
    config = build_config(args)
    recipe = config.recipe or RecipeConfig()
    require_base_model(recipe.train.model)
    # a mistyped evaluation file fails here, not after the whole GraphGen run
    eval_sets = {"mcq": load_eval_set(args.mcq), "statements": load_eval_set(args.statements),
                 "open_qa": load_eval_set(args.open_qa or (recipe.open_qa and str(DATA / recipe.open_qa)))}
    check_eval_sets({k: v for k, v in eval_sets.items() if isinstance(v, str)})  # content too, not just the path
    texts = corpus_texts(config)  # an empty or unreadable corpus fails here, not after a minute of server start
    require_endpoints(config, ("synthesizer", "trainee"))  # a dead server fails before ours starts
    out.mkdir(parents=True, exist_ok=True)  # after the checks: bad input leaves no empty folder
    # Roles on the embedded in-process default share one local vLLM server; named engines stay.
    # The server stops when this block ends: training and evaluation then have every core.
    served = shared_embedded_server(config, ("synthesizer", "trainee"), enabled=not args.no_serve,
                                    log_path=out / "vllm_server.log", started_by="recipes/graphgen_medqa.py")
    with served as shared:
        log("graphgen", f"corpus {config.input.source}; synthesizer {shared.config.synthesizer.describe()}; "
            f"trainee {shared.config.trainee.describe()}")
        result = timed("graphgen", lambda: run_graphgen(shared.config))
        shared.record(result)  # engine_load in the summary; config.yaml names the configured engines
        served_note = shared.note() if shared.server is not None else ""
    loop = WorkflowConfig(
        method="graphgen",
        out_dir=out,
        train=recipe.train,
        repo_id=args.repo_id,
        private=args.private,
        raw_text=texts if recipe.mix_raw_text else None,
        eval_sets=eval_sets,
        licenses=recipe.licenses,  # the engines' own (gemma for the embedded model) come from the summary
        extra_card={"config_note": served_note, **invented_corpus_card(config.input.source)},
    )
    timed("publish+train+eval", lambda: close_the_loop(result, loop, config))
    return 0


def invented_corpus_card(source: str) -> dict:
    """Card fields for the bundled invented-fact corpus: say it is fiction, and no `medical` tag."""
    bundled = (DATA / "knowledge_lift" / "docs").resolve()
    if Path(source).resolve() != bundled:
        return {}
    return {
        "description": "Question-answer pairs about an invented world (the corpus synth_hf/data/knowledge_lift "
        "shipped with synth_hf): its diseases, drugs, people and places are fictional, so the facts are new to "
        "any base model. None of it is medical information.",
        "tags": ["synthetic", "fictional"],
    }


if __name__ == "__main__":
    sys.exit(run_recipe(main, prog="graphgen_medqa"))
