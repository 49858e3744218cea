import json

import datasets
import pytest

from synth_hf.io import ReadStats, _files, load_table, load_text_dataset, readers
from synth_hf.text.chunking import content_hash


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_jsonl_with_ids_empty_rows_and_stats(tmp_path):
    src = _jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "a", "body": "First document."},
            {"id": "b", "body": "   \n "},
            {"id": "c", "body": None},
            {"id": "d", "body": "Second\r\ndocument."},
        ],
    )
    ds, stats = load_text_dataset(str(src), text_column="body", id_column="id")
    assert ds.column_names == ["doc_id", "text"]
    assert ds.to_list() == [
        {"doc_id": "a", "text": "First document."},
        {"doc_id": "d", "text": "Second\ndocument."},
    ]
    assert isinstance(stats, ReadStats)
    d = stats.to_dict()
    assert (d["rows_in"], d["docs_out"], d["empty_docs"], d["kind"]) == (4, 2, 2, "json")


def test_content_hash_ids_are_stable_and_exact_repeats_dropped(tmp_path):
    src = _jsonl(
        tmp_path / "c.jsonl", [{"text": "Alpha text."}, {"text": "Beta text."}, {"text": "Alpha text."}]
    )
    ds, stats = load_text_dataset(str(src))
    assert ds["doc_id"] == [content_hash("Alpha text."), content_hash("Beta text.")]
    assert stats.duplicate_docs == 1
    again, _ = load_text_dataset(str(src))
    assert again["doc_id"] == ds["doc_id"]


def test_csv_parquet_and_json_array(tmp_path):
    (tmp_path / "t.csv").write_text('text,x\nhello,1\n"multi\nline",2\n', encoding="utf-8")
    ds, _ = load_text_dataset(str(tmp_path / "t.csv"))
    assert ds["text"] == ["hello", "multi\nline"]

    datasets.Dataset.from_dict({"text": ["p1", "p2"], "n": [1, 2]}).to_parquet(str(tmp_path / "t.parquet"))
    ds, _ = load_text_dataset(str(tmp_path / "t.parquet"))
    assert ds["text"] == ["p1", "p2"]

    (tmp_path / "a.json").write_text(json.dumps([{"text": "j1"}, {"text": "j2"}]), encoding="utf-8")
    assert load_text_dataset(str(tmp_path / "a.json"))[0]["text"] == ["j1", "j2"]

    (tmp_path / "w.json").write_text(json.dumps({"version": 1, "data": [{"text": "w1"}]}), encoding="utf-8")
    assert load_text_dataset(str(tmp_path / "w.json"))[0]["text"] == ["w1"]


def test_non_utf8_bytes_are_replaced_and_counted(tmp_path):
    (tmp_path / "bad.jsonl").write_bytes(b'{"text": "caf\xe9 au lait"}\n{"text": "clean"}\n')
    ds, stats = load_text_dataset(str(tmp_path / "bad.jsonl"))
    assert ds["text"] == ["caf\ufffd au lait", "clean"]
    assert (stats.non_utf8_docs, stats.non_utf8_files) == (1, 1)

    (tmp_path / "bad.csv").write_bytes(b"text\nna\xefve\nok\n")
    ds, stats = load_text_dataset(str(tmp_path / "bad.csv"))
    assert ds["text"] == ["na\ufffdve", "ok"] and stats.non_utf8_docs == 1


def test_text_directory_sorted_one_doc_per_file(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "b.md").write_text("# B\n\nSecond file.", encoding="utf-8")
    (corpus / "a.txt").write_text("First file.", encoding="utf-8")
    (corpus / "sub" / "c.txt").write_bytes(b"Latin-1 \xe9t\xe9\r\n")
    (corpus / "empty.txt").write_text("  \n\n ", encoding="utf-8")
    (corpus / "notes.bin").write_bytes(b"\x00\x01")
    ds, stats = load_text_dataset(str(corpus))
    assert ds["text"] == ["First file.", "# B\n\nSecond file.", "Latin-1 \ufffdt\ufffd"]
    assert (stats.files, stats.empty_docs, stats.non_utf8_docs, stats.docs_out) == (4, 1, 1, 3)


def test_long_documents_split_at_paragraphs(tmp_path):
    paras = [f"Paragraph {i} " + "word " * 30 for i in range(20)]
    text = "\n\n".join(p.strip() for p in paras)
    _jsonl(tmp_path / "long.jsonl", [{"id": 7, "text": text}, {"id": 8, "text": "short"}])
    ds, stats = load_text_dataset(str(tmp_path / "long.jsonl"), id_column="id", max_doc_chars=500)
    parts = [r for r in ds if r["doc_id"].startswith("7#")]
    assert len(parts) > 1 and stats.split_docs == 1
    assert [r["doc_id"] for r in parts] == [f"7#{k}" for k in range(len(parts))]
    assert all(len(r["text"]) <= 500 and r["text"].startswith("Paragraph") for r in parts)
    assert "\n\n".join(r["text"] for r in parts) == text
    assert ds[-1] == {"doc_id": "8", "text": "short"}


def test_txt_streaming_blocks_match_whole_read(tmp_path, monkeypatch):
    text = ("Ünïcödé ✓ 漢字 line\r\n" * 50 + "\r\n") * 8  # multi-byte chars + CRLF across block edges
    (tmp_path / "big.txt").write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(_files, "BLOCK_BYTES", 7)
    ds, stats = load_text_dataset(str(tmp_path / "big.txt"), max_doc_chars=600)
    expected = _files.split_long(text.replace("\r\n", "\n").strip(), 600)
    assert ds["text"] == expected and stats.non_utf8_docs == 0 and stats.split_docs == 1
    assert all(len(t) <= 600 for t in ds["text"])


def test_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.jsonl"):
        load_text_dataset(str(tmp_path / "missing.jsonl"))
    with pytest.raises(FileNotFoundError, match="nothere"):
        load_text_dataset("./nothere")
    src = _jsonl(tmp_path / "c.jsonl", [{"body": "x", "id": 1}])
    with pytest.raises(ValueError, match=r"'text'.*\['body', 'id'\]"):
        load_text_dataset(str(src))
    with pytest.raises(ValueError, match="uid"):
        load_text_dataset(str(src), text_column="body", id_column="uid")
    empty = _jsonl(tmp_path / "e.jsonl", [{"text": " "}, {"text": ""}])
    with pytest.raises(ValueError, match="empty corpus"):
        load_text_dataset(str(empty))
    (tmp_path / "emptydir").mkdir()
    with pytest.raises(ValueError, match="empty corpus"):
        load_text_dataset(str(tmp_path / "emptydir"))


def test_hub_ids_go_through_load_dataset(monkeypatch):
    calls = []

    def fake_load(source, split=None, **kw):
        calls.append((source, split))
        return datasets.Dataset.from_dict({"content": ["hub doc"]})

    monkeypatch.setattr(readers.datasets, "load_dataset", fake_load)
    ds, stats = load_text_dataset("someone/corpus", text_column="content", split="validation")
    assert calls == [("someone/corpus", "validation")]
    assert ds["text"] == ["hub doc"] and stats.kind == "hub"
    assert load_table("someone/seeds", split="test")["content"] == ["hub doc"]

    def offline(source, split=None, **kw):
        raise ConnectionError("no network")

    monkeypatch.setattr(readers.datasets, "load_dataset", offline)
    with pytest.raises(FileNotFoundError, match="corpus"):
        load_text_dataset("corpus")


def test_load_table_keeps_columns(tmp_path):
    (tmp_path / "seeds.csv").write_text("question,answer\nq1,a1\nq2,a2\n", encoding="utf-8")
    ds = load_table(str(tmp_path / "seeds.csv"))
    assert ds.column_names == ["question", "answer"] and len(ds) == 2
    (tmp_path / "p.txt").write_text("A persona.\n", encoding="utf-8")
    assert load_table(str(tmp_path / "p.txt"))["text"] == ["A persona."]
    (tmp_path / "none.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(ValueError):
        load_table(str(tmp_path / "none.jsonl"))


def test_a_json_array_of_numbers_is_no_corpus(tmp_path):
    from synth_hf.io.readers import load_text_dataset

    path = tmp_path / "numbers.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(ValueError, match=r"numbers.json' holds int64 values, not text \(read as column 'text'\)"):
        load_text_dataset(str(path))
