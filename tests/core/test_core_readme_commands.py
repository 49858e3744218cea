"""Every `synth-hf ...` command line printed in README.md runs: placeholders become small temp files,
and commands that would load a model or upload run with --dry-run (models: --no-prepare)."""

import re
import shlex
from pathlib import Path

import pytest
import yaml
from datasets import Dataset

from synth_hf.cli import main
from synth_hf.hub import stage_dataset
from synth_hf.steps.common.format import qa_messages

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

# what each command needs appended so it stays fast and offline; a new command in the README needs a rule
EXTRA_ARGS = {
    "models": ["--no-prepare"],
    "graphgen": ["--dry-run"],
    "aide": ["--dry-run"],
    "publish": ["--dry-run"],
    "train": ["--dry-run"],
    "eval": ["--dry-run"],
    "report": [],  # rebuilds report.html inside the (temporary) run folder
}


def readme_commands(text: str) -> list[str]:
    """`synth-hf` command lines of fenced blocks and inline code spans, comments removed."""
    commands = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL):
        joined = block.replace("\\\n", " ")
        commands += [line.split("  #")[0].strip() for line in joined.splitlines() if line.startswith("synth-hf ")]
    prose = re.sub(r"```.*?```", "", text, flags=re.DOTALL)
    commands += re.findall(r"`(synth-hf [^`]+)`", prose)
    return list(dict.fromkeys(c for c in commands if c))


def _placeholders(tmp_path: Path) -> dict[str, str]:
    rows = [{"messages": qa_messages("What lowers glucose?", "Metformin."), "mode": "atomic", "method": "graphgen"},
            {"messages": qa_messages("What treats CAP?", "Amoxicillin."), "mode": "atomic", "method": "graphgen"}]
    run = tmp_path / "run"
    Dataset.from_list(rows).save_to_disk(str(run / "dataset"))
    staged = stage_dataset(Dataset.from_list(rows), tmp_path / "hub", card_context={"method": "graphgen"})
    adapter = tmp_path / "adapter"
    adapter.mkdir()
    (adapter / "adapter_config.json").write_text("{}")
    corpus = tmp_path / "my_corpus.jsonl"
    corpus.write_text('{"text": "Metformin lowers blood glucose."}\n')
    tiny = yaml.safe_load((ROOT / "recipes" / "configs" / "graphgen_tiny.yaml").read_text(encoding="utf-8"))
    tiny["input"]["source"] = str(ROOT / tiny["input"]["source"])  # dry runs read the input
    saved_config = tmp_path / "config.yaml"
    saved_config.write_text(yaml.safe_dump(tiny), encoding="utf-8")
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text('{"question": "What lowers glucose?", "options": ["Metformin", "Aspirin"], "answer": 0}\n')
    return {
        "my_corpus.jsonl": str(corpus),
        "docs.jsonl": str(corpus),
        "seeds.jsonl": str(seeds),
        "outputs/graphgen_medqa/graphgen": str(run),
        "RUN_DIR": str(run),
        "outputs/graphgen_medqa/hub": str(staged),
        "adapter": str(adapter),
        "config.yaml": str(saved_config),  # a run folder's saved config (absolute input path, as runs save it)
    }


def _argv(command: str, placeholders: dict[str, str]) -> list[str]:
    args = shlex.split(command)[1:]
    out = []
    for arg in args:
        if arg in placeholders:
            arg = placeholders[arg]
        elif arg.startswith(("recipes/", "synth_hf/")):
            arg = str(ROOT / arg)
        out.append(arg)
    extra = EXTRA_ARGS.get(out[0])
    if extra is None:
        pytest.fail(f"README command {command!r}: add a rule for {out[0]!r} to EXTRA_ARGS")
    return out + [e for e in extra if e not in out]


def test_readme_commands_are_found():
    commands = readme_commands(README.read_text(encoding="utf-8"))
    used = {shlex.split(c)[1] for c in commands}
    assert {"graphgen", "aide", "publish", "train", "eval", "models"} <= used, commands


def test_every_readme_command_runs(tmp_path, monkeypatch, capsys):
    placeholders = _placeholders(tmp_path)
    monkeypatch.chdir(tmp_path)  # anything a command writes lands in the temp folder
    for command in readme_commands(README.read_text(encoding="utf-8")):
        argv = _argv(command, placeholders)
        code = main(argv)
        _, err = capsys.readouterr()
        assert code == 0, f"{command}\n-> {argv}\n{err[-2000:]}"
        assert "Traceback" not in err, command
