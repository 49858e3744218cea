"""CLI wiring: publish dry-run stages a card; bad arguments give clear errors, exit 2."""

import json

from datasets import Dataset

from synth_hf.cli import main
from synth_hf.hub import load_staged
from synth_hf.steps.common.format import qa_messages


def _run_dir(tmp_path, row_method=None, **summary):
    run = tmp_path / "run"
    rows = [
        {"messages": qa_messages("What lowers glucose?", "Metformin."), "mode": "atomic"},
        {"messages": qa_messages("What treats CAP?", "Amoxicillin."), "mode": "atomic"},
    ]
    Dataset.from_list([{**r, "method": row_method} if row_method else r for r in rows]).save_to_disk(str(run / "dataset"))
    (run / "summary.json").write_text(json.dumps({
        "stages": {"judge_0": {"in": 3, "out": 2, "dropped": {"ungrounded": 1}}},
        "models": {"synthesizer": "fake"},
        **summary,
    }))
    return run


def _card_head(staged):
    import yaml

    text = (staged / "README.md").read_text()
    return yaml.safe_load(text[4:].split("\n---\n", 1)[0]), text


def test_publish_dry_run_stages_card_and_data(tmp_path, capsys):
    run = _run_dir(tmp_path)
    assert main(["publish", str(run), "--method", "graphgen", "--license", "apache-2.0", "--dry-run"]) == 0
    staged = run / "hub"
    card = (staged / "README.md").read_text()
    assert "graphgen" in card and "synthetic" in card and "ungrounded" in card
    assert load_staged(staged)["train"]["mode"] == ["atomic", "atomic"]
    assert "nothing uploaded" in capsys.readouterr().out


def test_cli_errors_are_clear(tmp_path, capsys):
    assert main(["publish", str(tmp_path / "missing")]) == 2
    assert "no saved dataset" in capsys.readouterr().err
    assert main(["eval", "--out", str(tmp_path)]) == 2
    assert "--mcq" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "nope"), "--out", str(tmp_path / "o"), "--model", "/no/such/model"]) == 2
    assert "/no/such/model" in capsys.readouterr().err


def test_publish_without_method_names_the_runs_own(tmp_path, capsys):
    run = _run_dir(tmp_path, row_method="graphgen")
    assert main(["publish", str(run), "--dry-run"]) == 0, capsys.readouterr().err
    meta, card = _card_head(run / "hub")
    assert "using the **graphgen** method" in card and "synth-hf graphgen --config config.yaml" in card
    assert "graphgen" in meta["tags"] and "synth-hf synthetic" not in card
    assert main(["publish", str(run), "--method", "GraphGen", "--dry-run"]) == 0  # agrees, any case


def test_publish_without_method_reads_it_from_the_summary(tmp_path, capsys):
    run = _run_dir(tmp_path, method="aide", persona_pool={"license": "cc0-1.0"})
    assert main(["publish", str(run), "--dry-run"]) == 0, capsys.readouterr().err
    meta, card = _card_head(run / "hub")
    assert "synth-hf aide --config config.yaml" in card
    assert meta["license"] == "cc0-1.0"  # the persona pool's licence, as the workflow's card says


def test_publish_method_that_contradicts_the_rows_is_one_line(tmp_path, capsys):
    run = _run_dir(tmp_path, row_method="graphgen")
    assert main(["publish", str(run), "--method", "aide", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "--method aide contradicts" in err and str(run) in err and "graphgen" in err
    assert not (run / "hub").exists()  # nothing staged


def test_publish_without_any_method_asks_for_one(tmp_path, capsys):
    run = _run_dir(tmp_path)
    assert main(["publish", str(run), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass --method graphgen or --method aide" in err, err


def test_publish_with_a_damaged_summary_is_one_line(tmp_path, capsys):
    run = _run_dir(tmp_path, row_method="graphgen")
    (run / "summary.json").write_text("[]")
    assert main(["publish", str(run), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(run / "summary.json") in err, err


def test_publish_card_of_a_graphgen_run_reports_question_diversity_as_the_recipe_card(tmp_path, capsys):
    run = tmp_path / "run"
    rows = [{"messages": qa_messages(f"Fill in the blank: Drug {i} treats ____.", f"disease {i}"),
             "question": f"Fill in the blank: Drug {i} treats ____.", "method": "graphgen"} for i in range(6)]  # fmt: skip
    Dataset.from_list(rows).save_to_disk(str(run / "dataset"))
    (run / "summary.json").write_text(json.dumps({"stages": {}, "models": {"synthesizer": "fake"}}))
    assert main(["publish", str(run), "--dry-run"]) == 0, capsys.readouterr().err
    card = (run / "hub" / "README.md").read_text()
    assert "| self_bleu |" in card and "| distinct_2 |" in card and "high by design" in card


def test_publish_card_stage_table_counts_a_fan_out_stage_as_the_console_does(tmp_path, capsys):
    run = _run_dir(tmp_path)
    summary = json.loads((run / "summary.json").read_text())
    summary["stages"] = {"merge": {"in": 14, "out": 145, "dropped": {"merge_self_loop": 1}}}
    (run / "summary.json").write_text(json.dumps(summary))
    assert main(["publish", str(run), "--method", "graphgen", "--dry-run"]) == 0, capsys.readouterr().err
    card = (run / "hub" / "README.md").read_text()
    assert "| merge | 14 | 145 | 1 | merge_self_loop: 1 |" in card  # 14 chunks in, not 146


def test_card_of_a_run_whose_probe_carried_no_signal_says_so_beside_method_and_calibration(tmp_path, capsys):
    run = _run_dir(tmp_path, row_method="graphgen", calibration={"ece": 0.04},
                   probe_signal={"flat": True, "separation_auc": 0.47})  # fmt: skip
    assert main(["publish", str(run), "--dry-run"]) == 0, capsys.readouterr().err
    card = (run / "hub" / "README.md").read_text()
    note = "the trainee's yes/no probe did not separate true from false statements (AUC 0.47; 0.5 = chance)"
    assert card.count(note) == 2  # under the method and under the calibration table's lead-in
    assert "in graph order, not by the trainee's loss" in card
    plain = _run_dir(tmp_path / "p", row_method="graphgen", probe_signal={"flat": False, "separation_auc": 0.9})
    assert main(["publish", str(plain), "--dry-run"]) == 0
    assert "did not separate" not in (plain / "hub" / "README.md").read_text()


def test_publish_without_license_takes_the_embedded_models_licence_from_the_summary(tmp_path, capsys):
    # the fresh-user review: publish wrote `license: unknown` where the recipe's card for the same rows said gemma
    label = "openai:gemma-3-270m (embedded) via local vLLM server"
    run = _run_dir(tmp_path, row_method="graphgen", models={"synthesizer": label, "trainee": label})
    assert main(["publish", str(run), "--dry-run"]) == 0, capsys.readouterr().err
    meta, _ = _card_head(run / "hub")
    assert meta["license"] == "gemma"
    # a --license adds to the model's, never hides it: the stricter terms win
    assert main(["publish", str(run), "--license", "apache-2.0", "--dry-run"]) == 0
    meta, card = _card_head(run / "hub")
    assert meta["license"] == "gemma" and "apache-2.0" in card


def test_model_licenses_know_only_the_embedded_models():
    from synth_hf.summary import model_licenses

    models = {"synthesizer": "vllm:gemma-3-270m (embedded)", "trainee": "transformers:google/gemma-3-270m",
              "grader": "fake", "embedder": "all-MiniLM-L6-v2"}  # fmt: skip
    assert model_licenses({"models": models}) == ["gemma", "apache-2.0"]
    assert model_licenses({"models": {"synthesizer": "openai:Qwen/Qwen2.5-7B-Instruct"}}) == []
    assert model_licenses({}) == []


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("synth-hf: error: "), err
    return err


def test_publish_of_a_folder_without_a_dataset_names_it_and_what_is_expected(tmp_path, capsys):
    # the review: an empty folder surfaced datasets' "neither a `Dataset` directory nor a `DatasetDict` directory"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["publish", str(empty), "--dry-run"]) == 2
    err = _one_line_error(capsys)
    assert f"no saved dataset in {empty};" in err and "run folder with dataset/" in err and "save_to_disk" in err
    assert "DatasetDict" not in err
    (empty / "dataset").mkdir()  # a run folder whose dataset/ is empty
    assert main(["publish", str(empty), "--dry-run"]) == 2
    assert f"{empty} nor in its dataset/" in _one_line_error(capsys)
    afile = tmp_path / "rows.jsonl"
    afile.write_text("{}\n")
    assert main(["publish", str(afile), "--dry-run"]) == 2
    assert "a file, not a folder" in _one_line_error(capsys)
    assert not (empty / "hub").exists()


def test_publish_with_an_unknown_method_lists_the_valid_ones(tmp_path, capsys):
    run = _run_dir(tmp_path)  # rows without a method column: before, any --method was taken as is
    assert main(["publish", str(run), "--method", "bogus", "--dry-run"]) == 2
    err = _one_line_error(capsys)
    assert "--method 'bogus' is no known method: choose graphgen or aide" in err
    assert not (run / "hub").exists()
    assert main(["publish", str(tmp_path / "missing"), "--method", "bogus"]) == 2  # the cheap check comes first
    assert "no known method" in _one_line_error(capsys)


def test_publish_refuses_a_licence_that_is_no_hub_id(tmp_path, capsys):
    # the fresh-user review: --license bogus was staged as the card's licence (the Hub shows none)
    run = _run_dir(tmp_path)
    assert main(["publish", str(run), "--method", "graphgen", "--license", "bogus", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("synth-hf: error: --license 'bogus' is not a Hub licence id") and err.count("\n") == 1
    assert "repositories-licenses" in err and "'other'" in err
    assert not (run / "hub").exists()  # refused before staging
    assert main(["publish", str(run), "--method", "graphgen", "--license", "CC-BY-4.0", "--license", "other",
                 "--dry-run"]) == 0  # fmt: skip
    assert _card_head(run / "hub")[0]["license"] == "other"


def test_publish_card_takes_the_documents_licence_or_says_it_is_unknown(tmp_path, capsys):
    run = _run_dir(tmp_path, documents={"source": "docs/", "license": "cc-by-nc-4.0"})
    assert main(["publish", str(run), "--method", "graphgen", "--license", "apache-2.0", "--dry-run"]) == 0
    meta, card = _card_head(run / "hub")
    assert meta["license"] == "cc-by-nc-4.0" and "was not declared" not in card
    run = _run_dir(tmp_path / "b", documents={"source": "docs/", "license": None})
    assert main(["publish", str(run), "--method", "graphgen", "--license", "apache-2.0", "--dry-run"]) == 0
    meta, card = _card_head(run / "hub")
    assert meta["license"] == "other"  # the review: an undeclared corpus left the Hub id permissive
    assert "licence of the source documents (docs/) was not declared" in " ".join(card.split())
