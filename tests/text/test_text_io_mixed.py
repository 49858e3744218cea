"""Readers never lose input silently: every file of a folder is read (text, HTML without markup, tables
by column) or listed with a reason; unreadable files are named, line formats with the exact line."""

import bz2
import gzip
import json

import pytest

from synth_hf.evaluation import load_rows
from synth_hf.io import load_table, load_text_dataset
from synth_hf.io.html_text import html_to_text
from synth_hf.summary import format_summary

HTML = """<!doctype html><html><head><title>Insulin</title><style>p {color: red}</style>
<script>if (a < b) { alert("x"); }</script></head>
<body><h1>Insulin</h1><p>Insulin lowers blood&nbsp;glucose &amp; is injected.</p>
<ul><li>rapid</li><li>basal</li></ul></body></html>"""


def _mixed_folder(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# Metformin\n\nMetformin is first-line for type 2 diabetes.", encoding="utf-8")
    (folder / "b.html").write_text(HTML, encoding="utf-8")
    (folder / "c.jsonl").write_text(
        json.dumps({"text": "Amoxicillin treats pneumonia."}) + "\n" + json.dumps({"text": "Aspirin thins blood."}) + "\n",
        encoding="utf-8",
    )
    (folder / "d.rst").write_text("Warfarin\n========\n\nWarfarin needs INR checks.", encoding="utf-8")
    return folder


def test_folder_of_md_html_jsonl_rst_reads_all_four(tmp_path):
    # issue 10.4: this folder read only a.md, exited 0 and said nothing about the other three
    ds, stats = load_text_dataset(str(_mixed_folder(tmp_path)))
    texts = ds["text"]
    assert len(texts) == 5 and stats.files == 4 and stats.skipped_files == []
    assert texts[0].startswith("# Metformin") and texts[2].startswith("Warfarin\n====")
    assert texts[1] == "Insulin\n\nInsulin\n\nInsulin lowers blood\xa0glucose & is injected.\n\n- rapid\n- basal"
    assert texts[3:] == ["Amoxicillin treats pneumonia.", "Aspirin thins blood."]
    assert stats.kind == "text+json" and stats.html_files == 1


def test_unreadable_files_are_listed_with_a_reason_and_printed(tmp_path, capsys):
    from synth_hf.pipelines.graphgen import prepare_input
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    folder = _mixed_folder(tmp_path)
    (folder / "e.pdf").write_bytes(b"%PDF-1.4 ...")
    (folder / "README").write_text("no extension")
    (folder / "f.txt.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    (folder / ".hidden.md").write_text("secret")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]")
    ds, stats = load_text_dataset(str(folder))
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in stats.skipped_files}
    assert set(reasons) == {"e.pdf", "README", "f.txt.zst", ".hidden.md", ".git"}
    assert "unsupported file type .pdf" in reasons["e.pdf"] and "(no extension)" in reasons["README"]
    assert "decompress" in reasons["f.txt.zst"] and "hidden" in reasons[".git"]
    assert len(ds) == 5

    config = GraphGenConfig.model_validate({"input": {"source": str(folder)}, "run": {"output_dir": str(tmp_path)}})
    _, _, info = prepare_input(config)
    err = capsys.readouterr().err
    assert all(f"skipped {folder / name}" in err for name in ("e.pdf", "README")) and len(info["skipped_files"]) == 5
    summary = {"stages": {}, "final_rows": 0, "llm_calls": 0, "llm_tokens": 0, "llm_calls_per_row": None,
               "input": info}
    assert "input: 5 file(s) not read" in format_summary(summary)


def test_tables_of_several_formats_are_read_by_column(tmp_path):
    folder = tmp_path / "tables"
    folder.mkdir()
    (folder / "a.csv").write_text("body,n\nfrom csv,1\n", encoding="utf-8")
    (folder / "b.tsv").write_text("body\tn\nfrom tsv\t2\n", encoding="utf-8")
    (folder / "c.jsonl").write_text(json.dumps({"body": "from jsonl"}) + "\n", encoding="utf-8")
    ds, stats = load_text_dataset(str(folder), text_column="body")
    assert sorted(ds["text"]) == ["from csv", "from jsonl", "from tsv"] and stats.kind == "csv+json+tsv"
    (folder / "d.jsonl").write_text(json.dumps({"other": "x"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"'body' not found in .*d\.jsonl"):
        load_text_dataset(str(folder), text_column="body")


def test_compressed_text_is_decompressed(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(b"Gzipped text document."))
    (tmp_path / "b.html.bz2").write_bytes(bz2.compress(b"<p>Bzipped <i>page</i></p>"))
    ds, stats = load_text_dataset(str(tmp_path))
    assert ds["text"] == ["Gzipped text document.", "Bzipped page"] and stats.non_utf8_files == 0


def test_broken_line_formats_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "ok"}\n{"text": "ok too"}\n{"text": "broken\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.jsonl:3: invalid JSON"):
        load_text_dataset(str(bad))
    lst = tmp_path / "list.jsonl"
    lst.write_text('{"text": "ok"}\n\n["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"list\.jsonl:3: expected a JSON object, got list"):
        load_table(str(lst))
    csv = tmp_path / "bad.csv"
    csv.write_text('text,n\n"a",1\n"b",2,extra\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv:3: expected 2 fields like the header, found 3"):
        load_text_dataset(str(csv))
    # the evaluation files too
    with pytest.raises(ValueError, match=r"bad\.jsonl:3: invalid JSON"):
        load_rows(str(bad))
    with pytest.raises(ValueError, match=r"list\.jsonl:3: expected a JSON object"):
        load_rows(str(lst))
    with pytest.raises(FileNotFoundError, match="nope.jsonl"):
        load_rows(str(tmp_path / "nope.jsonl"))
    blank = tmp_path / "blank.json"
    blank.write_text("\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"blank\.json: the file is empty"):
        load_rows(str(blank))


def test_single_files_of_new_text_formats_and_clear_refusals(tmp_path):
    (tmp_path / "page.htm").write_text("<div>One</div><div>Two</div>", encoding="utf-8")
    assert load_text_dataset(str(tmp_path / "page.htm"))[0]["text"] == ["One\n\nTwo"]
    assert load_table(str(tmp_path / "page.htm"))["text"] == ["One\n\nTwo"]
    (tmp_path / "notes.pdf").write_bytes(b"%PDF")
    with pytest.raises(ValueError, match=r"notes\.pdf.*unsupported file type \.pdf"):
        load_text_dataset(str(tmp_path / "notes.pdf"))
    only_skipped = tmp_path / "pdfs"
    only_skipped.mkdir()
    (only_skipped / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(ValueError, match=r"empty corpus.*1 skipped.*x\.pdf"):
        load_text_dataset(str(only_skipped))


def test_load_table_refuses_mixed_folders_and_prints_skips(tmp_path, capsys):
    folder = _mixed_folder(tmp_path)
    with pytest.raises(ValueError, match="mixes file kinds"):
        load_table(str(folder))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "s.jsonl").write_text(json.dumps({"question": "q", "answer": "a"}) + "\n")
    (seeds / "notes.docx").write_bytes(b"PK")
    assert load_table(str(seeds))["question"] == ["q"]
    err = capsys.readouterr().err
    assert "skipped" in err and "notes.docx" in err and "unsupported file type .docx" in err


def test_html_to_text_handles_broken_markup():
    assert html_to_text("<p>unclosed <b>bold<p>next") == "unclosed bold\n\nnext"
    assert html_to_text("<pre>a  b\n  c</pre>") == "a  b\n  c"
    assert html_to_text("<table><tr><td>x</td><td>y</td></tr></table>") == "| x | y"
    assert html_to_text("") == ""


def test_a_corrupt_archive_is_one_clear_error_naming_the_file(tmp_path):
    from synth_hf.io.readers import load_text_dataset

    (tmp_path / "x.txt.gz").write_bytes(b"no gzip here")  # mislabelled: plain text with a .gz suffix
    (tmp_path / "a.txt").write_text("Aspirin inhibits Cyclooxygenase.\n")
    with pytest.raises(ValueError, match=r"x\.txt\.gz: not a valid \.gz file"):
        load_text_dataset(str(tmp_path))


def test_an_empty_line_file_says_it_is_empty(tmp_path):
    from synth_hf.io.readers import load_text_dataset

    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(ValueError, match="the file is empty"):
        load_text_dataset(str(tmp_path / "empty.jsonl"))


def test_a_binary_file_named_txt_is_skipped_with_a_reason(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "notes.txt").write_text("Zorvatide is made by Lumera Pharma.", encoding="utf-8")
    (folder / "blob.txt").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00" + bytes(range(256)) * 8)
    with gzip.open(folder / "packed.txt.gz", "wb") as fh:
        fh.write(b"\x00\x01binary")
    corpus, stats = load_text_dataset(str(folder))
    assert corpus["text"] == ["Zorvatide is made by Lumera Pharma."]
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in stats.skipped_files}
    assert set(reasons) == {"blob.txt", "packed.txt.gz"} and all("NUL bytes" in r for r in reasons.values())
    with pytest.raises(ValueError, match=r"cannot read 'blob.txt': binary content"):
        load_text_dataset(str(folder / "blob.txt"))


def test_random_bytes_without_nul_are_skipped_but_latin1_text_is_read(tmp_path):
    import random

    folder = tmp_path / "docs"
    folder.mkdir()
    rng = random.Random(0)
    (folder / "noise.txt").write_bytes(bytes(rng.randrange(1, 256) for _ in range(4000)))
    latin1 = "Die Ärztin verschrieb Zorvatide für zwölf Tage; später kam Übelkeit hinzu. " * 20
    (folder / "german.txt").write_bytes(latin1.encode("latin-1"))
    corpus, stats = load_text_dataset(str(folder))
    assert len(corpus) == 1 and corpus["text"][0].startswith("Die \ufffdrztin")
    reasons = {s["path"].rsplit("/", 1)[-1]: s["reason"] for s in stats.skipped_files}
    assert list(reasons) == ["noise.txt"] and "not UTF-8" in reasons["noise.txt"]


def test_graphgen_input_warns_of_non_utf8_and_names_empty_documents(tmp_path, capsys):
    from synth_hf.pipelines.graphgen import read_corpus
    from synth_hf.pipelines.graphgen_config import GraphGenConfig

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "genf.txt").write_bytes("Zorvatide wird in Genève hergestellt.".encode("latin-1"))
    (folder / "blank.txt").write_text("   \n")
    config = GraphGenConfig.model_validate({"input": {"source": str(folder)}})
    dataset, _ = read_corpus(config)
    err = capsys.readouterr().err
    assert len(dataset) == 1
    assert "1 empty document(s) skipped" in err and "1 document(s) are not valid UTF-8" in err


def test_a_folder_of_unreadable_files_lists_the_readable_kinds_once(tmp_path):
    from synth_hf.io.readers import load_text_dataset

    for i in range(3):
        (tmp_path / f"f{i}.bin").write_bytes(b"a\0b")
    with pytest.raises(ValueError, match="empty corpus") as err:
        load_text_dataset(str(tmp_path))
    message = str(err.value)
    assert message.count("readable:") == 1 and message.count("unsupported file type .bin") == 3
