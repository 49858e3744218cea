"""Generator step: the corpus, read once in the main process and saved under the run folder."""

from __future__ import annotations

from typing import Any

from distilabel.steps import GeneratorStep
from pydantic import Field, PrivateAttr


class LoadCorpus(GeneratorStep):
    """Yields `doc_id`, `text` rows from a `datasets` folder written by `build_graphgen`.

    `fingerprint` (the dataset's content fingerprint) is part of the step signature, so a changed
    corpus never reuses a stale cache even when the folder path is the same."""

    dataset_path: str
    fingerprint: str = Field(
        description="Content fingerprint of the corpus; invalidates the cache on change."
    )
    _rows: Any = PrivateAttr(None)

    @property
    def outputs(self) -> list[str]:
        return ["doc_id", "text"]

    def load(self) -> None:
        super().load()
        from datasets import Dataset

        self._rows = Dataset.load_from_disk(self.dataset_path)

    def process(self, offset: int = 0):  # type: ignore[override]
        total = len(self._rows)
        if total == 0:
            yield [], True
            return
        start = offset
        while start < total:
            stop = min(start + self.batch_size, total)
            batch = self._rows.select(range(start, stop)).to_list()
            self._logger.info(f"[graphgen] load: documents {start + 1}-{stop} of {total}")
            yield [{"doc_id": r["doc_id"], "text": r["text"]} for r in batch], stop >= total
            start = stop
