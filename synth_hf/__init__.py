"""synth_hf: synthetic SFT data from corpora (GraphGen) or seeds (AIDE) as distilabel pipelines."""

__version__ = "0.1.0"


def _quiet_runtime_parameter() -> None:
    # first thing in every process (workers too): distilabel's alias must be redeclared before
    # distilabel's model modules import it (see synth_hf.distilabel_compat.runtime_parameter)
    try:
        from synth_hf.distilabel_compat.runtime_parameter import install
    except (ImportError, RuntimeError):  # no distilabel, or another version: the pipelines say so
        return
    install()


_quiet_runtime_parameter()
