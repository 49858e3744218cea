"""Staging (Hub layout + card), secret scrubbing and publishing against a stubbed HfApi."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from datasets import Dataset, DatasetDict, load_dataset

from synth_hf.hub import (
    REDACTED,
    STAGING_MARKER,
    assert_clean,
    load_staged,
    most_restrictive_license,
    publish_dataset,
    scrub,
    size_category,
    stage_dataset,
)

HF_SECRET = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWx12"
SK_SECRET = "sk-" + "proj-abcdefghijklmnop1234"
ENV_SECRET = "plain-looking-value-9f8e7d"


def _rows(n: int, offset: int = 0) -> list[dict]:
    return [
        {
            "messages": [
                {"role": "user", "content": f"question {i}"},
                {"role": "assistant", "content": f"answer {i}"},
            ],
            "loss": i / 10,
            "hop": i % 3,
        }
        for i in range(offset, offset + n)
    ]


CONTEXT = {
    "method": "GraphGen",
    "licenses": {"model google/gemma-3-270m": "gemma", "corpus": "cc-by-4.0"},
    "language": "en",
    "config": {"generator": {"model": "gemma-3-270m", "temperature": 0.7}, "seed": 7},
    "models": {"generator": "gemma-3-270m", "trainee": "gemma-3-270m"},
    "stages": [{"name": "judge", "kept": 25, "dropped": 3, "drop_reasons": {"low_score": 2, "parse": 1}}],
    "quality": {"self_bleu": 0.21, "distinct_2": 0.8},
    "calibration": {"ece": 0.12, "brier": 0.2},
    "support_rate": {"overall": 0.9906, "atomic": 1.0, "true_false": 0.965},
    "repo_id": "someone/medqa-synth",
    "base_model": "google/gemma-3-270m",
}


def _front_matter(readme: Path) -> tuple[dict, str]:
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


@pytest.fixture()
def splits() -> DatasetDict:
    return DatasetDict({"train": Dataset.from_list(_rows(25)), "test": Dataset.from_list(_rows(4, 100))})


def test_stage_writes_hub_layout_and_round_trips(tmp_path: Path, splits: DatasetDict) -> None:
    out = stage_dataset(splits, tmp_path / "staged", card_context=CONTEXT, max_shard_rows=10)
    names = sorted(p.name for p in (out / "data").iterdir())
    assert names == [
        "test-00000-of-00001.parquet",
        "train-00000-of-00003.parquet",
        "train-00001-of-00003.parquet",
        "train-00002-of-00003.parquet",
    ]
    # own cache_dir: datasets 5.x keys a local folder's cache by its name, see load_staged
    for loaded in (load_dataset(str(out), cache_dir=str(tmp_path / "cache")), load_staged(out)):
        assert set(loaded) == {"train", "test"}
        for name in ("train", "test"):
            assert loaded[name].column_names == splits[name].column_names
            assert loaded[name].features == splits[name].features
            assert loaded[name].to_list() == splits[name].to_list()  # same rows, same order


def test_card_front_matter_has_required_fields(tmp_path: Path, splits: DatasetDict) -> None:
    out = stage_dataset(splits, tmp_path / "staged", card_context=CONTEXT)
    meta, body = _front_matter(out / "README.md")
    assert meta["license"] == "gemma"  # gemma terms are stricter than cc-by-4.0
    assert meta["language"] == ["en"]
    assert meta["task_categories"]
    assert meta["size_categories"] == ["n<1K"]
    assert {"synthetic", "synth_hf", "graphgen"} <= set(meta["tags"])
    assert meta["configs"] == [
        {
            "config_name": "default",
            "data_files": [
                {"split": "train", "path": "data/train-*"},
                {"split": "test", "path": "data/test-*"},
            ],
        }
    ]
    assert "| judge | 28 | 25 | 3 | low_score: 2, parse: 1 |" in body
    assert "| self_bleu | 0.2100 |" in body
    assert "| ece | 0.1200 |" in body
    assert "temperature: 0.7" in body  # config dump
    assert 'load_dataset("someone/medqa-synth", split="train")' in body
    assert "trl sft --model_name_or_path google/gemma-3-270m" in body


def test_card_reports_the_support_rate(tmp_path: Path, splits: DatasetDict) -> None:
    out = stage_dataset(splits, tmp_path / "staged", card_context=CONTEXT)
    body = (out / "README.md").read_text(encoding="utf-8")
    assert "## Support: every row rests on its evidence" in body
    assert "| overall | 99.1% |" in body and "| true_false | 96.5% |" in body
    bare = stage_dataset(splits, tmp_path / "bare", card_context={"method": "GraphGen"})
    assert "No support check was recorded" in (bare / "README.md").read_text(encoding="utf-8")


def test_card_explains_answer_span_per_mode_when_the_rows_have_it(tmp_path: Path) -> None:
    rows = [{**r, "mode": "aggregated", "answer_span": "Aspirin"} for r in _rows(3)]
    out = stage_dataset(Dataset.from_list(rows), tmp_path / "with", card_context=CONTEXT)
    body = (out / "README.md").read_text(encoding="utf-8")
    assert "`answer_span` is what a row was built around" in body
    assert "| aggregated | the subject the question asks about, not the answer" in body
    assert "| true_false | a span of the sentence the statement was made from, not the answer" in body
    without = stage_dataset(Dataset.from_list(_rows(3)), tmp_path / "without", card_context=CONTEXT)
    assert "answer_span" not in (without / "README.md").read_text(encoding="utf-8")


def test_restaging_removes_stale_shards(tmp_path: Path) -> None:
    target = tmp_path / "staged"
    stage_dataset(Dataset.from_list(_rows(25)), target, card_context=CONTEXT, max_shard_rows=10)
    stage_dataset(Dataset.from_list(_rows(5)), target, card_context=CONTEXT, max_shard_rows=10)
    assert sorted(p.name for p in (target / "data").iterdir()) == ["train-00000-of-00001.parquet"]
    assert load_staged(target)["train"].num_rows == 5


def test_staging_refuses_a_folder_that_is_not_a_staging_folder(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    (project / "data").mkdir(parents=True)
    (project / "data" / "precious.txt").write_text("precious")
    (project / "README.md").write_text("my readme")
    with pytest.raises(ValueError, match="pick an empty or new folder") as err:
        stage_dataset(Dataset.from_list(_rows(3)), project, card_context=CONTEXT)
    assert str(project) in str(err.value)
    assert (project / "data" / "precious.txt").read_text() == "precious"
    assert (project / "README.md").read_text() == "my readme"
    assert sorted(p.name for p in project.iterdir()) == ["README.md", "data"]


def test_staging_into_an_empty_folder_leaves_a_marker(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    out = stage_dataset(Dataset.from_list(_rows(3)), tmp_path / "empty", card_context=CONTEXT)
    assert (out / STAGING_MARKER).is_file()
    assert_clean(out)  # the marker is no text file with a secret, and no parquet


def test_a_folder_staged_before_the_marker_is_restaged(tmp_path: Path) -> None:
    target = tmp_path / "staged"
    stage_dataset(Dataset.from_list(_rows(25)), target, card_context=CONTEXT, max_shard_rows=10)
    (target / STAGING_MARKER).unlink()  # as an older synth_hf left it
    stage_dataset(Dataset.from_list(_rows(5)), target, card_context=CONTEXT)
    assert load_staged(target)["train"].num_rows == 5
    (target / STAGING_MARKER).unlink()
    (target / "data" / "notes.txt").write_text("mine")  # not a shard: not ours to delete
    with pytest.raises(ValueError, match="not a synth_hf staging folder"):
        stage_dataset(Dataset.from_list(_rows(5)), target, card_context=CONTEXT)


def test_staging_into_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="pick an empty or new folder"):
        stage_dataset(Dataset.from_list(_rows(3)), tmp_path / "file", card_context=CONTEXT)


@pytest.mark.parametrize(
    ("licenses", "expected"),
    [
        (["mit", "apache-2.0"], "apache-2.0"),
        ({"model": "gemma", "personas": "cc-by-nc-4.0"}, "other"),
        (["cc-by-sa-4.0", "MIT"], "cc-by-sa-4.0"),
        (["apache-2.0", "my-custom-eula"], "other"),
        ([], "unknown"),
        (["mpl-2.0"], "mpl-2.0"),  # a Hub id outside the ranking, alone, stays
        (["mpl-2.0", "mpl-2.0"], "mpl-2.0"),
        (["mpl-2.0", "mit"], "other"),  # no order with an unranked id
        (["my-custom-eula"], "other"),
        (["gemma", "llama3"], "other"),  # tied model terms: both apply
        (["llama3", "gemma"], "other"),
        (["mit", "isc"], "isc"),  # tied permissive terms: the same answer in either order
        (["isc", "mit"], "isc"),
        (["apache-2.0", "unknown"], "other"),
        (["unknown"], "other"),  # the card's note says the documents' terms were not declared
        (["gemma", "cc-by-sa-4.0"], "other"),  # share-alike and model terms: both apply
        (["cc-by-nc-4.0", "gpl-3.0"], "other"),
        (["cc-by-nc-4.0", "apache-2.0", "mit"], "cc-by-nc-4.0"),  # one restrictive id among permissive ones
    ],
)
def test_most_restrictive_license(licenses: list | dict, expected: str) -> None:
    assert most_restrictive_license(licenses)[0] == expected


def test_unknown_license_gets_license_name(tmp_path: Path) -> None:
    ctx = {**CONTEXT, "licenses": {"personas": "my-custom-eula", "model": "apache-2.0"}}
    meta, _ = _front_matter(
        stage_dataset(Dataset.from_list(_rows(2)), tmp_path / "s", card_context=ctx) / "README.md"
    )
    assert meta["license"] == "other"
    assert "my-custom-eula" in meta["license_name"]


@pytest.mark.parametrize(
    ("n", "label"),
    [(0, "n<1K"), (999, "n<1K"), (1000, "1K<n<10K"), (99_999, "10K<n<100K"), (10**6, "1M<n<10M")],
)
def test_size_category(n: int, label: str) -> None:
    assert size_category(n) == label


def test_secrets_never_reach_the_staging_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    monkeypatch.setenv("MY_SERVICE_API_KEY", ENV_SECRET)
    rows = _rows(3)
    rows[1]["messages"][1]["content"] = f"my key is {SK_SECRET} ok"
    ctx = {
        **CONTEXT,
        "description": f"made with token {HF_SECRET}",
        "config": {"engine": {"api_key": "whatever-format-1", "base_url": f"http://x?k={ENV_SECRET}"}},
        "models": {"judge": f"gpt ({SK_SECRET})"},
    }
    out = stage_dataset(Dataset.from_list(rows), tmp_path / "staged", card_context=ctx)
    readme = (out / "README.md").read_text(encoding="utf-8")
    data = "".join(str(pq.read_table(p).to_pylist()) for p in (out / "data").glob("*.parquet"))
    for secret in (HF_SECRET, SK_SECRET, ENV_SECRET, "whatever-format-1"):
        assert secret not in readme
        assert secret not in data
    assert REDACTED in readme
    assert "1 row(s) contained something that looked like a secret" in readme
    assert load_staged(out)["train"][1]["messages"][1]["content"] == f"my key is {REDACTED} ok"


def test_load_staged_is_not_fooled_by_a_same_named_folder(tmp_path: Path) -> None:
    first = stage_dataset(Dataset.from_list(_rows(3)), tmp_path / "a" / "staged", card_context=CONTEXT)
    second = stage_dataset(Dataset.from_list(_rows(4, 50)), tmp_path / "b" / "staged", card_context=CONTEXT)
    assert load_staged(first)["train"].to_list() == _rows(3)
    assert load_staged(second)["train"].to_list() == _rows(4, 50)


def test_scrub_keeps_ordinary_keys_readable() -> None:
    cfg = {
        "tokenizer": "google/gemma-3-270m",
        "max_tokens": "512",
        "sort_key": "loss",
        "hf_token": "abc",
        "openai_api_key": "x",
    }
    assert scrub(cfg) == {
        "tokenizer": "google/gemma-3-270m",
        "max_tokens": "512",
        "sort_key": "loss",
        "hf_token": REDACTED,
        "openai_api_key": REDACTED,
    }


def test_assert_clean_catches_a_planted_secret(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(f"oops {HF_SECRET}")
    with pytest.raises(RuntimeError, match="secret"):
        assert_clean(tmp_path)


class StubApi:
    """Records HfApi calls; sees the folder as it is at upload time."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.uploaded: list[str] = []
        self.fail = fail

    def create_repo(self, **kwargs):
        self.calls.append(("create_repo", kwargs))

    def create_branch(self, **kwargs):
        self.calls.append(("create_branch", kwargs))

    def upload_folder(self, **kwargs):
        if self.fail:
            raise ConnectionError("no network")
        self.calls.append(("upload_folder", kwargs))
        root = Path(kwargs["folder_path"])
        ignored = kwargs.get("ignore_patterns") or []  # as HfApi: fnmatch on the relative path
        files = [str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()]
        self.uploaded = sorted(f for f in files if not any(fnmatch(f, pat) for pat in ignored))

        class Info:
            commit_url = "https://huggingface.co/datasets/someone/medqa-synth/commit/abc"

        return Info()


def test_publish_uploads_the_staged_folder(tmp_path: Path, splits: DatasetDict) -> None:
    out = stage_dataset(splits, tmp_path / "staged", card_context=CONTEXT)
    api = StubApi()
    url = publish_dataset(
        out,
        "someone/medqa-synth",
        token="hf_test",
        private=True,
        revision="v1",
        commit_message="Add v1",
        api=api,
    )
    assert url.endswith("/commit/abc")
    assert [c[0] for c in api.calls] == ["create_repo", "create_branch", "upload_folder"]
    create, _, upload = (c[1] for c in api.calls)
    assert create["repo_id"] == "someone/medqa-synth"
    assert create["repo_type"] == "dataset"
    assert create["private"] is True
    assert upload["commit_message"] == "Add v1"
    assert upload["revision"] == "v1"
    assert upload["repo_type"] == "dataset"
    assert upload["delete_patterns"] == ["data/*"]
    assert upload["ignore_patterns"] == [STAGING_MARKER]
    assert upload["token"] == "hf_test"
    assert api.uploaded == [
        "README.md",
        "data/test-00000-of-00001.parquet",
        "data/train-00000-of-00001.parquet",
    ]


def test_publish_without_token_keeps_staging_and_says_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, splits: DatasetDict
) -> None:
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)  # no cached login either
    out = stage_dataset(splits, tmp_path / "staged", card_context=CONTEXT)
    api = StubApi()
    with pytest.raises(RuntimeError, match="No Hugging Face token") as err:
        publish_dataset(out, "someone/x", api=api)
    assert str(out) in str(err.value)
    assert api.calls == []
    assert (out / "README.md").exists()


def test_publish_token_from_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", HF_SECRET)
    out = stage_dataset(Dataset.from_list(_rows(2)), tmp_path / "staged", card_context=CONTEXT)
    api = StubApi()
    publish_dataset(out, "someone/x", api=api)
    assert api.calls[-1][1]["token"] == HF_SECRET


def test_publish_failure_names_the_kept_folder(tmp_path: Path) -> None:
    out = stage_dataset(Dataset.from_list(_rows(2)), tmp_path / "staged", card_context=CONTEXT)
    with pytest.raises(RuntimeError, match="kept at"):
        publish_dataset(out, "someone/x", token="hf_test", api=StubApi(fail=True))


def test_publish_refuses_a_folder_with_a_secret(tmp_path: Path) -> None:
    out = stage_dataset(Dataset.from_list(_rows(2)), tmp_path / "staged", card_context=CONTEXT)
    (out / "extra.json").write_text(f'{{"token": "{HF_SECRET}"}}')
    api = StubApi()
    with pytest.raises(RuntimeError, match="secret"):
        publish_dataset(out, "someone/x", token="hf_test", api=api)
    assert api.calls == []


def test_card_language_comes_from_the_rows_when_not_given(tmp_path: Path) -> None:
    rows = [{"messages": [{"role": "user", "content": "Q"}], "language": lang} for lang in ("de", "de", "en", "")]
    out = stage_dataset(Dataset.from_list(rows), tmp_path / "staged", card_context={"method": "graphgen"})
    assert _front_matter(out / "README.md")[0]["language"] == ["de", "en"]
    out = stage_dataset(Dataset.from_list(rows), tmp_path / "given", card_context={"method": "graphgen", "language": "fr"})
    assert _front_matter(out / "README.md")[0]["language"] == ["fr"]


def test_a_staged_only_card_never_says_none_for_the_repo_or_model(tmp_path):
    splits = DatasetDict({"train": Dataset.from_dict({"messages": [[{"role": "user", "content": "q"},
                                                                    {"role": "assistant", "content": "a"}]]})})
    out = stage_dataset(splits, tmp_path / "staged", card_context={**CONTEXT, "repo_id": None, "base_model": None})
    body = (out / "README.md").read_text(encoding="utf-8")
    assert 'load_dataset("<user>/<dataset>"' in body and "--dataset_name <user>/<dataset>" in body
    assert '"None"' not in body and "--model_name_or_path None" not in body


def test_card_explains_self_bleu_when_it_reports_it(tmp_path: Path, splits: DatasetDict) -> None:
    body = (stage_dataset(splits, tmp_path / "q", card_context=CONTEXT) / "README.md").read_text(encoding="utf-8")
    assert "| self_bleu | 0.2100 |" in body and "high by design" in body
    other = {**CONTEXT, "quality": {"distinct_2": 0.8}}
    body = (stage_dataset(splits, tmp_path / "d", card_context=other) / "README.md").read_text(encoding="utf-8")
    assert "high by design" not in body


def test_card_says_when_a_local_server_stood_in_for_the_configured_engines(tmp_path: Path, splits) -> None:
    note = "This run's `synthesizer` used one temporary local vLLM server of the embedded model\n(recipes/x)."
    body = (stage_dataset(splits, tmp_path / "s", card_context={**CONTEXT, "config_note": note})
            / "README.md").read_text(encoding="utf-8")
    config = body.split("## Generation config", 1)[1]
    assert config.lstrip().startswith("This run's `synthesizer` used one temporary local vLLM server of the embedded "
                                      "model (recipes/x).")
    plain = (stage_dataset(splits, tmp_path / "p", card_context=CONTEXT) / "README.md").read_text(encoding="utf-8")
    assert plain.split("## Generation config", 1)[1].lstrip().startswith("```yaml")


def test_a_graphgen_card_reports_the_questions_diversity_as_its_report_does(tmp_path: Path) -> None:
    from synth_hf.pipelines.runner import RunResult
    from synth_hf.workflow import WorkflowConfig, card_context

    rows = [{"question": f"Fill in the blank: Drug {i} treats ____.", "answer": f"disease {i}"} for i in range(6)]
    result = RunResult(Dataset.from_list(rows), Dataset.from_list([]), {"stages": {}}, tmp_path)
    ctx = card_context(result, WorkflowConfig(method="graphgen", out_dir=tmp_path), {})
    assert set(ctx["quality"]) == {"self_bleu", "distinct_1", "distinct_2"} and ctx["quality"]["self_bleu"] > 0.5
    from synth_hf.config import TrainConfig

    fast = card_context(result, WorkflowConfig(method="graphgen", out_dir=tmp_path, train=TrainConfig(lr=0.002)), {})
    assert fast["learning_rate"] == 0.002  # the card's TRL snippet trains as the recipe did
    saved = RunResult(result.dataset, result.dropped, {"stages": {}, "quality": {"self_bleu": 0.2}}, tmp_path)
    assert card_context(saved, WorkflowConfig(method="aide", out_dir=tmp_path), {})["quality"] == {"self_bleu": 0.2}


def test_card_trl_snippet_uses_the_runs_learning_rate(tmp_path: Path, splits: DatasetDict) -> None:
    ran = (stage_dataset(splits, tmp_path / "r", card_context={**CONTEXT, "learning_rate": 0.002})
           / "README.md").read_text(encoding="utf-8")
    assert "learning_rate=0.002)" in ran and "--learning_rate 0.002 " in ran and "the run that made this" in ran
    plain = (stage_dataset(splits, tmp_path / "p", card_context=CONTEXT) / "README.md").read_text(encoding="utf-8")
    assert "learning_rate=0.0002)" in plain and "TRL's LoRA examples" in plain and "--chat_template_path" in plain
