"""Staging: the exact Hub layout (parquet shards + README.md card) written locally and offline."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from datasets import Dataset, DatasetDict

from synth_hf.hub.licenses import most_restrictive_license
from synth_hf.hub.secrets import assert_clean, has_secret, scrub, scrub_text

CARDS_DIR = Path(__file__).resolve().parents[2] / "cards"
DEFAULT_MAX_SHARD_ROWS = 50_000
# Written into every staged folder: restaging may replace data/ and README.md only where it is found.
STAGING_MARKER = ".synth_hf_staging"

# ---------------------------------------------------------------------------------------- staging

_SIZE_BOUNDS = [(1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B")]  # fmt: skip
_SPLIT_NAME = re.compile(r"^\w+(\.\w+)*$")


def size_category(n_rows: int) -> str:
    """The Hub's `size_categories` bucket for a row count."""
    for bound, label in _SIZE_BOUNDS:
        if n_rows < bound:
            return label
    return "n>1B"


def _as_splits(data: Dataset | DatasetDict | Mapping[str, Dataset]) -> dict[str, Dataset]:
    if isinstance(data, Dataset):
        return {"train": data}
    splits = dict(data)
    if not splits:
        raise ValueError("no splits to stage")
    for name, ds in splits.items():
        if not _SPLIT_NAME.match(name):
            raise ValueError(f"invalid split name {name!r} (letters, digits and underscores only)")
        if not isinstance(ds, Dataset):
            raise TypeError(f"split {name!r} is {type(ds).__name__}, expected datasets.Dataset")
    return splits


def _scrub_split(ds: Dataset) -> tuple[Dataset, int]:
    """Redact secret-looking strings inside rows; returns the dataset and how many rows changed."""
    flagged = [i for i, row in enumerate(ds) if has_secret(row)]
    if not flagged:
        return ds, 0
    bad = set(flagged)
    fixed = ds.map(lambda row, idx: scrub(row) if idx in bad else row, with_indices=True)
    return fixed, len(flagged)


def _write_shards(name: str, ds: Dataset, data_dir: Path, max_shard_rows: int) -> int:
    n_shards = max(1, math.ceil(len(ds) / max_shard_rows))
    for i in range(n_shards):
        shard = ds.shard(num_shards=n_shards, index=i, contiguous=True)
        shard.to_parquet(str(data_dir / f"{name}-{i:05d}-of-{n_shards:05d}.parquet"))
    return n_shards


def _pairs(obj: Mapping | list | None) -> list[tuple[str, Any]]:
    if not obj:
        return []
    if isinstance(obj, Mapping):
        return [(str(k), _fmt(v)) for k, v in obj.items()]
    return [(str(i), _fmt(v)) for i, v in enumerate(obj)]


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _stages(stages: Mapping | list | None) -> list[dict]:
    """Normalise per-stage counts: a list of dicts with `name`, or a mapping name -> counts."""
    if not stages:
        return []
    items = [{"name": k, **v} for k, v in stages.items()] if isinstance(stages, Mapping) else list(stages)
    rows = []
    for st in items:
        kept, dropped = int(st.get("kept", 0)), int(st.get("dropped", 0))
        reasons = st.get("drop_reasons") or st.get("reasons") or {}
        rows.append({
            "name": st.get("name", "?"),
            "input": st.get("input", kept + dropped),
            "kept": kept,
            "dropped": dropped,
            "reasons": ", ".join(f"{r}: {c}" for r, c in reasons.items()) or "-",
        })  # fmt: skip
    return rows


def _config_dict(config: Any) -> Any:
    if hasattr(config, "model_dump"):  # pydantic config objects
        return config.model_dump(mode="json")
    return config if config is not None else {}


def build_front_matter(splits: dict[str, Dataset], ctx: Mapping[str, Any]) -> tuple[dict, str]:
    """The card's YAML metadata (as a dict) and the human list of licence sources."""
    license_id, sources = most_restrictive_license(ctx.get("licenses"))
    method = str(ctx.get("method", "unknown"))
    language = ctx.get("language") or _row_languages(splits) or ["en"]
    tags = ["synthetic", "synth_hf", method.lower()] + [t for t in ctx.get("tags", []) if t]
    meta: dict[str, Any] = {
        "license": license_id,
        "language": [language] if isinstance(language, str) else list(language),
        "task_categories": list(ctx.get("task_categories", ["question-answering", "text-generation"])),
        "size_categories": [size_category(sum(len(ds) for ds in splits.values()))],
        "tags": list(dict.fromkeys(tags)),  # dedupe, keep order
        "pretty_name": ctx.get("pretty_name", f"synth_hf {method} dataset"),
        "configs": [
            {
                "config_name": "default",
                "data_files": [{"split": name, "path": f"data/{name}-*"} for name in splits],
            }
        ],
    }
    if license_id == "other":
        meta["license_name"] = "inherited-" + re.sub(r"[^a-z0-9.-]+", "-", sources.lower())[:60].strip("-")
    return meta, sources


def _row_languages(splits: dict[str, Dataset]) -> list[str]:
    """The distinct codes of the rows' `language` column (GraphGen writes one per row), most rows first."""
    counts: dict[str, int] = {}
    for ds in splits.values():
        if "language" in ds.column_names:
            for code in ds["language"]:
                if isinstance(code, str) and code.strip():
                    counts[code.strip()] = counts.get(code.strip(), 0) + 1
    return sorted(counts, key=lambda c: (-counts[c], c))


def render_card(template: Path, **context: Any) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        undefined=jinja2.StrictUndefined,  # a missing field is a bug, not an empty string
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.get_template(template.name).render(**context)


def stage_dataset(
    dataset_or_dict_of_splits: Dataset | DatasetDict | Mapping[str, Dataset],
    out_dir: str | Path,
    *,
    card_context: Mapping[str, Any],
    max_shard_rows: int = DEFAULT_MAX_SHARD_ROWS,
    template: str | Path | None = None,
) -> Path:
    """Write the Hub layout (parquet shards + README.md card) into `out_dir`; returns it.

    card_context keys (all optional): method, pretty_name, description, method_summary, licenses
    (list of ids or {source: id}), language, task_categories, tags, config (dict or pydantic model),
    models ({role: name}), stages ([{name, kept, dropped, drop_reasons}] or {name: {...}}),
    quality ({metric: value}), calibration ({measure: value}), support_rate ({"overall" | mode: share of
    generated rows that passed the support check before filtering}), repo_id, base_model, run_dir (the run
    folder: its report.html, pipeline.yaml, pipeline.log and config.yaml are copied beside the data),
    config_note (text shown above the config, e.g. that a local server stood in for the configured engines),
    learning_rate (the LoRA learning rate the run trained with, shown in the TRL snippet; default 2e-4),
    license_note (a sentence under the licence, e.g. that the documents' licence was not declared).
    """
    if max_shard_rows < 1:
        raise ValueError("max_shard_rows must be >= 1")
    out = Path(out_dir)
    splits = _as_splits(dataset_or_dict_of_splits)
    ctx = scrub(dict(card_context))  # secrets never reach the template
    check_staging_dir(out)
    data_dir = out / "data"
    if data_dir.exists():  # stale shards of a previous run would be picked up by data/{split}-*
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (out / STAGING_MARKER).write_text("staged by synth_hf: restaging replaces data/ and README.md\n",
                                      encoding="utf-8")  # fmt: skip

    split_rows, redacted = [], 0
    for name, ds in splits.items():
        ds, n_redacted = _scrub_split(ds)
        splits[name] = ds
        redacted += n_redacted
        shards = _write_shards(name, ds, data_dir, max_shard_rows)
        split_rows.append({"name": name, "rows": len(ds), "shards": shards})

    from synth_hf.runtime.artifacts import copy_to_staged

    run_files = copy_to_staged(ctx.get("run_dir"), out)
    meta, license_sources = build_front_matter(splits, ctx)
    first = next(iter(splits.values()))
    example = json.dumps(first[0], ensure_ascii=False, default=str, indent=1)[:1500] if len(first) else ""
    config_yaml = yaml.safe_dump(scrub(_config_dict(ctx.get("config"))), sort_keys=False, allow_unicode=True)
    method = str(ctx.get("method", "unknown"))
    card = render_card(
        Path(template) if template else CARDS_DIR / "dataset_card.md.jinja",
        front_matter=yaml.safe_dump(meta, sort_keys=False, allow_unicode=True),
        pretty_name=meta["pretty_name"],
        description=ctx.get("description", "Synthetic supervised fine-tuning data."),
        method=method,
        method_summary=ctx.get("method_summary", _METHOD_SUMMARIES.get(method.lower(), "")),
        splits=split_rows,
        columns=[(k, str(v)) for k, v in first.features.items()],
        example_row=example,
        models=_pairs(ctx.get("models")),
        stages=_stages(ctx.get("stages")),
        redacted_rows=redacted,
        quality=_pairs(ctx.get("quality")),
        calibration=_pairs(ctx.get("calibration")),
        probe_note=" ".join(str(ctx.get("probe_note") or "").split()),
        support=[(str(k), f"{v:.1%}" if isinstance(v, float) else v) for k, v in (ctx.get("support_rate") or {}).items()],
        license=meta["license"],
        license_sources=license_sources,
        license_note=" ".join(str(ctx.get("license_note") or "").split()),
        repo_id=ctx.get("repo_id") or "<user>/<dataset>",  # a staged-only run has repo_id None
        base_model=ctx.get("base_model") or "<base-model>",
        config_yaml=config_yaml,
        config_note=" ".join(str(ctx.get("config_note") or "").split()),
        learning_rate=f"{float(ctx.get('learning_rate') or 2e-4):g}",
        learning_rate_from_run=ctx.get("learning_rate") is not None,
        run_files=run_files,
    )
    (out / "README.md").write_text(scrub_text(card), encoding="utf-8")
    assert_clean(out)
    return out


_SHARD_NAME = re.compile(r"^(?P<split>.+)-\d{5}-of-\d{5}\.parquet$")


def check_staging_dir(out: Path) -> None:
    """Raise ValueError unless `out` is new, empty or a folder staged before (NotADirectoryError for a
    file): staging deletes `out/data/` and overwrites `out/README.md`, never a user's own files."""
    if not out.exists():
        return
    if not out.is_dir():
        raise NotADirectoryError(f"cannot stage into {str(out)!r}: it is a file; pick an empty or new folder")
    if (out / STAGING_MARKER).is_file() or not any(out.iterdir()) or _staged_before_marker(out):
        return
    raise ValueError(f"refusing to stage into {str(out)!r}: it is not empty and not a synth_hf staging folder "
                     f"(no {STAGING_MARKER}), and staging would replace its data/ and README.md; "
                     "pick an empty or new folder")  # fmt: skip


def _staged_before_marker(out: Path) -> bool:
    """A folder staged by a synth_hf without the marker: only the files staging writes, a card tagged
    synth_hf, shard-named parquet files under data/."""
    from synth_hf.runtime.artifacts import STAGED_FILES

    readme, data_dir = out / "README.md", out / "data"
    if not readme.is_file() or any(p.name not in {"README.md", "data", *STAGED_FILES} for p in out.iterdir()):
        return False
    head = readme.read_text(encoding="utf-8", errors="replace")[:4000]
    if not head.startswith("---\n") or "- synth_hf\n" not in head.split("\n---\n", 1)[0]:
        return False
    return not data_dir.exists() or (data_dir.is_dir() and all(
        p.is_file() and _SHARD_NAME.match(p.name) for p in data_dir.iterdir()))  # fmt: skip


def load_staged(staged_dir: str | Path) -> DatasetDict:
    """Read a staged folder back, split by split, straight from its parquet shards.

    Prefer this to `load_dataset(staged_dir)`: for a local folder whose README declares
    `configs`, datasets 5.x derives the cache key from the folder *name* and the patterns only, so
    two different folders both called "staged" (or one folder re-staged) can silently return the
    rows cached from the other. Naming the files makes datasets hash them (path + mtime).
    """
    data_dir = Path(staged_dir) / "data"
    files: dict[str, list[str]] = {}
    for path in sorted(data_dir.glob("*.parquet")):
        match = _SHARD_NAME.match(path.name)
        if match:
            files.setdefault(match["split"], []).append(str(path))
    if not files:
        raise FileNotFoundError(f"no parquet shards under {data_dir}")
    from datasets import load_dataset

    return load_dataset("parquet", data_files=files)


_METHOD_SUMMARIES = {
    "graphgen": "A knowledge graph is extracted from the source corpus; the trainee model is probed with "
    "true/false statements about its nodes and edges, and question-answer pairs are generated from the "
    "subgraphs it knows least, each answer checked against the source sentences it rests on (the `evidence` "
    "column), optionally judged by the synthesizer, then deduplicated.",
    "aide": "Seed rows are expanded hop by hop: topics and attributes are extracted, children are synthesised "
    "by concretizing, adding constraints or reasoning, and with retrieved personas; self-reflection drops "
    "children that drift from the seed; the survivors are annotated and deduplicated.",
}
# The methods a card can name: each has a `synth-hf <method>` command, the card's re-run line.
KNOWN_METHODS = tuple(_METHOD_SUMMARIES)
