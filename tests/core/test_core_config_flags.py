"""Flags and --set are applied before validation, in every config-driven command; recipe YAMLs load in
the CLI; errors are one line (the traceback only with -v); recipes use public API only."""

import ast
import json
from pathlib import Path

import pytest
import yaml

from synth_hf.cli import main
from synth_hf.config import RecipeConfig, apply_dotted, load_config, parse_set
from synth_hf.pipelines.aide_cli import load_aide_config
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
    assert resolved["recipe"]["train_epochs"] == 1.5 and resolved["input"]["source"] == docs
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
