"""The HTML run report of a fake-engine GraphGen run, checked in headless Chromium: it loads without
JS errors and shows the counts of the run; `synth-hf report` rebuilds it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from browser import load
from datasets import load_from_disk

from synth_hf.cli import main
from synth_hf.report import build_report
from synth_hf.report.collect import collect_run

SHOTS = Path("/tmp/synth_hf_report_shots")  # looked at by hand after a run


def _attr(dom: str, element_id: str, attr: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*\b{attr}="([^"]*)"', dom) or re.search(
        rf'\b{attr}="([^"]*)"[^>]*id="{element_id}"', dom
    )
    assert match, f"#{element_id} has no {attr}"
    return match.group(1)


@pytest.fixture(scope="module")
def page(graphgen_run):
    path = graphgen_run.run_dir / "report.html"
    assert path.exists(), "the run writes its report"
    SHOTS.mkdir(exist_ok=True)
    dom, errors = load(path, SHOTS / "graphgen.png")
    return dom, errors, json.loads((graphgen_run.run_dir / "summary.json").read_text())


def test_page_loads_without_errors_and_script_ran(page):
    dom, errors, _ = page
    assert errors == []
    assert "data-js-errors" not in dom
    assert 'data-ready="1"' in dom


def test_page_shows_the_run_counts(page, graphgen_run):
    dom, _, summary = page
    n = len(load_from_disk(str(graphgen_run.run_dir / "dataset")))
    assert n == summary["final_rows"] > 0
    assert _attr(dom, "row-count", "data-rows") == str(n)
    assert dom.count('<tr class="row"') == n
    assert _attr(dom, "row-status", "data-matching") == str(n)  # paging script counted them
    assert _attr(dom, "graph-size", "data-nodes") == str(summary["graph"]["nodes"])
    assert _attr(dom, "graph-size", "data-edges") == str(summary["graph"]["edges"])
    assert dom.count('class="kg-node"') >= 2
    assert dom.count('class="rel-bin"') >= 1  # reliability diagram
    assert re.search(r'data-figure="rows"><b>' + str(n) + "<", dom)
    stages = re.search(r'<table id="stages">(.*?)</table>', dom, re.DOTALL).group(1)
    assert stages.count("<tr>") == len(summary["stages"]) + 1
    for reason in summary["drops_by_reason"]:
        assert reason in dom
    for mode in {m for m in load_from_disk(str(graphgen_run.run_dir / "dataset"))["mode"]}:
        assert f'data-group="{mode}"' in dom
    assert "evidence" in dom  # GraphGen rows are shown beside the sentences they rest on


def test_run_folder_has_distilabel_files(graphgen_run):
    for name in ("pipeline.yaml", "pipeline.log", "config.yaml", "run.log"):
        assert (graphgen_run.run_dir / name).stat().st_size > 0, name
    assert "format_graphgen" in (graphgen_run.run_dir / "pipeline.yaml").read_text()


def test_cli_rebuilds_and_evidence_column_is_rendered(graphgen_run, tmp_path, capsys):
    out = tmp_path / "again.html"
    assert main(["report", str(graphgen_run.run_dir), "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out and out.stat().st_size > 1000
    # rows that carry `evidence` and a summary with `support_rate` (the grounded pipeline) are shown
    data = collect_run(graphgen_run.run_dir)
    row = {
        "question": "Q?",
        "answer": "A",
        "mode": "atomic",
        "evidence": [{"chunk_id": "c1", "sentence": "S one."}],
    }
    from synth_hf.report.collect import _table_row

    shown = _table_row(0, row, {}, {})
    assert shown["evidence_kind"] == "evidence" and shown["evidence"] == [{"ref": "c1", "text": "S one."}]
    data["support_rate"] = {"overall": 0.75, "per_mode": {"atomic": 0.5}}
    from synth_hf.report.page import render_page

    html = render_page(data)
    assert 'data-figure="support_rate"><b>75 %<' in html and "atomic" in html
    support = re.search(r'<table class="support">(.*?)</table>', html, re.DOTALL).group(1)
    assert "<td class='n'>75 %</td>" in support and "<td class='n'>50 %</td>" in support
    data["support_rate"] = {"overall": 1.0, "per_mode": {"atomic": 1.0, "true_false": 0.991}}
    html = render_page(data)
    assert 'data-figure="support_rate"><b>100 %<' in html and "99.1 %" in html  # not "1"


def test_not_a_run_is_a_clear_error(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 2
    assert "not a finished synth_hf run" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError):
        build_report(tmp_path)


def test_empty_run_degrades_to_a_page(tmp_path):
    from datasets import Dataset

    Dataset.from_dict({"question": [], "answer": []}).save_to_disk(str(tmp_path / "dataset"))
    Dataset.from_dict({"step": [], "reason": [], "row": []}).save_to_disk(str(tmp_path / "dropped"))
    (tmp_path / "summary.json").write_text(json.dumps({"method": "aide", "final_rows": 0, "stages": {}}))
    html = build_report(tmp_path).read_text()
    assert 'data-rows="0"' in html and "No row was dropped." in html and "no support rate" in html


@pytest.mark.parametrize(("text", "says"), [("[]", "holds a JSON list, not an object"), ("{not json", "is not valid JSON"),
                                            ('"x"', "holds a JSON str")])
def test_a_damaged_summary_is_a_one_line_error_naming_the_file(tmp_path, capsys, text, says):
    from datasets import Dataset

    Dataset.from_dict({"question": ["Q?"], "answer": ["A."]}).save_to_disk(str(tmp_path / "dataset"))
    (tmp_path / "summary.json").write_text(text)
    assert main(["report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("synth-hf: error:") and "Traceback" not in err and err.count("\n") == 1, err
    assert str(tmp_path / "summary.json") in err and says in err
    assert not (tmp_path / "report.html").exists()  # no page that says "No row was dropped"
    with pytest.raises(ValueError, match="summary"):
        build_report(tmp_path)
