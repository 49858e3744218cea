"""GraphGen on bad or thin input: a graph without edges, nothing extracted, broken corpora, CLI errors."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from graphgen_fakes import fake_config

from synth_hf.pipelines.graphgen import prepare_input, run_graphgen
from synth_hf.pipelines.graphgen_config import GraphGenConfig

RECIPES = sorted((HERE.parents[1] / "recipes" / "configs").glob("graphgen_*.yaml"))


@pytest.mark.timeout(600)
def test_graph_without_edges_still_yields_atomic_qa(tmp_path, fakes_on_worker_path):
    # one name per sentence (the fake proposes subjects only, no capitalised-span candidates): no edges
    corpus = ["Aspirin is a remedy for pain. Metformin is a tablet for diabetes.",
              "Insulin is a hormone made in the pancreas. Glucagon is another hormone."]
    config = fake_config(
        str(tmp_path), corpus, **{"synthesizer.options.responder": "graphgen_fakes:respond_subjects_only",
                                      "extraction.name_candidates": False}
    )
    result = run_graphgen(config)
    assert len(result.dataset) > 0
    assert set(result.dataset["mode"]) <= {"atomic", "multiple_choice", "true_false"}
    assert "atomic" in set(result.dataset["mode"])
    assert all(row["edge_ids"] == [] for row in result.dataset)
    notes = result.summary["mode_notes"]
    for mode in ("cot", "multi_hop"):
        assert notes[mode].startswith("graph has no edges"), notes
        assert result.summary["shortfalls"][mode].startswith("graph has no edges")
        assert not any("_shortfall" in reason for reason in result.summary["drops_by_reason"])  # not rows
        assert not any("shortfall" in reason for reason in result.dropped["reason"])
    assert result.summary["graph"]["edges"] == 0


@pytest.mark.timeout(600)
def test_nothing_extracted_finishes_empty_and_says_why(tmp_path, fakes_on_worker_path):
    # lowercase prose: the fake extractor finds no 'Subject verb Object' records anywhere
    config = fake_config(str(tmp_path), ["no names in this text at all.", "nor in this one, sadly."])
    result = run_graphgen(config)  # must not hang on the empty stream into the global merge step
    assert len(result.dataset) == 0
    assert result.summary["drops_by_reason"]["no_entities"] == 2
    assert result.summary["mode_notes"]["atomic"] == "no unit of the graph has an evidence sentence"
    assert result.summary["stages"]["merge"]["out"] == 0


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_bad_corpora_fail_clearly_or_are_counted(tmp_path):
    def config(source: str, **inp) -> GraphGenConfig:
        return GraphGenConfig.model_validate(
            {"input": {"source": source, **inp}, "run": {"output_dir": str(tmp_path)}}
        )

    rows = _write(tmp_path / "c.jsonl", '{"body": "Aspirin inhibits COX."}\n')
    with pytest.raises(ValueError, match="column 'text' not found"):
        prepare_input(config(str(rows)))
    empty = _write(tmp_path / "e.jsonl", '{"text": "   "}\n{"text": ""}\n')
    with pytest.raises(ValueError, match="empty corpus"):
        prepare_input(config(str(empty)))
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        prepare_input(config(str(tmp_path / "missing.jsonl")))
    mixed = _write(
        tmp_path / "m.jsonl",
        '{"text": "Aspirin inhibits COX."}\n{"text": " \\n "}\n{"text": "Insulin lowers glucose."}\n',
    )
    _, fingerprint, stats = prepare_input(config(str(mixed), limit=1))
    assert stats["empty_docs"] == 1 and stats["documents_used"] == 1 and len(fingerprint) == 24
    latin1 = _write(tmp_path / "latin.txt", "Caf\xe9 au lait est une boisson.".encode("latin-1"))
    _, _, stats = prepare_input(config(str(latin1)))
    assert stats["non_utf8_files"] == 1 and stats["documents_used"] == 1


def test_fingerprint_follows_the_corpus(tmp_path):
    corpus = _write(tmp_path / "a.jsonl", '{"text": "Aspirin inhibits COX."}\n')
    config = GraphGenConfig.model_validate(
        {"input": {"source": str(corpus)}, "run": {"output_dir": str(tmp_path)}}
    )
    _, first, _ = prepare_input(config)
    assert prepare_input(config)[1] == first
    _write(corpus, '{"text": "Aspirin inhibits COX-1."}\n')
    assert prepare_input(config)[1] != first  # a changed corpus never reuses a stale cache


def test_config_yaml_overrides_and_validation(tmp_path):
    path = _write(tmp_path / "g.yaml", "input: {source: docs.jsonl}\npartition: {method: louvain, seed: 3}\n")
    config = GraphGenConfig.from_yaml(path)
    assert config.partition.method == "louvain" and config.synthesizer.engine == "transformers"
    changed = config.with_overrides({"generation.modes.atomic": 9, "partition.params.max_units": 3})
    assert changed.generation.modes["atomic"] == 9 and changed.partition.params["max_units"] == 3
    for bad in (
        {"generation.modes.essay": 1},
        {"partition.params.depth": 2},
        {"chunking.overlap": 999},
        {"generation.styles": []},
        {"judge.threshold": 2},
    ):
        with pytest.raises(ValueError):
            config.with_overrides(bad)
    nothing = {f"generation.modes.{m}": 0 for m in config.generation.modes}
    with pytest.raises(ValueError, match="asks for no rows"):  # the dry run says so, not the finished run
        config.with_overrides(nothing)


@pytest.mark.parametrize("recipe", RECIPES, ids=lambda p: p.name)
def test_recipe_configs_validate(recipe):
    import yaml

    raw = yaml.safe_load(recipe.read_text())
    raw.pop("recipe", None)  # recipe scripts keep their own settings (training, eval) in this block
    config = GraphGenConfig.model_validate(raw)
    assert config.run.name and config.input.source


def test_recipes_exist():
    assert len(RECIPES) >= 2


def test_cli_dry_run_and_errors(tmp_path, capsys):
    from synth_hf.cli import main

    corpus = _write(tmp_path / "a.jsonl", '{"text": "Aspirin inhibits COX."}\n')
    assert (
        main(
            [
                "graphgen",
                "--input",
                str(corpus),
                "--set",
                "generation.modes.atomic=7",
                "--set",
                "partition.method=bfs",
                "--output-dir",
                str(tmp_path),
                "--dry-run",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "atomic: 7" in out and "method: bfs" in out
    assert main(["graphgen", "--input", str(tmp_path / "nope.jsonl"), "--output-dir", str(tmp_path)]) == 2
    assert "synth-hf: error:" in capsys.readouterr().err
    assert main(["graphgen", "--input", str(corpus), "--set", "novalue", "--dry-run"]) == 2
    assert main(["graphgen", "--input", str(corpus), "--set", "quiz.n_paraphrases=-1", "--dry-run"]) == 2
    with pytest.raises(SystemExit):
        main(["graphgen", "--bogus"])


@pytest.mark.timeout(900)
def test_awkward_text_is_handled_and_every_row_is_supported(tmp_path, fakes_on_worker_path):
    """No sentence boundary, a one-sentence document, facts only in a list and a table, numbers with
    units, non-English text: the run finishes, and every row it keeps rests on its own evidence."""
    from synth_hf.steps.graphgen.verify import verify_row
    from synth_hf.text.support import contains_span

    corpus = [
        "Aspirin inhibits Cyclooxygenase and nobody ever put a full stop after it",  # no boundary
        "Metformin lowers Gluconeogenesis.",  # one sentence
        "Dosing:\n- Zorvatide 40 mg twice daily\n- Brevimast 600 mg once",  # a list
        "| Drug | Target |\n|---|---|\n| Ibuprofen | Cyclooxygenase |",  # a table
        "Insulin lowers Glucose by 30 % within 2 hours. Glucagon raises Glucose.",  # numbers and units
        "二甲双胍用于治疗糖尿病。胰岛素降低血糖。",  # Chinese
    ]
    result = run_graphgen(fake_config(str(tmp_path), corpus))
    ds = result.dataset
    assert len(ds) > 0 and result.summary["support"]["checked"] >= len(ds)
    sources = "\n".join(corpus)
    for row in ds:
        evidence = [e["sentence"] for e in row["evidence"]]
        assert evidence and all(" ".join(s.split()) in " ".join(sources.split()) for s in evidence)
        tf = {"tf_statement": row["question"].removeprefix("True or false: "), "tf_label": row["answer"].startswith("True")}
        assert verify_row({**row, **tf}) == "", row
        if row["mode"] not in ("aggregated", "true_false"):
            assert not contains_span(row["question"].split("\n")[0], row["answer_span"])


@pytest.mark.timeout(900)
def test_a_changed_input_in_the_same_run_folder_is_recomputed_not_replayed(tmp_path, fakes_on_worker_path):
    # distilabel's cache knows the pipeline, not its input: a second run with fewer documents in the same
    # folder once replayed the old batches and saved an empty dataset over the finished one
    corpus = ["Aspirin inhibits Cyclooxygenase. Aspirin treats Headache.",
              "Metformin lowers Glucose. Metformin treats Diabetes."]  # fmt: skip
    first = run_graphgen(fake_config(str(tmp_path / "same"), corpus))
    second = run_graphgen(fake_config(str(tmp_path / "same"), corpus[:1]))
    fresh = run_graphgen(fake_config(str(tmp_path / "fresh"), corpus[:1]))
    assert len(first.dataset) > len(second.dataset) > 0
    assert sorted(second.dataset["question"]) == sorted(fresh.dataset["question"])
