"""GraphGen as a distilabel pipeline: `build_graphgen(config)` returns it, `run_graphgen(config)` runs it
and returns the saved `RunResult` (dataset, dropped rows, summary, run folder)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from synth_hf.config import EngineConfig, dump_config
from synth_hf.pipelines.graphgen_config import GraphGenConfig
from synth_hf.pipelines.runner import RunResult, collect, execute, new_pipeline
from synth_hf.runtime.artifacts import finish_run

LEAF = "format_graphgen"
INPUT_DIR = "input"
INPUT_STATS = "input_stats.json"
GRAPH_DIR = "graph"
MEMO_DIR = "batches"
RUNNING_MARKER = "RUNNING"


def build_engine(engine: EngineConfig) -> Any:
    """The configured engine (a SynthLLM) via the shared factory."""
    return engine.build()


def engine_label(config: EngineConfig, llm: Any) -> str:
    """Provenance name of an engine: kind and the model it really runs."""
    return f"{config.engine}:{llm.model_name}"


def corpus_fingerprint(dataset: Any) -> str:
    digest = hashlib.sha256()
    for row in dataset:
        digest.update(str(row["doc_id"]).encode("utf-8", "surrogatepass") + b"\0")
        digest.update(str(row["text"]).encode("utf-8", "surrogatepass") + b"\1")
    return digest.hexdigest()[:24]


CACHE_INTERVAL_S = 10.0


def prepare_input(config: GraphGenConfig) -> tuple[str, str, dict]:
    """Read the corpus once (clear errors for a missing column, an empty corpus, ...) and save it under
    the run folder for the generator step. Returns (path, fingerprint, read stats)."""
    from synth_hf.io.readers import load_text_dataset

    inp = config.input
    dataset, stats = load_text_dataset(inp.source, text_column=inp.text_column, split=inp.split)
    if inp.limit is not None and inp.limit < len(dataset):
        dataset = dataset.select(range(inp.limit))
    fingerprint = corpus_fingerprint(dataset)
    run_dir = config.run.run_dir
    path = run_dir / INPUT_DIR
    stats_path = run_dir / INPUT_STATS
    previous = json.loads(stats_path.read_text()) if stats_path.exists() else {}
    if previous.get("fingerprint") != fingerprint or not path.exists():
        tmp = run_dir / (INPUT_DIR + ".tmp")
        dataset.save_to_disk(str(tmp))
        if path.exists():
            shutil.rmtree(path)
        tmp.replace(path)
    info = {**stats.to_dict(), "documents_used": len(dataset), "fingerprint": fingerprint}
    stats_path.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return str(path), fingerprint, info


def build_graphgen(config: GraphGenConfig) -> Any:
    """The distilabel Pipeline for `config` (reads and saves the corpus as a side effect)."""
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

    run = config.run
    run.run_dir.mkdir(parents=True, exist_ok=True)
    (run.run_dir / "config.yaml").write_text(dump_config(config), encoding="utf-8")
    input_path, fingerprint, input_info = prepare_input(config)
    synth, trainee = build_engine(config.synthesizer), build_engine(config.trainee)
    tokenizer = tokenizer_reference(config.synthesizer)
    graph_dir, report_dir = str(run.run_dir / GRAPH_DIR), str(run.run_dir)
    frame = {"ledger_dir": str(run.ledger_dir), "memo_dir": str(run.run_dir / MEMO_DIR)}
    common = {**frame, "input_batch_size": run.input_batch_size}
    gen = config.generation

    pipeline = new_pipeline("graphgen", run, description="GraphGen: corpus -> KG -> trainee probe -> QA")
    # Our steps memo every finished batch and a killed run drops distilabel's cache (see run_graphgen),
    # so its per-batch saves can be sparse (distilabel_fixes: they grow with the run).
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
            **common,
        )
        extract = ExtractKnowledge(
            name="extract",
            llm=synth,
            gleaning_rounds=config.extraction.gleaning_rounds,
            max_new_tokens=config.extraction.max_new_tokens,
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
            similarity_threshold=m.similarity_threshold,
            embedder=m.embedder,
            **frame,
        )
        quiz = QuizUnits(
            name="quiz",
            llm=synth,
            n_paraphrases=config.quiz.n_paraphrases,
            n_negations=config.quiz.n_negations,
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
            max_hop_edges=gen.max_hop_edges,
            tokenizer=tokenizer,
            **frame,
        )
        generate = GenerateQA(
            name="generate",
            llm=synth,
            max_new_tokens=gen.max_new_tokens,
            temperature=gen.temperature,
            **common,
        )
        last = load >> chunk >> extract >> merge >> quiz >> probe >> calibrate >> plan >> generate
        if config.judge.enabled:
            judge = JudgeGrounding(
                name="judge",
                llm=synth,
                method=config.judge.method,
                threshold=config.judge.threshold,
                **common,
            )
            last = last >> judge
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
            synthesizer=engine_label(config.synthesizer, synth),
            trainee=engine_label(config.trainee, trainee),
            system_prompt=gen.system_prompt,
            **frame,
        )
        last >> fmt
    return pipeline


def _typed_leaf(distiset: Any) -> Any:
    """Give the leaf dataset explicit features (an all-empty list column would otherwise be null-typed)."""
    import datasets

    if distiset is None or LEAF not in distiset:
        return distiset
    ds = distiset[LEAF]["train"]
    strings, floats = datasets.Value("string"), datasets.Value("float64")
    features = datasets.Features({
        "messages": [{"role": strings, "content": strings}], "question": strings, "answer": strings,
        "method": strings, "mode": strings, "style": strings, "subgraph_id": strings,
        "node_ids": [strings], "edge_ids": [strings], "source_chunk_ids": [strings], "unit_losses": [floats],
        "mean_loss": floats, "judge_score": floats, "synthesizer": strings, "trainee": strings,
        "language": strings, "sample_id": strings,
    })  # fmt: skip
    if set(ds.column_names) == set(features):
        ds = ds.select_columns(list(features)).cast(features)
        distiset[LEAF]["train"] = ds
    return distiset


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


class RunInterrupted(RuntimeError):
    """The pipeline stopped before every step finished (e.g. Ctrl-C); rerun to resume."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _previous_run_was_killed(marker: Path) -> bool:
    """A marker left behind by a process that is gone means that run died without a clean stop."""
    try:
        pid = int(json.loads(marker.read_text())["pid"])
    except (OSError, ValueError, KeyError):
        return marker.exists()
    if pid != os.getpid() and _pid_alive(pid):
        raise RuntimeError(
            f"another GraphGen process (pid {pid}) is using {marker.parent}; wait for it or remove {marker}"
        )
    return True


def run_graphgen(config: GraphGenConfig) -> RunResult:
    from synth_hf.runtime.logs import install

    started = time.time()
    run_dir = config.run.run_dir
    install(run_dir)  # quiet console and run.log from the first import on
    print(f"[graphgen] run folder: {run_dir}", flush=True)
    pipeline = build_graphgen(config)
    run = config.run
    marker = run_dir / RUNNING_MARKER
    if _previous_run_was_killed(marker) and run.use_cache:
        # distilabel's bookkeeping lost the batches in flight at the kill: start it afresh and let the
        # per-batch memo answer every batch that had finished.
        # Its cache files may be torn mid-write too, so they are dropped, not read.
        print("[graphgen] previous run was killed: resuming from its finished batches", flush=True)
        shutil.rmtree(run_dir / "cache", ignore_errors=True)
        run = run.model_copy(update={"use_cache": False})
    marker.write_text(json.dumps({"pid": os.getpid(), "started": started}), encoding="utf-8")
    try:
        distiset = execute(pipeline, run, sequential=config.sequential_steps)
        manager = getattr(pipeline, "_batch_manager", None)
        if manager is not None and manager.can_generate():
            raise RunInterrupted(
                f"GraphGen stopped before finishing; run the same command again to resume ({run_dir})"
            )
    finally:
        marker.unlink(missing_ok=True)
    plan = _read_json(run_dir / "plan.json")
    calibration = _read_json(run_dir / "calibration.json")
    extra = {
        "method": "graphgen",
        "synthesizer": engine_label(config.synthesizer, build_engine(config.synthesizer)),
        "trainee": engine_label(config.trainee, build_engine(config.trainee)),
        "input": _read_json(run_dir / INPUT_STATS),
        "graph": {**plan.get("graph", {}), "dir": str(run_dir / GRAPH_DIR)},
        "partition": plan.get("partition", {}),
        "planned": plan.get("planned", {}),
        "mode_notes": plan.get("shortfalls", {}),
        "calibration": {k: calibration.get(k) for k in ("n_statements", "ece", "brier", "nll", "accuracy")}
        | {"covered_mass_mean": (calibration.get("covered_mass") or {}).get("mean")},
    }
    result = collect(_typed_leaf(distiset), LEAF, config.run, extra_summary=extra, started=started)
    for mode, why in extra["mode_notes"].items():
        print(f"[graphgen] note: {mode}: {why}", flush=True)
    finish_run(result, pipeline)
    return result
