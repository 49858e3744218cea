"""The recipes check what the user gave before anything slow or lasting happens: an --out that is a
file is one line (exit 2), not a traceback; bad input leaves no empty --out folder behind; the AIDE
recipe reads its documents before the local server starts. No pipeline or server runs here."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "recipes"))

import aide_medqa
import graphgen_medqa

from synth_hf.workflow import run_recipe

RECIPES = [(graphgen_medqa, "graphgen_medqa"), (aide_medqa, "aide_medqa")]


@pytest.fixture
def nothing_runs(monkeypatch):
    """The server and both pipelines fail the test if reached."""
    import synth_hf.pipelines.aide as aide_pipeline
    import synth_hf.pipelines.graphgen as graphgen_pipeline
    from synth_hf.runtime import shared_server

    def never(*_a, **_k):
        raise AssertionError("the server or a pipeline started before the inputs were checked")

    monkeypatch.setattr(shared_server, "shared_embedded_server", never)
    monkeypatch.setattr(graphgen_pipeline, "run_graphgen", never)
    monkeypatch.setattr(aide_pipeline, "run_aide", never)


@pytest.mark.parametrize(("recipe", "prog"), RECIPES)
def test_recipes_name_an_out_that_is_a_file_in_one_line(tmp_path, capsys, nothing_runs, recipe, prog):
    existing = tmp_path / "existing_file.txt"
    existing.write_text("not a folder\n")
    for out, said in [(existing, f"--out {existing} is a file, not a folder"),
                      (existing / "sub", f"--out {existing / 'sub'}: {existing} is a file, not a folder")]:  # fmt: skip
        assert run_recipe(recipe.main, ["--out", str(out)], prog=prog) == 2
        err = capsys.readouterr().err
        assert err.strip() == f"{prog}: error: {said}" and "Traceback" not in err
    assert existing.read_text() == "not a folder\n"


def test_run_recipe_reports_a_path_that_exists_in_one_line(tmp_path, capsys):
    def clash(_argv):
        (tmp_path / "f").write_text("x")
        (tmp_path / "f").mkdir()  # FileExistsError, as mkdir over a user's file raises

    assert run_recipe(clash, [], prog="recipe") == 2
    err = capsys.readouterr().err
    assert err.startswith("recipe: error: ") and "File exists" in err and len(err.strip().splitlines()) == 1


def test_recipes_leave_no_out_folder_when_an_input_is_bad(tmp_path, nothing_runs):
    out = tmp_path / "o"
    with pytest.raises((FileNotFoundError, ValueError), match="nope.jsonl"):
        graphgen_medqa.main(["--out", str(out), "--mcq", str(tmp_path / "nope.jsonl")])
    with pytest.raises(ValueError, match="no_model_here"):
        aide_medqa.main(["--out", str(out), "--base-model", str(tmp_path / "no_model_here")])
    assert not out.exists()


def test_aide_recipe_checks_its_documents_before_the_server(tmp_path, capsys, nothing_runs):
    out = tmp_path / "o"
    missing = tmp_path / "no" / "such" / "dir"
    assert run_recipe(aide_medqa.main, ["--out", str(out), "--documents", str(missing)], prog="aide_medqa") == 2
    err = capsys.readouterr().err.strip()
    assert err == f"aide_medqa: error: --documents: no such file or directory: '{missing}'"
    binary = tmp_path / "binary"
    binary.mkdir()
    (binary / "a.txt").write_bytes(b"\xbd\xff\x00\x01 not text")
    assert run_recipe(aide_medqa.main, ["--out", str(out), "--documents", str(binary)], prog="aide_medqa") == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("aide_medqa: error: --documents: empty corpus: no readable file") and str(binary) in err
    assert not out.exists()


def test_run_recipe_turns_library_progress_bars_off(monkeypatch):
    """A recipe or benchmark run through run_recipe is as quiet as the CLI: no datasets / hub /
    transformers progress bars (TRL's dataset maps and 'Loading weights' leaked into benchmark logs)."""
    import datasets
    import huggingface_hub

    from synth_hf.runtime.logs import LEVEL_ENV

    monkeypatch.delenv(LEVEL_ENV, raising=False)
    before = datasets.is_progress_bar_enabled(), huggingface_hub.utils.are_progress_bars_disabled()
    datasets.enable_progress_bars()
    huggingface_hub.utils.enable_progress_bars()
    seen = {}

    def main(argv):
        seen["datasets"] = datasets.is_progress_bar_enabled()
        seen["hub"] = huggingface_hub.utils.are_progress_bars_disabled()
        return 0

    try:
        assert run_recipe(main, [], prog="recipe") == 0
        assert seen == {"datasets": False, "hub": True}
    finally:  # as other tests found them
        datasets.enable_progress_bars() if before[0] else datasets.disable_progress_bars()
        huggingface_hub.utils.disable_progress_bars() if before[1] else huggingface_hub.utils.enable_progress_bars()
