"""GraphGen as a distilabel pipeline: `build_graphgen(config)` returns it, `run_graphgen(config)` runs it
and returns the saved `RunResult` (dataset, dropped rows, summary, run folder)."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from synth_hf.config import dump_config
from synth_hf.pipelines.engines import RunEngines, build_engines
from synth_hf.pipelines.graphgen_config import GraphGenConfig
from synth_hf.pipelines.runner import (
    MEMO_DIR,
    RunInterrupted,
    RunResult,
    check_finished,
    collect,
    execute,
    new_pipeline,
    running,
)
from synth_hf.runtime.artifacts import finish_run

LEAF = "format_graphgen"
INPUT_DIR = "input"
INPUT_STATS = "input_stats.json"
GRAPH_DIR = "graph"
__all__ = ["RunInterrupted", "build_graphgen", "run_graphgen"]


def corpus_fingerprint(dataset: Any) -> str:
    digest = hashlib.sha256()
    for row in dataset:
        digest.update(str(row["doc_id"]).encode("utf-8", "surrogatepass") + b"\0")
        digest.update(str(row["text"]).encode("utf-8", "surrogatepass") + b"\1")
    return digest.hexdigest()[:24]


CACHE_INTERVAL_S = 10.0


def read_corpus(config: GraphGenConfig) -> tuple[Any, Any]:
    """Read the corpus of `config.input` (first `limit` documents), writing nothing; prints the
    files skipped. Returns (dataset with doc_id/text, read stats).

    Raises ValueError / FileNotFoundError with one clear message (missing file or column, empty
    corpus, a file that cannot be parsed)."""
    from synth_hf.io.readers import load_text_dataset, report_skipped
    from synth_hf.io.source_errors import blamed_on

    inp = config.input
    with blamed_on("input.source", "input.text_column"):
        dataset, stats = load_text_dataset(inp.source, text_column=inp.text_column, split=inp.split)
    report_skipped(stats.skipped_files, prefix="[graphgen] input:")
    if stats.empty_docs:
        print(f"[graphgen] input: {stats.empty_docs} empty document(s) skipped", file=sys.stderr, flush=True)
    if stats.non_utf8_docs:  # the rows would quote the replacement characters
        print(f"[graphgen] input: warning: {stats.non_utf8_docs} document(s) are not valid UTF-8; their "
              "undecodable bytes became U+FFFD (re-encode them as UTF-8, e.g. iconv -f latin1 -t utf-8)",
              file=sys.stderr, flush=True)
    if inp.limit is not None and inp.limit < len(dataset):
        dataset = dataset.select(range(inp.limit))
    return dataset, stats


def prepare_input(config: GraphGenConfig, corpus: tuple[Any, Any] | None = None) -> tuple[str, str, dict]:
    """Save the corpus (`corpus` from `read_corpus`, read now when None) under the run folder for
    the generator step. Returns (path, fingerprint, read stats)."""
    dataset, stats = corpus if corpus is not None else read_corpus(config)
    fingerprint = corpus_fingerprint(dataset)
    run_dir = config.run.run_dir
    path = run_dir / INPUT_DIR
    stats_path = run_dir / INPUT_STATS
    previous = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    if previous.get("fingerprint") not in (None, fingerprint):
        # distilabel's cache knows the pipeline, not its input: resuming it would replay the old run's
        # batches downstream of the new input. The memo is keyed by input rows, so it stays.
        print(f"[graphgen] the input differs from the last run in {run_dir}: recomputing "
              "(batches whose input is unchanged are answered from the memo)", flush=True)  # fmt: skip
        shutil.rmtree(run_dir / "cache", ignore_errors=True)
        shutil.rmtree(config.run.ledger_dir, ignore_errors=True)
    if previous.get("fingerprint") != fingerprint or not path.exists():
        tmp = run_dir / (INPUT_DIR + ".tmp")
        dataset.save_to_disk(str(tmp))
        if path.exists():
            shutil.rmtree(path)
        tmp.replace(path)
    info = {**stats.to_dict(), "documents_used": len(dataset), "fingerprint": fingerprint}
    stats_path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return str(path), fingerprint, info


def _absolute_input(config: GraphGenConfig) -> GraphGenConfig:
    """The config with a local input path made absolute, so `--config <run>/config.yaml` re-runs from
    any working directory (a Hub id stays as it is)."""
    source = Path(config.input.source).expanduser()
    if source.is_absolute() or not source.exists():
        return config
    return config.model_copy(update={"input": config.input.model_copy(update={"source": str(source.resolve())})})


def build_graphgen(config: GraphGenConfig) -> Any:
    """The distilabel Pipeline for `config` (reads and saves the corpus as a side effect)."""
    return _build(config)[0]


def check_graphgen(config: GraphGenConfig) -> dict:
    """What a dry run checks, writing nothing and loading no model: the corpus is read and each
    engine is built and preflighted (options, device, model reference). Returns
    {"documents": n, "skipped_files": k, "engines": {role: label}}; raises ValueError /
    FileNotFoundError with one clear message."""
    (dataset, stats), engines = _checked(config)
    return {"documents": len(dataset), "skipped_files": len(stats.skipped_files), "engines": engines.labels}


def _checked(config: GraphGenConfig) -> tuple[tuple[Any, Any], RunEngines]:
    """The corpus read and the engines built: everything that can fail on the user's input before
    a run writes anything."""
    corpus = read_corpus(config)
    return corpus, build_engines({"synthesizer": config.synthesizer, "trainee": config.trainee})


def _build(
    config: GraphGenConfig, checked: tuple[tuple[Any, Any], RunEngines] | None = None
) -> tuple[Any, RunEngines]:
    from synth_hf.steps.graphgen import (
        CalibrationReport,
        ChunkDocuments,
        ExtractKnowledge,
        FormatGraphGen,
        GenerateQA,
        JudgeGrounding,
        LoadCorpus,
        MergeGraph,
        PartitionAndPlan,
        ProbeTrainee,
        QuizUnits,
    )  # fmt: skip
    from synth_hf.steps.graphgen.dedup import GraphGenDedup
    from synth_hf.steps.graphgen.tokens import tokenizer_reference
    from synth_hf.steps.graphgen.verify import VerifySupport

    run = config.run
    # input and engines are checked before anything is written: a bad run leaves no folder
    corpus, engines = checked if checked is not None else _checked(config)
    run.run_dir.mkdir(parents=True, exist_ok=True)
    (run.run_dir / "config.yaml").write_text(dump_config(_absolute_input(config)), encoding="utf-8")
    input_path, fingerprint, input_info = prepare_input(config, corpus)
    synth, trainee = engines["synthesizer"], engines["trainee"]
    tokenizer = tokenizer_reference(config.synthesizer)
    graph_dir, report_dir = str(run.run_dir / GRAPH_DIR), str(run.run_dir)
    frame = {"ledger_dir": str(run.ledger_dir), "memo_dir": str(run.run_dir / MEMO_DIR)}
    common = {**frame, "input_batch_size": run.input_batch_size}
    gen = config.generation

    pipeline = new_pipeline("graphgen", run, description="GraphGen: corpus -> KG -> trainee probe -> QA")
    # Our steps memo every finished batch and a killed run drops distilabel's cache (runner.running),
    # so its per-batch saves can be sparse (distilabel_compat.patches.throttle_cache: they grow with the run).
    pipeline._synth_cache_interval_s = CACHE_INTERVAL_S
    with pipeline:
        load = LoadCorpus(
            name="load_corpus",
            dataset_path=input_path,
            fingerprint=fingerprint,
            # Loaded one step at a time, distilabel never asks a generator for its second batch
            # (the step that would ask is not loaded yet): the corpus goes out as one batch.
            batch_size=max(1, input_info["documents_used"])
            if config.sequential_steps
            else run.input_batch_size,
        )
        chunk = ChunkDocuments(
            name="chunk",
            chunk_size=config.chunking.chunk_size,
            overlap=config.chunking.overlap,
            tokenizer=tokenizer,
            language_per_chunk=config.chunking.language_per_chunk,
            separators=config.chunking.separators,
            **common,
        )
        extract = ExtractKnowledge(
            name="extract",
            llm=synth,
            gleaning_rounds=config.extraction.gleaning_rounds,
            max_new_tokens=config.extraction.max_new_tokens,
            window_sentences=config.extraction.window_sentences,
            name_candidates=config.extraction.name_candidates,
            **common,
        )
        m = config.merge
        merge = MergeGraph(
            name="merge",
            llm=synth,
            graph_dir=graph_dir,
            tokenizer=tokenizer,
            description_token_budget=m.description_token_budget,
            summary_max_new_tokens=m.summary_max_new_tokens,
            embedding_merge=m.embedding_merge,
            whole_names=m.whole_names,
            similarity_threshold=m.similarity_threshold,
            embedder=m.embedder,
            **frame,
        )
        quiz = QuizUnits(
            name="quiz",
            llm=synth,
            n_paraphrases=config.quiz.n_paraphrases,
            n_negations=config.quiz.n_negations,
            n_substitutions=config.quiz.n_substitutions,
            max_true=config.quiz.max_true,
            graph_dir=graph_dir,
            max_new_tokens=config.quiz.max_new_tokens,
            **common,
        )
        probe = ProbeTrainee(name="probe", llm=trainee, **common)
        calibrate = CalibrationReport(
            name="calibrate", report_dir=report_dir, graph_dir=graph_dir, n_bins=config.probe.n_bins, **frame
        )
        plan = PartitionAndPlan(
            name="partition",
            graph_dir=graph_dir,
            report_dir=report_dir,
            method=config.partition.method,
            params=config.partition.params,
            seed=config.partition.seed,
            modes=gen.modes,
            styles=gen.styles,
            rows_per_fact=gen.rows_per_fact,
            aggregate_size=gen.aggregate_size,
            aggregate_min_sentences=gen.aggregate_min_sentences,
            aggregate_profiles=gen.aggregate_profiles,
            tokenizer=tokenizer,
            **frame,
        )
        generate = GenerateQA(
            name="generate",
            llm=synth,
            max_new_tokens=gen.max_new_tokens,
            temperature=gen.temperature,
            graph_dir=graph_dir,
            answer_with_evidence=gen.answer_with_evidence,
            use_llm=gen.llm_questions,
            template_style=gen.template_style,
            **common,
        )
        last = load >> chunk >> extract >> merge >> quiz >> probe >> calibrate >> plan >> generate
        if config.judge.enabled:
            judge = JudgeGrounding(
                name="judge",
                llm=synth,
                method=config.judge.method,
                threshold=config.judge.threshold,
                drop_below=False,  # the support gate decides (and counts agreement with the judge)
                **common,
            )
            last = last >> judge
        verify = VerifySupport(
            name="verify",
            judge_threshold=config.judge.threshold if config.judge.enabled else None,
            judge_filter=config.judge.role == "filter",
            **common,
        )
        last = last >> verify
        if config.dedup.enabled:
            dedup = GraphGenDedup(
                name="dedup",
                text_columns=config.dedup.columns,
                minhash_threshold=config.dedup.threshold,
                **frame,
            )
            last = last >> dedup
        fmt = FormatGraphGen(
            name=LEAF,
            synthesizer=engines.labels["synthesizer"],
            trainee=engines.labels["trainee"],
            system_prompt=gen.system_prompt,
            **frame,
        )
        last >> fmt
    return pipeline, engines


def _typed_leaf(distiset: Any) -> Any:
    """Give the leaf dataset the format step's features (an all-empty list column would otherwise be null-typed)."""
    from synth_hf.steps.graphgen.format import OUTPUT_FEATURES

    if distiset is None or LEAF not in distiset:
        return distiset
    ds = distiset[LEAF]["train"]
    if set(ds.column_names) == set(OUTPUT_FEATURES):
        ds = ds.select_columns(list(OUTPUT_FEATURES)).cast(OUTPUT_FEATURES)
        distiset[LEAF]["train"] = ds
    return distiset


def support_summary(ledger_dir: str | Path) -> dict:
    """Support rate (share of generated rows that pass the support check, before filtering), overall and
    per mode, plus judge/support disagreement: from the verify step's counters."""
    from synth_hf.steps.common.ledger import Ledger

    counters = Ledger(ledger_dir).stage_summary().get("verify", {}).get("counters", {})
    modes = sorted({k.split(":", 1)[1] for k in counters if k.startswith("checked:")})
    per_mode = {
        m: {"checked": int(counters[f"checked:{m}"]), "supported": int(counters.get(f"supported:{m}", 0)),
            "rate": counters.get(f"supported:{m}", 0) / counters[f"checked:{m}"]}
        for m in modes if counters.get(f"checked:{m}")
    }  # fmt: skip
    checked = sum(v["checked"] for v in per_mode.values())
    supported = sum(v["supported"] for v in per_mode.values())
    out = {"checked": checked, "supported": supported, "rate": supported / checked if checked else None,
           "per_mode": per_mode}  # fmt: skip
    if counters.get("judged"):
        out["judge_disagreement"] = counters.get("judge_disagrees", 0) / counters["judged"]
    return out


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def probe_warning(signal: dict, n_statements: int | None, graph: dict) -> str | None:
    """The one end-of-run line about a trainee probe without signal (None when it had signal): why,
    and that loss-guided selection used graph order instead."""
    if not signal.get("flat"):
        return None
    if not n_statements:
        if not graph.get("nodes"):
            return "the trainee was not probed: nothing was extracted from the input, so there was no statement to ask"
        return "the trainee was not probed: the graph gave no statement to ask; subgraphs follow graph order"
    return f"flat trainee probe: {signal.get('warning') or 'no signal'}; subgraphs follow graph order, not the loss"


def run_graphgen(config: GraphGenConfig) -> RunResult:
    """Build and run GraphGen, save dataset / dropped rows / summary under the run folder.
    A rerun after a hard kill resumes from the finished batches (see `runner.running`);
    raises RunInterrupted when the run stopped early (rerun to resume)."""
    from synth_hf.runtime.logs import install

    started = time.time()
    run_dir = config.run.run_dir
    install(hold=True)  # run.log (with these records) once input and engines are checked
    checked = _checked(config)
    install(run_dir)
    print(f"[graphgen] run folder: {run_dir}", flush=True)
    pipeline, engines = _build(config, checked)
    with running(pipeline, config.run, "graphgen") as run:
        distiset = execute(pipeline, run, sequential=config.sequential_steps, reset_ledger=False)
        check_finished(pipeline, "GraphGen", run_dir)
    plan = _read_json(run_dir / "plan.json")
    calibration = _read_json(run_dir / "calibration.json")
    extra = {
        "method": "graphgen",
        "synthesizer": engines.labels["synthesizer"],
        "trainee": engines.labels["trainee"],
        "models": {role: engines.labels[role] for role in ("synthesizer", "trainee")},  # the card's Models
        "input": _read_json(run_dir / INPUT_STATS),
        "documents": {"source": config.input.source, "license": config.input.license},  # the card's licence
        "graph": {**plan.get("graph", {}), "dir": str(run_dir / GRAPH_DIR)},
        "partition": plan.get("partition", {}),
        "planned": plan.get("planned", {}),
        "mode_notes": plan.get("shortfalls", {}),
        "shortfalls": plan.get("shortfalls", {}),  # not rows: kept out of drops_by_reason and dropped/
        "unusable_evidence": plan.get("unusable_evidence", {}),  # headings, "It ..." sentences: no row's fact
        "calibration": {k: calibration.get(k) for k in ("n_statements", "ece", "brier", "nll", "accuracy")}
        | {"covered_mass_mean": (calibration.get("covered_mass") or {}).get("mean")},
        "probe_signal": calibration.get("probe_signal", {}),
        "loss_guidance": plan.get("loss_guidance", ""),
        "support": support_summary(config.run.ledger_dir),
    }
    warning = probe_warning(extra["probe_signal"], extra["calibration"].get("n_statements"), extra["graph"])
    extra["warnings"] = [warning] if warning else []
    if extra["support"].get("checked"):
        extra["support_rate"] = {"overall": extra["support"]["rate"]} | {
            m: v["rate"] for m, v in extra["support"]["per_mode"].items()
        }
    result = collect(_typed_leaf(distiset), LEAF, config.run, extra_summary=extra, started=started)
    for mode, why in extra["mode_notes"].items():
        print(f"[graphgen] note: {mode}: {why}", flush=True)
    support = extra["support"]
    if support.get("checked"):
        per_mode = ", ".join(f"{m} {v['rate']:.0%}" for m, v in support["per_mode"].items())
        print(f"[graphgen] support rate {support['rate']:.1%} of {support['checked']} generated rows ({per_mode})",
              flush=True)  # fmt: skip
    finish_run(result, pipeline)  # prints summary["warnings"] among the end-of-run notices
    return result
