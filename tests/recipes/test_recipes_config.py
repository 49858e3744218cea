"""The recipes build their configs with the shared mechanism: the YAML with what the recipe fixes, then
--set, then flags; the training settings are the config's `recipe.train` (a TrainConfig); errors name
their source. No pipeline runs here."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "recipes"))

import aide_medqa
import graphgen_medqa

from synth_hf.config import TrainConfig


def _graphgen(tmp_path, *argv):
    args = graphgen_medqa.build_parser().parse_args(["--out", str(tmp_path), *argv])
    return graphgen_medqa.build_config(args)


def test_graphgen_recipe_flags_set_and_yaml(tmp_path):
    config = _graphgen(tmp_path)
    assert config.recipe.train == TrainConfig(epochs=1.5, batch_size=8, lr=0.002)  # the shipped YAML
    assert (config.run.output_dir, config.run.name) == (str(tmp_path), "graphgen")
    assert config.input.source.endswith("knowledge_lift/docs")
    other = _graphgen(tmp_path, "--config", str(graphgen_medqa.HERE / "configs" / "graphgen_medical.yaml"))
    assert other.input.source == str(graphgen_medqa.DATA / "medical_corpus")  # the --config's corpus, installed
    own = tmp_path / "own.yaml"
    own.write_text("input: {source: my/corpus.jsonl}\n")
    assert _graphgen(tmp_path, "--config", str(own)).input.source == "my/corpus.jsonl"
    config = _graphgen(tmp_path, "--train-steps", "2", "--base-model", "m", "--set", "recipe.train.lr=0.1",
                       "--set", "run.name=mine", "--corpus", "c.jsonl", "--synthesizer", "openai:x",
                       "--openai-base-url", "http://h/v1", "--no-cache")  # fmt: skip
    train = config.recipe.train
    assert (train.max_steps, train.model, train.lr, train.epochs) == (2, "m", 0.1, 1.5)
    assert config.run.name == "mine" and config.input.source == "c.jsonl" and config.run.use_cache is False
    assert config.synthesizer.options == {"base_url": "http://h/v1"} and config.synthesizer.model == "x"


def test_graphgen_recipe_errors_name_their_source(tmp_path):
    with pytest.raises(ValueError, match=r"--set recipe\.train\.epoch=2: recipe\.train\.epoch: unknown key \(did you mean 'epochs'"):
        _graphgen(tmp_path, "--set", "recipe.train.epoch=2")
    with pytest.raises(ValueError, match=r"--train-epochs: recipe\.train\.epochs: Input should be greater than 0"):
        _graphgen(tmp_path, "--train-epochs", "0")
    with pytest.raises(ValueError, match=r"--synthesizer: synthesizer\.engine"):
        _graphgen(tmp_path, "--synthesizer", "nosuch:model")


def test_aide_recipe_splits_seeds_from_the_evaluation_questions(tmp_path):
    args = aide_medqa.build_parser().parse_args(["--out", str(tmp_path), "--engine", "fake:", "--set", "recipe.num_seeds=4"])
    config, seeds, held_out = aide_medqa.build_config(args)
    assert len(config.seeds.rows) == len(seeds) == 4 and held_out
    assert {r["id"] for r in config.seeds.rows} == {r["id"] for r in seeds}
    assert not {r["id"] for r in seeds} & {r["id"] for r in held_out}
    assert config.recipe.train == TrainConfig(epochs=3, batch_size=4, lr=2e-4)
    assert config.engine.engine == "fake" and config.documents.source.endswith("medical_corpus")
    args = aide_medqa.build_parser().parse_args(["--out", str(tmp_path), "--set", "recipe.num_seeds=1000"])
    with pytest.raises(ValueError, match="need more than 1000"):
        aide_medqa.build_config(args)


def test_aide_recipe_reads_every_documented_seed_layout_and_names_bad_lines(tmp_path):
    import json

    path = tmp_path / "seeds.jsonl"
    layouts = [
        {"question": "Q1?", "options": {"A": "x", "B": "y"}, "answer_idx": "B"},
        {"question": "Q2?", "options": ["x", "y", "z"], "answer_index": 2},
        {"question": "Q3?", "options": {"A": "x", "B": "y"}, "answer": "A"},
        {"question": "Q4?", "options": ["x", "y"], "answer": "y"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in layouts) + "\n", encoding="utf-8")
    rows = aide_medqa.medqa_rows(str(path))
    assert [(r["options"], r["answer"]) for r in rows] == [(["x", "y"], "B"), (["x", "y", "z"], "C"),
                                                           (["x", "y"], "A"), (["x", "y"], "B")]  # fmt: skip
    for bad, message in [('{"foo": 1, "bar": 2}', r"seeds.jsonl:2: expected a 'question'"),
                         ('{"question": "Q?", "options": ["x"], "answer": "Q"}', r"seeds.jsonl:2: answer='Q' names no option"),
                         ("not json", r"seeds.jsonl:2: invalid JSON")]:  # fmt: skip
        path.write_text(json.dumps(layouts[0]) + "\n" + bad + "\n", encoding="utf-8")
        with pytest.raises(ValueError, match=message):
            aide_medqa.medqa_rows(str(path))


def test_graphgen_recipe_checks_its_evaluation_files_before_the_run(tmp_path, monkeypatch):
    import synth_hf.pipelines.graphgen as pipeline

    def never(*_a, **_k):
        raise AssertionError("GraphGen ran before the evaluation files were checked")

    monkeypatch.setattr(pipeline, "run_graphgen", never)
    for flag in ("--mcq", "--statements", "--open-qa"):
        with pytest.raises((FileNotFoundError, ValueError), match="nope.jsonl"):
            graphgen_medqa.main(["--out", str(tmp_path / "o"), "--no-serve", flag, str(tmp_path / "nope.jsonl")])


def test_recipes_check_the_base_model_before_the_run(tmp_path, monkeypatch):
    import synth_hf.pipelines.aide as aide_pipeline
    import synth_hf.pipelines.graphgen as pipeline

    def never(*_a, **_k):
        raise AssertionError("the pipeline ran before --base-model was checked")

    monkeypatch.setattr(pipeline, "run_graphgen", never)
    monkeypatch.setattr(aide_pipeline, "run_aide", never)
    missing = str(tmp_path / "no_model_here")
    for recipe in (graphgen_medqa, aide_medqa):
        with pytest.raises(ValueError, match="no_model_here"):
            recipe.main(["--out", str(tmp_path / "o"), "--no-serve", "--base-model", missing])


def test_run_recipe_turns_a_benchmark_usage_error_into_status_2(capsys):
    from synth_hf.workflow import run_recipe

    def bad(_argv):
        raise SystemExit("--data nowhere: no such file")

    assert run_recipe(bad, [], prog="bench") == 2
    assert capsys.readouterr().err.strip() == "bench: error: --data nowhere: no such file"

    def argparse_like(_argv):
        raise SystemExit(2)

    with pytest.raises(SystemExit) as info:
        run_recipe(argparse_like, [], prog="bench")
    assert info.value.code == 2


def test_graphgen_recipe_checks_eval_contents_and_the_corpus_before_the_server(tmp_path, monkeypatch):
    import synth_hf.pipelines.graphgen as pipeline
    from synth_hf.runtime import shared_server

    def never(*_a, **_k):
        raise AssertionError("the server or the pipeline started before the inputs were checked")

    monkeypatch.setattr(pipeline, "run_graphgen", never)
    monkeypatch.setattr(shared_server, "shared_embedded_server", never)
    not_mcq = tmp_path / "notes.md"
    not_mcq.write_text("# Zorvatide\n\nZorvatide is made by Lumera Pharma.\n")
    with pytest.raises(ValueError, match="notes.md"):
        graphgen_medqa.main(["--out", str(tmp_path / "o"), "--mcq", str(not_mcq)])
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "a.txt").write_text("  \n")
    with pytest.raises(ValueError, match="empty"):
        graphgen_medqa.main(["--out", str(tmp_path / "o"), "--corpus", str(empty)])


def test_aide_recipe_names_a_missing_or_binary_seeds_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="--seeds .*nope.jsonl: no such file"):
        aide_medqa.medqa_rows(str(tmp_path / "nope.jsonl"))
    binary = tmp_path / "seeds.jsonl"
    binary.write_bytes(b"\xbd\xff\x00 not text")
    with pytest.raises(ValueError, match="seeds.jsonl: not UTF-8 text"):
        aide_medqa.medqa_rows(str(binary))


def test_graphgen_recipe_help_shows_the_epochs_its_config_trains(capsys):
    with pytest.raises(SystemExit):
        graphgen_medqa.main(["--help"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "1.5 in graphgen_medqa.yaml" in shown and "(default 1.0)" not in shown


def test_graphgen_recipe_card_says_the_bundled_corpus_is_invented(tmp_path):
    card = graphgen_medqa.invented_corpus_card(str(graphgen_medqa.DATA / "knowledge_lift" / "docs"))
    assert "fictional" in card["description"] and "medical" not in card["tags"]
    assert graphgen_medqa.invented_corpus_card(str(tmp_path)) == {}  # a user's corpus: nothing claimed


def test_recipes_check_a_remote_endpoint_before_starting_a_server_or_making_out(tmp_path, monkeypatch):
    import synth_hf.runtime.shared_server as shared

    def never(*_a, **_k):
        raise AssertionError("a local server started before the endpoint was checked")

    monkeypatch.setattr(shared, "shared_embedded_server", never)
    dead = "http://127.0.0.1:9/v1"
    with pytest.raises(ValueError, match=r"^synthesizer engine openai:m: nothing answers at http://127.0.0.1:9/v1"):
        graphgen_medqa.main(["--out", str(tmp_path / "g"), "--synthesizer", "openai:m", "--openai-base-url", dead])
    with pytest.raises(ValueError, match=r"^engine openai:m: nothing answers at "):
        aide_medqa.main(["--out", str(tmp_path / "a"), "--engine", "openai:m", "--set", f"engine.options.base_url={dead}"])
    assert not (tmp_path / "g").exists() and not (tmp_path / "a").exists()  # nothing left behind


def test_aide_recipe_points_an_openai_engine_at_a_server():
    # review: the AIDE recipe had no --openai-base-url (an openai engine always went to 127.0.0.1:8000)
    args = aide_medqa.build_parser().parse_args(["--engine", "openai:my-model", "--openai-base-url", "http://h:9/v1"])
    config, _, _ = aide_medqa.build_config(args)
    assert config.engine.engine == "openai" and config.engine.model == "my-model"
    assert config.engine.options["base_url"] == "http://h:9/v1"
    with pytest.raises(ValueError, match="--engine openai:MODEL"):
        aide_medqa.build_config(aide_medqa.build_parser().parse_args(["--openai-base-url", "http://h:9/v1"]))
