"""What follows a pipeline run: dataset → card + staged publish → LoRA SFT → before/after evaluation.

Shared by `recipes/graphgen_medqa.py` and `recipes/aide_medqa.py`; each recipe only builds its
pipeline config, its TrainConfig (the config's `recipe.train` block plus its flags) and names its
evaluation sets.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from synth_hf.config import TrainConfig
from synth_hf.models.embedded import EMBEDDED_LICENSES  # noqa: F401 - re-exported for recipes
from synth_hf.pipelines.runner import RunResult


@dataclass
class WorkflowConfig:
    """Publish, train and evaluate settings of one recipe run. `train.model` is the model fine-tuned
    and evaluated (None = embedded); `train.dataset` / `train.out` are set by `close_the_loop`."""

    method: str
    out_dir: Path
    train: TrainConfig = field(default_factory=TrainConfig)
    repo_id: str | None = None  # upload only when given (and a token is available)
    private: bool = False
    raw_text: list[str] | None = None  # source documents trained as plain text beside the rows
    eval_sets: dict[str, Any] = field(default_factory=dict)  # mcq / open_qa / statements
    licenses: list[str] = field(default_factory=list)
    extra_card: dict[str, Any] = field(default_factory=dict)


class RunOutcomeError(ValueError):
    """A run finished but its outcome cannot go on (no rows to train on): what the user can change,
    not a bug. A ValueError, so recipes and the CLI print it as one line (exit 2)."""


def no_rows_hint(method: str, config: dict) -> str:
    """What to try when a `method` run keeps nothing: settings the user can change, leaving out what
    `config` (the run's config as a mapping) already sets."""
    if method == "aide":
        tries = ["more seeds"]  # the CLI's --seeds file or the recipe's recipe.num_seeds
        if (config.get("expansion") or {}).get("max_rows") is not None:
            tries.append("more children (--set expansion.max_rows=N)")
        ann = config.get("annotation") or {}
        weak = not ann.get("evidence_fallback") and ann.get("answer_source", "annotator") == "annotator"
        if config.get("documents") and weak:  # an evidence answer is not on yet
            tries.append("--set annotation.evidence_fallback=true")
        if not config.get("documents"):
            tries.append("documents the seeds are about (--set documents.source=DIR)")
        tries.append("a stronger engine")
    elif method == "graphgen":
        tries = ["a larger corpus"]
        if ((config.get("generation") or {}).get("rows_per_fact") or 0) < 2:
            tries.append("more rows per fact (--set generation.rows_per_fact=2)")
        tries.append("a stronger synthesizer")
    else:
        tries = ["more input", "a stronger model"]
    return "try " + ", ".join(tries[:-1]) + (" or " if len(tries) > 1 else "") + tries[-1]


def no_rows_detail(method: str, result: RunResult, config: Any = None) -> str:
    """Why a `method` run kept no row, as one clause: '(largest drops: ...; all in <summary.json>); try
    ...' (its three largest drop reasons, where the summary is, what to try; `config`: the run's
    pydantic config, else the summary's copy of it)."""
    drops = result.summary.get("drops_by_reason") or {}
    top = sorted(drops.items(), key=lambda kv: -kv[1])[:3]
    reasons = ", ".join(f"{k}={v}" for k, v in top) or "no drops recorded"
    settings = config.model_dump(mode="json") if hasattr(config, "model_dump") else result.summary.get("config") or {}
    return f"(largest drops: {reasons}; all in {Path(result.run_dir) / 'summary.json'}); {no_rows_hint(method, settings)}"


def no_rows_message(method: str, result: RunResult, config: Any = None) -> str:
    """One line: that `method` kept no row, and `no_rows_detail`."""
    return f"{method} produced no rows {no_rows_detail(method, result, config)}"


def run_recipe(main: Callable[[list[str] | None], int], argv: list[str] | None = None, prog: str = "recipe") -> int:
    """Run a recipe's `main(argv)` as a command: a user error (bad path, config or data, a run that kept
    nothing: ValueError and the other `synth_hf.cli.USER_ERRORS`) prints one line `<prog>: error: ...`
    and returns 2, as does a `SystemExit` carrying a message (a benchmark's argument check); with
    `-v` / `--verbose` in `argv` its traceback comes first. Ctrl-C returns 130.
    Anything else is a bug and propagates with its traceback."""
    from synth_hf.cli import USER_ERRORS
    from synth_hf.runtime.logs import configure_process, set_verbose

    argv = list(sys.argv[1:] if argv is None else argv)
    verbose = any(a in ("-v", "--verbose") for a in argv)
    set_verbose(verbose)
    configure_process()  # library progress bars and chatter off unless verbose, as for the CLI
    try:
        return int(main(argv) or 0)
    except USER_ERRORS as err:
        if verbose:
            traceback.print_exc()
        print(f"{prog}: error: {' '.join(str(err).split())}", file=sys.stderr)
        return 2
    except SystemExit as err:
        if not isinstance(err.code, str):  # argparse (2), --help (0) and plain exits keep their status
            raise
        print(f"{prog}: error: {' '.join(err.code.split())}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def log(stage: str, message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {stage}: {message}", flush=True)


def card_context(result: RunResult, loop: WorkflowConfig, config: Any) -> dict:
    from synth_hf.summary import card_licenses, card_quality, card_stages, documents_license, probe_note

    summary = result.summary
    context: dict[str, Any] = {
        "method": loop.method,
        # the inputs' licences (engines, persona pool, documents) come from the summary, as `synth-hf
        # publish` reads them
        "licenses": list(dict.fromkeys([*card_licenses(summary), *loop.licenses])),
        "license_note": documents_license(summary)[1],
        "config": config,
        "stages": card_stages(summary),
        "repo_id": loop.repo_id,
        "run_dir": str(result.run_dir),
        "learning_rate": loop.train.lr,  # the card's TRL snippet trains as the recipe did
        "tags": ["medical"],
        "language": ["en"],
        "task_categories": ["question-answering", "text-generation"],
    }
    for key in ("models", "calibration", "support_rate"):
        if summary.get(key):
            context[key] = summary[key]
    if quality := card_quality(summary, result.dataset):
        context["quality"] = quality
    if note := probe_note(summary):
        context["probe_note"] = note
    context.update(loop.extra_card)
    return context


def close_the_loop(result: RunResult, loop: WorkflowConfig, config: Any) -> dict:
    """Publish (staged; uploaded with repo_id), train LoRA, evaluate base vs adapter."""
    from synth_hf.evaluation import compare, evaluate_model
    from synth_hf.hub import publish_dataset, stage_dataset
    from synth_hf.models.resolve import resolve_model
    from synth_hf.train import train_with_config
    from synth_hf.train_card import write_adapter_card

    out = Path(loop.out_dir)
    if len(result.dataset) == 0:
        raise RunOutcomeError(no_rows_message(loop.method, result, config))
    staged = stage_dataset(result.dataset, out / "hub", card_context=card_context(result, loop, config))
    log("publish", f"staged {len(result.dataset)} rows with dataset card at {staged}")
    uploaded = None
    if loop.repo_id:
        uploaded = publish_dataset(staged, loop.repo_id, private=loop.private)
        log("publish", f"uploaded to {uploaded}")
    base = resolve_model(loop.train.model)
    mixed = f" + {len(loop.raw_text)} raw-text documents" if loop.raw_text else ""
    sizing = f"{loop.train.max_steps} steps" if loop.train.max_steps else f"{loop.train.epochs:g} epochs"
    log("train", f"LoRA SFT on {len(result.dataset)} rows{mixed}, {sizing}, base {base}")
    train = loop.train.model_copy(update={"dataset": str(staged), "out": str(out / "adapter"), "model": base})
    trained = train_with_config(train, raw_text=loop.raw_text)
    loss = trained.train_loss
    log("train", f"{trained.global_step} steps, loss {loss:.4f}" if isinstance(loss, float) else f"{trained.global_step} steps")
    log("eval", "base model")
    before = evaluate_model(base, None, **loop.eval_sets, out_path=out / "eval" / "base.json")
    log("eval", "base + adapter")
    after = evaluate_model(base, trained.output_dir, **loop.eval_sets, out_path=out / "eval" / "adapter.json")
    table = compare(before, after)
    (out / "eval" / "comparison.md").write_text(table, encoding="utf-8")
    # the adapter's card shows what it changed (an adapter already pushed keeps its first card)
    sets = {kind: str(src) for kind, src in loop.eval_sets.items() if isinstance(src, (str, Path))}
    write_adapter_card(trained.output_dir, evaluation={"table": table, "sets": sets})
    final = {
        "method": loop.method,
        "rows": len(result.dataset),
        "dropped": len(result.dropped),
        "llm_calls_per_row": result.summary.get("llm_calls_per_row"),
        "staged": str(staged),
        "uploaded": uploaded,
        "adapter": str(trained.output_dir),
        "train_steps": trained.global_step,
        "train_loss": trained.train_loss,
        "comparison": str(out / "eval" / "comparison.md"),
    }
    (out / "final_summary.json").write_text(json.dumps(final, indent=2, default=str), encoding="utf-8")
    print("\n" + table + "\n", flush=True)
    print(json.dumps(final, indent=2, default=str), flush=True)
    return final


def timed(stage: str, fn: Callable[[], Any]) -> Any:
    start = time.time()
    value = fn()
    log(stage, f"done in {time.time() - start:.0f} s")
    return value


def require_token_for_upload(repo_id: str | None, flag: str = "--repo-id") -> None:
    """Fail before hours of generation (or training), not after, when an upload cannot happen.

    Raises:
        ValueError: `repo_id` is set and no HF_TOKEN or cached login is there; names `flag`."""
    if repo_id and not (os.environ.get("HF_TOKEN") or _cached_login()):
        what = "to stage the dataset locally only" if flag == "--repo-id" else "to keep the result local"
        raise ValueError(
            f"{flag} {repo_id} needs a Hub token: set HF_TOKEN or run `hf auth login` (or drop {flag} {what})"
        )


def require_output_folder(out: str | Path, flag: str = "--out", keeps: tuple[str, ...] = ()) -> Path:
    """`out` as a Path, checked before anything runs: it (or a folder above it) must not be a file, and
    with `keeps` (names of files an earlier output of the same kind holds, e.g. adapter_config.json), a
    folder that holds visible files must hold one of them: the output's files (an adapter's README.md)
    would otherwise land among, and overwrite, someone else's. Creates nothing, so a run that fails on
    its inputs leaves no empty folder. Raises ValueError naming `flag`."""
    path = Path(out)
    for above in (path, *path.parents):
        if above.is_dir():
            break
        if above.exists():
            where = f"{flag} {out} is" if above == path else f"{flag} {out}: {above} is"
            raise ValueError(f"{where} a file, not a folder")
    if keeps and path.is_dir():
        present = sorted(p.name for p in path.iterdir() if not p.name.startswith("."))
        if present and not any((path / name).exists() for name in keeps):
            shown = ", ".join(present[:3]) + (", ..." if len(present) > 3 else "")
            raise ValueError(f"{flag} {out} holds other files ({shown}) and no earlier output "
                             f"({' or '.join(keeps)}); pick an empty or new folder")  # fmt: skip
    return path


def require_base_model(reference: str | None) -> None:
    """Fail before the pipeline run, not after it, when the model to fine-tune cannot be found (a
    mistyped folder, a Hub id neither reachable nor cached). The embedded model is built on use.
    Raises `synth_hf.models.resolve.ModelNotFoundError` (a ValueError) with one line."""
    from synth_hf.models.resolve import is_embedded, resolve_model

    if not is_embedded(reference):
        resolve_model(reference)


def require_endpoints(config: Any, roles: tuple[str, ...]) -> None:
    """Fail before any server starts or folder is made when a role's OpenAI-compatible endpoint does not
    answer: the run's own engine checks (`build_engines`, `OpenAIEngine.preflight`) on the openai roles
    alone, earlier. Roles not set, or on other engines, are left to the run's checks.
    Raises ValueError with one line naming the role (`synthesizer engine openai:m: ...`)."""
    from synth_hf.config import EngineConfig
    from synth_hf.pipelines.engines import build_engines

    endpoints = {role: spec for role in roles
                 if isinstance(spec := getattr(config, role, None), EngineConfig) and spec.engine == "openai"}  # fmt: skip
    build_engines(endpoints)


def _cached_login() -> bool:
    try:
        from huggingface_hub import get_token

        return bool(get_token())
    except Exception:  # noqa: BLE001 - any failure means no usable cached login
        return False


def parse_engine(spec: str, base_url: str | None) -> dict:
    """A recipe's `ENGINE:MODEL` flag (MODEL may be empty: the embedded model) as an engine mapping,
    validated with the rest of the config; `base_url` goes to an openai engine's options."""
    engine, _, model = spec.partition(":")
    options = {"base_url": base_url} if engine == "openai" and base_url else {}
    return {"engine": engine, "model": model or None, "options": options}
