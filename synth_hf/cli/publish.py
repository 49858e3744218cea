"""`synth-hf publish`: stage a saved dataset with its card, and upload it when asked."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from synth_hf.cli.args import add_command


def _publish(args: argparse.Namespace) -> int:
    from datasets import load_from_disk

    from synth_hf.hub import publish_dataset, stage_dataset
    from synth_hf.hub.licenses import check_license

    check_method(args.method)  # before the data is read: a typo costs nothing
    args.license = [check_license(lic) for lic in args.license or []]  # the Hub would show no licence
    run_dir = Path(args.run_dir)
    dataset = load_from_disk(str(saved_dataset_dir(run_dir)))
    context = _card_context(run_dir, args, dataset)
    staged = stage_dataset(dataset, args.staging_dir or run_dir / "hub", card_context=context)
    print(f"staged: {staged}")
    if args.dry_run or not args.repo_id:
        print("dry run: nothing uploaded" if args.dry_run else "no --repo-id: nothing uploaded")
        return 0
    url = publish_dataset(staged, args.repo_id, private=args.private, revision=args.revision,
                          commit_message=args.message)
    print(f"uploaded: {url}")
    return 0


def _card_context(run_dir: Path, args: argparse.Namespace, dataset: Any = None) -> dict:
    """Everything the card can say about the run, from the files the run left behind."""
    from synth_hf.summary import (
        card_licenses,
        card_quality,
        card_stages,
        documents_license,
        load_summary,
        probe_note,
    )

    summary = load_summary(run_dir / "summary.json")  # a damaged one is a clear error, not an empty card
    method = run_method(run_dir, dataset, summary, args.method)
    context: dict = {"method": method, "repo_id": args.repo_id, "licenses": list(args.license or [])}
    context["run_dir"] = str(run_dir)  # report.html, pipeline.yaml, ... go beside the data
    if summary:
        context["stages"] = card_stages(summary)
        context.update({k: summary[k] for k in ("models", "calibration", "support_rate") if k in summary})
        # --license adds to what the run records (a summary's own `licenses` list, the engines' licences -
        # the embedded Gemma's: gemma -, the persona pool's, the documents'), never replaces it
        context["licenses"] = card_licenses(summary, context["licenses"])
        context["license_note"] = documents_license(summary)[1]
    if quality := card_quality(summary or {}, dataset):
        context["quality"] = quality  # GraphGen's question diversity, as the recipes' card
    if note := probe_note(summary or {}):
        context["probe_note"] = note
    config_path = run_dir / "config.yaml"
    if config_path.exists():
        import yaml

        context["config"] = yaml.safe_load(config_path.read_text())
    return context


EXPECTED = "a run folder with dataset/ (as synth-hf graphgen and aide write) or a Dataset.save_to_disk folder"


def saved_dataset_dir(run_dir: Path) -> Path:
    """The save_to_disk folder to publish: `run_dir/dataset` when there is one, else `run_dir` itself.
    Raises FileNotFoundError with one line naming the folder and what is expected there, instead of
    `datasets`' "neither a `Dataset` directory nor a `DatasetDict` directory"."""
    if not run_dir.exists():
        raise FileNotFoundError(f"no saved dataset at {run_dir}: no such folder; expected {EXPECTED}")
    if not run_dir.is_dir():
        raise NotADirectoryError(f"no saved dataset at {run_dir}: a file, not a folder; expected {EXPECTED}")
    dataset_dir = run_dir / "dataset" if (run_dir / "dataset").is_dir() else run_dir
    # the files load_from_disk looks for: a Dataset's state.json, a DatasetDict's dataset_dict.json
    if not any((dataset_dir / name).is_file() for name in ("state.json", "dataset_dict.json")):
        where = f"{run_dir} nor in its dataset/" if dataset_dir != run_dir else str(run_dir)
        raise FileNotFoundError(f"no saved dataset in {where}; expected {EXPECTED}")
    return dataset_dir


def check_method(given: str | None) -> None:
    """Raises ValueError (one line, listing the valid ones) when --method names no known method."""
    from synth_hf.hub.staging import KNOWN_METHODS

    if given is not None and given.lower() not in KNOWN_METHODS:
        raise ValueError(f"--method {given!r} is no known method: choose {' or '.join(KNOWN_METHODS)} "
                         "(or leave it out to take the run's own)")  # fmt: skip


def run_method(run_dir: Path, dataset: Any, summary: dict, given: str | None) -> str:
    """The method the card names: `given` (--method), else the one the rows' `method` column records, else
    summary.json's. Raises ValueError when `given` contradicts the run, or nothing names a method (the
    card's re-run command would be wrong)."""
    recorded, source = _row_methods(dataset), "rows' `method` column"
    if not recorded and summary.get("method"):
        recorded, source = [str(summary["method"])], "summary.json"
    if given:
        if recorded and given.lower() not in {m.lower() for m in recorded}:
            raise ValueError(f"--method {given} contradicts the run {str(run_dir)!r}: its {source} says "
                             f"{', '.join(recorded)}; drop --method or name that one")  # fmt: skip
        return given
    if len(recorded) == 1:
        return recorded[0]
    if recorded:
        raise ValueError(f"the rows of {str(run_dir)!r} come from several methods ({', '.join(recorded)}): "
                         "name the card's with --method")  # fmt: skip
    raise ValueError(f"cannot tell which method made {str(run_dir)!r} (its rows have no `method` column and "
                     "no summary.json names one): pass --method graphgen or --method aide")  # fmt: skip


def _row_methods(dataset: Any) -> list[str]:
    """The distinct non-empty values of the `method` column over every split, sorted."""
    splits = dataset.values() if hasattr(dataset, "values") else [dataset] if dataset is not None else []
    found = {str(m).strip() for ds in splits if "method" in ds.column_names for m in ds.unique("method") if m}
    return sorted(m for m in found if m)


def register_cli(sub: argparse._SubParsersAction) -> None:
    p = add_command(
        sub, "publish", _publish, help="stage a run's dataset with a dataset card; upload with --repo-id",
        description="Stage a run's dataset in the Hub layout (parquet shards, dataset card, report.html, "
        "pipeline.yaml, config.yaml) under RUN_DIR/hub, and upload it when --repo-id is given.",
    )  # fmt: skip
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (with dataset/, summary.json) or a save_to_disk folder")
    p.add_argument("--repo-id", help="Hub dataset repo to upload to (needs a token); without it, only stage")
    p.add_argument("--method", help="method named on the card: graphgen or aide (default: the run's own, "
                   "from its rows' `method` column or summary.json; a different one is an error)")
    p.add_argument("--license", action="append", help="Hub licence id (e.g. cc-by-4.0; 'other' for terms not listed) of a model or "
                   "data source (repeatable); adds to those the run records (its known models', its persona pool's, "
                   "its documents'); the card takes the strictest")
    p.add_argument("--staging-dir", metavar="DIR", help="where to stage (default: RUN_DIR/hub)")
    p.add_argument("--private", action="store_true", help="create the Hub repo as private")
    p.add_argument("--revision", help="branch of the Hub repo to upload to")
    p.add_argument("--message", default="Upload synthetic dataset (synth_hf)", help="commit message of the upload")
    p.add_argument("--dry-run", action="store_true", help="write only the staging folder")
