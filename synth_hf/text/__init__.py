"""Text utilities: chunking, language identification, lenient LLM-output parsers, near-duplicate detection."""

from synth_hf.text.chunking import (
    Chunk,
    chunk_document,
    content_hash,
    token_counter,
    whitespace_token_counter,
)
from synth_hf.text.language import detect_language
from synth_hf.text.parsing import (
    KGParse,
    ParseResult,
    QAParse,
    extract_json,
    parse_choice,
    parse_kg_records,
    parse_qa_pairs,
    parse_score,
    parse_yes_no,
)

# dedup pulls in numpy/datasketch: import it as synth_hf.text.dedup where needed
__all__ = [
    "Chunk",
    "KGParse",
    "ParseResult",
    "QAParse",
    "chunk_document",
    "content_hash",
    "detect_language",
    "extract_json",
    "parse_choice",
    "parse_kg_records",
    "parse_qa_pairs",
    "parse_score",
    "parse_yes_no",
    "token_counter",
    "whitespace_token_counter",
]
