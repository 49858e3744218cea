"""Flags and --set are applied before validation, in every config-driven command; recipe YAMLs load in
the CLI; errors are one line (the traceback only with -v); recipes use public API only."""

import ast
import json
from pathlib import Path

import pytest
import yaml

from synth_hf.cli import main
from synth_hf.cli.aide import load_aide_config
from synth_hf.config import RecipeConfig, TrainConfig, apply_dotted, load_config, parse_set
from synth_hf.pipelines.aide_config import AIDEConfig
from synth_hf.pipelines.graphgen_config import GraphGenConfig

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = ROOT / "recipes" / "configs"


def _yaml(path, data):
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


def _docs(tmp_path):
    docs = tmp_path / "docs.jsonl"
    docs.write_text(json.dumps({"text": "Metformin lowers blood glucose."}) + "\n", encoding="utf-8")
    return str(docs)


def _dry_graphgen(capsys, argv):
    capsys.readouterr()
    code = main(["graphgen", *argv, "--dry-run"])
    out, err = capsys.readouterr()
    assert code == 0, err
    _dry_graphgen.last_err = err
    return yaml.safe_load(out)


def test_graphgen_input_flag_supplies_a_missing_input_block(tmp_path, capsys):
    # issue 10.1: a YAML without `input:` failed with "input: Field required" before --input applied
    config = _yaml(tmp_path / "my.yaml", {"generation": {"modes": {"atomic": 2}}, "run": {"name": "from-yaml"}})
    docs = _docs(tmp_path)
    resolved = _dry_graphgen(capsys, ["--config", config, "--input", docs])
    assert resolved["input"]["source"] == docs and resolved["generation"]["modes"] == {"atomic": 2}
    resolved = _dry_graphgen(capsys, ["--config", config, "--set", f"input.source={docs}"])
    assert resolved["input"]["source"] == docs


def test_graphgen_accepts_recipe_configs(tmp_path, capsys):
    # issue 10.1: the README's own command failed with "recipe: Extra inputs are not permitted"
    docs = _docs(tmp_path)
    resolved = _dry_graphgen(capsys, ["--config", str(CONFIGS / "graphgen_medqa.yaml"), "--input", docs])
    assert resolved["recipe"]["train"]["epochs"] == 1.5 and resolved["input"]["source"] == docs
    assert "recipe: block is for recipes" in _dry_graphgen.last_err


def test_every_shipped_config_loads_in_its_command(tmp_path, capsys):
    docs = _docs(tmp_path)
    for path in sorted(CONFIGS.glob("*.yaml")):
        if path.name.startswith("graphgen"):
            _dry_graphgen(capsys, ["--config", str(path), "--input", docs])
        else:  # the aide command's own loader (its dry run would also load Hub persona pools)
            config = load_aide_config(str(path), ["seeds.num_seeds=null"], {"seeds.source": docs, "seeds.rows": None})
            assert config.seeds.source == docs


def test_flags_beat_set_beat_yaml(tmp_path, capsys):
    docs = _docs(tmp_path)  # a dry run reads the input
    config = _yaml(tmp_path / "c.yaml", {"input": {"source": docs}, "run": {"name": "yaml", "output_dir": "o"}})
    resolved = _dry_graphgen(capsys, ["--config", config, "--set", "run.name=set", "--set", "run.output_dir=s"])
    assert (resolved["run"]["name"], resolved["run"]["output_dir"]) == ("set", "s")
    resolved = _dry_graphgen(capsys, ["--config", config, "--set", "run.name=set", "--name", "flag", "--no-cache"])
    assert resolved["run"]["name"] == "flag" and resolved["run"]["use_cache"] is False


def test_graphgen_config_errors_are_one_clear_line(tmp_path, capsys):
    config = _yaml(tmp_path / "c.yaml", {"run": {"name": "x"}})
    assert main(["graphgen", "--config", config, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "--input SOURCE" in err and "Traceback" not in err and err.count("\n") == 1
    assert main(["graphgen", "--input", "d.jsonl", "--set", "partition.method=zigzag", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "partition.method" in err and "'zigzag'" in err and err.count("\n") == 1
    assert main(["graphgen", "--input", "d.jsonl", "--set", "nonsense", "--dry-run"]) == 2
    assert "key.path=value" in capsys.readouterr().err
    assert main(["graphgen", "--config", str(tmp_path / "missing.yaml"), "--dry-run"]) == 2
    assert "missing.yaml" in capsys.readouterr().err
    for bad in ("../..", "a/b", ".", ""):  # the run folder is output_dir/name: one folder, never elsewhere
        assert main(["graphgen", "--input", "d.jsonl", "--name", bad, "--dry-run"]) == 2
        err = capsys.readouterr().err
        assert "run name must be one folder name: not empty" in err and err.count("\n") == 1
        assert err.count('(got ') == 1  # the value once, not twice


def test_verbose_shows_the_traceback(tmp_path, capsys):
    assert main(["-v", "graphgen", "--dry-run"]) == 2
    assert "Traceback" in capsys.readouterr().err
    assert main(["graphgen", "--dry-run", "-v"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_aide_flags_and_set_apply_before_validation(tmp_path, capsys):
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps({"q": "Why is the sky blue?", "a": "Rayleigh scattering."}) + "\n")
    # no config at all: every required field from flags and --set
    code = main(["aide", "--seeds", str(seeds), "--set", "seeds.question_column=q", "--set",
                 "seeds.answer_column=a", "--set", "engine.engine=fake", "expansion.depth=1", "--dry-run"])
    assert code == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["children_per_node"] == {"1": 8}
    # --seeds replaces the config's inline rows instead of clashing with them
    code = main(["aide", "--config", str(CONFIGS / "aide_fake.yaml"), "--seeds", str(seeds),
                 "--set", "seeds.question_column=q", "--set", "seeds.answer_column=a", "--dry-run"])
    assert code == 0, capsys.readouterr().err
    assert main(["aide", "--dry-run"]) == 2
    assert "--seeds SOURCE" in capsys.readouterr().err


def test_shared_override_helpers():
    assert parse_set(["a.b=3", "c=[x, y]", "d=null", "e=x=y"]) == {"a.b": 3, "c": ["x", "y"], "d": None, "e": "x=y"}
    with pytest.raises(ValueError, match="key.path=value"):
        parse_set(["=3"])
    base = {"a": {"b": 1, "keep": 2}}
    out = apply_dotted(base, {"a.b": 5, "x.y.z": 1})
    assert out == {"a": {"b": 5, "keep": 2}, "x": {"y": {"z": 1}}} and base == {"a": {"b": 1, "keep": 2}}


def test_recipe_block_is_modelled_and_strict(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump({"seeds": {"rows": [{"question": "q", "answer": "a"}]},
                                    "recipe": {"num_seeds": 3, "train_steps": 7}}))
    config = load_config(path, AIDEConfig)
    assert config.recipe == RecipeConfig(num_seeds=3, train_steps=7)
    # the older flat keys are read into the `train:` block, with the recipe's own defaults
    assert config.recipe.train == TrainConfig(max_steps=7, epochs=3, batch_size=4)
    assert RecipeConfig.model_validate({"train": {"lr": 1e-3}}).train == TrainConfig(lr=1e-3, epochs=3, batch_size=4)
    with pytest.raises(ValueError, match="train_steps or train.max_steps"):
        RecipeConfig.model_validate({"train_steps": 3, "train": {"max_steps": 4}})
    path.write_text(yaml.safe_dump({"input": {"source": "x"}, "recipe": {"train_stepz": 7}}))
    with pytest.raises(ValueError, match=r"recipe\.train_stepz"):
        load_config(path, GraphGenConfig)
    assert load_config(None, GraphGenConfig, {"input.source": "x"}).input.source == "x"


def test_recipes_import_only_public_names():
    for script in sorted((ROOT / "recipes").glob("*.py")):
        tree = ast.parse(script.read_text(encoding="utf-8"))
        private = [
            f"{node.module}.{alias.name}"
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("synth_hf")
            for alias in node.names
            if alias.name.startswith("_")
        ]
        assert not private, f"{script.name} imports private names {private}"


def test_a_set_typo_is_blamed_on_the_set_flag_not_the_file(tmp_path, capsys):
    # fresh-user report: `--set generation.modez.atomic=2` was reported as an error of the YAML file
    config = str(CONFIGS / "graphgen_tiny.yaml")
    assert main(["graphgen", "--config", config, "--set", "generation.modez.atomic=2", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "--set generation.modez.atomic=2: generation.modez: unknown key" in err, err
    assert "did you mean 'modes'?" in err and "graphgen_tiny.yaml" not in err and err.count("\n") == 1
    # the same typo in the file is blamed on the file
    path = _yaml(tmp_path / "typo.yaml", {"input": {"source": "x"}, "generation": {"modez": {"atomic": 2}}})
    assert main(["graphgen", "--config", path, "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert f"{path}: generation.modez: unknown key" in err and "--set" not in err
    # a bad value from a flag names the flag
    assert main(["graphgen", "--config", config, "--limit", "0", "--dry-run"]) == 2
    assert "--limit: input.limit:" in capsys.readouterr().err
    # an AIDE typo given as a trailing override is blamed on that override (it is not a --set)
    seeds = tmp_path / "s.jsonl"
    seeds.write_text('{"question": "q?", "answer": "a"}\n')
    assert main(["aide", "--seeds", str(seeds), "expansion.dept=1", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "override expansion.dept=1: expansion.dept: unknown key (did you mean 'depth'?" in err, err


def test_train_flags_yaml_and_python_share_one_declaration(tmp_path):
    from synth_hf.cli import build_parser
    from synth_hf.cli.train import config_from_args

    parse = build_parser().parse_args
    args = parse(["train", "data", "--out", "o", "--num-train-epochs", "2", "--lora-r", "4", "--include-unverified"])
    assert config_from_args(args) == TrainConfig(dataset="data", out="o", epochs=2, lora_r=4, include_unverified=True)
    # every field has its flag; a YAML gives what the flags leave out, and flags beat --set beat the file
    path = _yaml(tmp_path / "train.yaml", {"out": "from-yaml", "lr": 0.001, "batch_size": 2})
    args = parse(["train", "--config", path, "--set", "batch_size=3", "--set", "lr=0.01", "--lr", "0.1"])
    assert config_from_args(args) == TrainConfig(out="from-yaml", lr=0.1, batch_size=3)
    assert TrainConfig.load(path).lr == 0.001
    with pytest.raises(ValueError, match=r"--lora-r: lora_r: Input should be greater than or equal to 1"):
        config_from_args(parse(["train", "d", "--out", "o", "--lora-r", "0"]))
    with pytest.raises(ValueError, match="--out DIR"):
        config_from_args(parse(["train", "d"]))
    assert TrainConfig(max_steps=5).lora_kwargs()["max_steps"] == 5


def test_a_field_without_a_flag_type_is_refused():
    import argparse

    from synth_hf.cli.args import add_field_flags

    with pytest.raises(TypeError, match=r"RecipeConfig\.licenses"):
        add_field_flags(argparse.ArgumentParser(), RecipeConfig, only=("licenses",))


def test_a_misspelt_block_a_folder_as_config_and_a_home_path_are_understood(tmp_path, capsys, monkeypatch):
    typo = tmp_path / "typo.yaml"
    typo.write_text("inptu:\n  source: x.jsonl\n")  # was: "graphgen needs an input", the typo never named
    assert main(["graphgen", "--config", str(typo), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "inptu: unknown key (did you mean 'input'?" in err and err.count("\n") == 1
    assert main(["graphgen", "--config", str(tmp_path), "--dry-run"]) == 2
    assert f"config {tmp_path} is a folder; give a YAML file" in capsys.readouterr().err
    monkeypatch.setenv("HOME", str(tmp_path))
    assert TrainConfig(out="~/adapter", raw_text="~/docs").out == str(tmp_path / "adapter")
    assert TrainConfig(out="~/adapter", raw_text="~/docs").raw_text == str(tmp_path / "docs")
