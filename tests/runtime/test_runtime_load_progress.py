"""Progress while models load (issue 12 item 1): elapsed time for an engine loading in the main
process, a "loading <engine>" row for a pipeline stage whose worker loads its engine, and TRL's
own training bar left on in quiet mode."""

from __future__ import annotations

import io
import time

from synth_hf.runtime import spinner
from synth_hf.runtime.progress import PREFIX, RunProgress
from synth_hf.runtime.spinner import track
from synth_hf.steps.common.ledger import Ledger


def test_heartbeat_prints_elapsed_lines_during_one_blocking_call():
    out = io.StringIO()
    with track("loading m", stream=out, tty=False, enabled=True, line_interval_s=0.1, heartbeat=True):
        time.sleep(0.6)  # one call that cannot advance the bar itself
    lines = out.getvalue().splitlines()
    assert lines[0] == f"{PREFIX} loading m: started" and lines[-1].startswith(f"{PREFIX} loading m: done, in ")
    assert any("running" in line and "elapsed" in line for line in lines[1:-1]), lines
    n = len(lines)
    time.sleep(0.3)
    assert len(out.getvalue().splitlines()) == n  # the heartbeat stopped with the call


def test_transformers_engine_load_shows_elapsed_time(tmp_path, monkeypatch, capsys):
    import torch
    import transformers

    from synth_hf.models.transformers_engine import TransformersEngine

    class Tok:
        pad_token, eos_token, padding_side = None, "</s>", "right"

    def slow_model(*args, **kwargs):
        time.sleep(0.5)
        return torch.nn.Linear(1, 1)

    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setattr(transformers.AutoTokenizer, "from_pretrained", lambda *a, **k: Tok())
    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", slow_model)
    monkeypatch.setenv(spinner.ENV, "1")
    monkeypatch.setattr(spinner, "LINE_INTERVAL_S", 0.1)
    TransformersEngine(model=str(tmp_path), device="cpu").load()
    err = capsys.readouterr().err
    assert f"{PREFIX} loading {tmp_path} (transformers): started" in err
    assert "elapsed" in err and f"{PREFIX} loading {tmp_path} (transformers): done, in " in err


def test_a_stage_loading_its_engine_shows_as_loading(tmp_path):
    ledger = Ledger(tmp_path)
    ledger.record("chunk", "k1", 3, 6)
    ledger.mark_loading("extract", "VLLMEngine:gemma")
    out = io.StringIO()
    progress = RunProgress(tmp_path, ["chunk", "extract"], {"extract": "chunk"}, stream=out, tty=False)
    rows = progress.snapshot()
    assert [r["stage"] for r in rows] == ["chunk", "extract"]
    assert rows[1]["loading"] == "VLLMEngine:gemma" and rows[1]["expected"] == 6
    progress.tick()
    assert "stage extract (2/2): loading VLLMEngine:gemma, 0:00 elapsed" in out.getvalue()
    time.sleep(0.3)
    ledger.mark_loading("extract", "VLLMEngine:gemma", done=True)
    assert ledger.loading()["extract"]["done"] and ledger.loading()["extract"]["load_s"] >= 0.3
    ledger.record("extract", "k1", 6, 6, usage={"calls": 6, "input_tokens": 60, "output_tokens": 60})
    row = progress.snapshot()[1]
    assert "loading" not in row and row["in"] == 6
    table = io.StringIO()
    with RunProgress(tmp_path, ["chunk", "extract", "merge"], stream=table, tty=True, poll_s=0.05):
        Ledger(tmp_path).mark_loading("merge", "FakeLLM:fake")
        time.sleep(0.3)
    assert "loading FakeLLM:fake" in table.getvalue()


def test_pipeline_steps_record_their_engine_load(graphgen_run):
    marks = Ledger(graphgen_run.run_dir / "ledger").loading()
    for step in ("extract", "quiz", "probe", "generate", "judge"):
        assert marks[step]["done"] is True and marks[step]["load_s"] >= 0, marks
        assert marks[step]["engine"].startswith("FakeLLM:")
    assert "chunk" not in marks  # steps without an engine load nothing


def test_trl_training_bar_stays_on_in_quiet_mode(tmp_path, monkeypatch):
    from synth_hf.runtime import logs

    monkeypatch.delenv(logs.LEVEL_ENV, raising=False)
    logs.install()
    import transformers  # noqa: F401  (its handlers are adopted by the next install)

    logs.install()
    from trl import SFTConfig

    args = SFTConfig(output_dir=str(tmp_path), use_cpu=True, report_to="none", bf16=False)
    assert args.disable_tqdm is False
