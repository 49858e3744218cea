"""synth_hf: synthetic SFT data from corpora (GraphGen) or seeds (AIDE) as distilabel pipelines."""

__version__ = "0.1.0"
