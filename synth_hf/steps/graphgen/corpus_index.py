"""The graph's entity names and types, and the corpus sentences that mention a name (read once per step)."""

import re
from collections import defaultdict
from pathlib import Path

from synth_hf.text.sentences import sentence_texts
from synth_hf.text.spans import category_of
from synth_hf.text.support import normalize_span, span_pattern


class CorpusIndex:
    """Entity names/types of the graph and the corpus sentences that mention a name (inverted index on
    the name's first word), read from the merge step's graph folder. An entity's type is what the corpus
    says it is (`category_of`: "disease", "town"), else the extraction's label."""

    def __init__(self, graph_dir: str | None) -> None:
        self.pool: list[tuple[str, str]] = []
        self.types: dict[str, str] = {}
        self.names: dict[str, str] = {}  # node id -> name
        self._sentences: list[str] = []
        self._categories: dict[str, str] = {}
        self._by_word: dict[str, list[int]] = defaultdict(list)
        if not graph_dir or not (Path(graph_dir) / "nodes.parquet").exists():
            return
        import pyarrow.parquet as pq

        chunks = Path(graph_dir) / "chunks.parquet"
        if chunks.exists():
            for chunk in pq.read_table(chunks, columns=["text"]).to_pylist():
                self.add_text(chunk["text"] or "")
        for row in pq.read_table(Path(graph_dir) / "nodes.parquet").to_pylist():
            name = row.get("name") or row.get("id") or ""
            kind = row.get("entity_type") or ""
            # what the corpus says the entity is beats the extraction's type label, and never equals one:
            # the 270M model labelled the company "Lumera Pharma" DRUG ("Zorvatide is manufactured by Quenamycin")
            kind = self.category(name) or ("" if kind in ("", "UNKNOWN") else f"extracted:{kind}")
            self.pool.append((name, kind))
            self.types[normalize_span(name)] = kind
            self.names[str(row.get("id", name))] = name

    def add_text(self, text: str) -> None:
        """Index the sentences of `text` (a chunk)."""
        for sentence in sentence_texts(text):
            idx = len(self._sentences)
            self._sentences.append(sentence)
            for word in set(normalize_span(sentence).split()):
                self._by_word[word].append(idx)

    def category(self, name: str) -> str:
        """What the corpus says `name` is (`category_of` over the sentences mentioning it; '' when none
        says), computed once per name."""
        key = normalize_span(name)
        if key not in self._categories:
            self._categories[key] = category_of(name, self.sentences_mentioning(name))
        return self._categories[key]

    def sentences_mentioning(self, name: str) -> list[str]:
        words = normalize_span(name).split()
        if not words:
            return []
        key = f" {' '.join(words)} "
        return [s for i in self._by_word.get(words[0], []) if key in f" {normalize_span(s := self._sentences[i])} "]

    def cloze_rivals(self, sentence: str, span: str) -> list[str]:
        """Other fillers of the blank when `span` is blanked in `sentence`: what fills the same frame in
        another corpus sentence ("Ostravirus was first isolated in ____." takes "1987" and "the town of
        Harnveld"), so the cloze has more than one right answer. [] when the frame is unique or the span is
        not in the sentence."""
        m = span_pattern(span).search(sentence) if span.strip() else None
        if not m:
            return []
        head, tail = sentence[: m.start()].strip(), sentence[m.end() :].strip()
        if not head and not tail:
            return []
        frame = re.compile(rf"^\s*{re.escape(head)}\s*(.+?)\s*{re.escape(tail.rstrip('.!?'))}[.!?]?\s*$", re.IGNORECASE)
        first = normalize_span(head or tail).split()
        pool = (self._sentences[i] for i in self._by_word.get(first[0], [])) if first else iter(self._sentences)
        own = normalize_span(span)
        return sorted({m.group(1) for s in pool if s != sentence and (m := frame.match(s))
                       and normalize_span(m.group(1)) != own})  # fmt: skip
