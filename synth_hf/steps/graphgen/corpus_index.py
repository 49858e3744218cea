"""The graph's entity names and types, and the corpus sentences that mention a name (read once per step)."""

from collections import defaultdict
from pathlib import Path

from synth_hf.text.sentences import sentence_texts
from synth_hf.text.support import normalize_span


class CorpusIndex:
    """Entity names/types of the graph and the corpus sentences that mention a name (inverted index on
    the name's first word), read from the merge step's graph folder."""

    def __init__(self, graph_dir: str | None) -> None:
        self.pool: list[tuple[str, str]] = []
        self.types: dict[str, str] = {}
        self.names: dict[str, str] = {}  # node id -> name
        self._sentences: list[str] = []
        self._by_word: dict[str, list[int]] = defaultdict(list)
        if not graph_dir or not (Path(graph_dir) / "nodes.parquet").exists():
            return
        import pyarrow.parquet as pq

        for row in pq.read_table(Path(graph_dir) / "nodes.parquet").to_pylist():
            kind = row.get("entity_type") or ""
            kind = "" if kind == "UNKNOWN" else kind
            name = row.get("name") or row.get("id") or ""
            self.pool.append((name, kind))
            self.types[normalize_span(name)] = kind
            self.names[str(row.get("id", name))] = name
        chunks = Path(graph_dir) / "chunks.parquet"
        if chunks.exists():
            for chunk in pq.read_table(chunks, columns=["text"]).to_pylist():
                for sentence in sentence_texts(chunk["text"] or ""):
                    idx = len(self._sentences)
                    self._sentences.append(sentence)
                    for word in set(normalize_span(sentence).split()):
                        self._by_word[word].append(idx)

    def sentences_mentioning(self, name: str) -> list[str]:
        words = normalize_span(name).split()
        if not words:
            return []
        key = f" {' '.join(words)} "
        return [s for i in self._by_word.get(words[0], []) if key in f" {normalize_span(s := self._sentences[i])} "]
