"""Input readers: corpora and tables from local files or the Hub, as ``datasets.Dataset``."""

from synth_hf.io.readers import ReadStats, load_table, load_text_dataset

__all__ = ["ReadStats", "load_table", "load_text_dataset"]
