"""Property tests for input readers: random bytes and broken files give rows or clear errors."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synth_hf.io.readers import load_table, load_text_dataset

CLEAR_ERRORS = (ValueError, FileNotFoundError)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(payload=st.binary(max_size=4000))
def test_random_bytes_as_text_file(tmp_path_factory, payload):
    path = tmp_path_factory.mktemp("txt") / "doc.txt"
    path.write_bytes(payload)
    try:
        ds, stats = load_text_dataset(str(path))
    except CLEAR_ERRORS as err:
        assert str(err)  # an empty corpus is refused with a message
        return
    assert len(ds) >= 1 and all(t.strip() for t in ds["text"])
    assert stats.docs_out == len(ds)


@SETTINGS
@given(payload=st.binary(max_size=2000), suffix=st.sampled_from([".jsonl", ".json", ".csv", ".parquet"]))
def test_random_bytes_as_table_files(tmp_path_factory, payload, suffix):
    path = tmp_path_factory.mktemp("tab") / f"data{suffix}"
    path.write_bytes(payload)
    for reader in (lambda: load_text_dataset(str(path)), lambda: load_table(str(path))):
        try:
            reader()
        except CLEAR_ERRORS as err:
            assert str(path.name) in str(err) or str(err)


@SETTINGS
@given(rows=st.lists(st.dictionaries(st.sampled_from(["text", "body", "id"]),
                                     st.one_of(st.text(max_size=50), st.integers(), st.none()),
                                     max_size=3), max_size=8))
def test_jsonl_rows_with_odd_columns(tmp_path_factory, rows):
    path = tmp_path_factory.mktemp("rows") / "rows.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    try:
        ds, _ = load_text_dataset(str(path))
    except CLEAR_ERRORS as err:
        assert "text" in str(err) or "empty" in str(err).lower() or str(err)
        return
    assert set(ds.column_names) >= {"doc_id", "text"}
