"""GraphGen steps: load -> chunk -> extract -> merge -> quiz -> probe -> calibrate -> partition/plan ->
generate -> judge -> (dedup) -> format. One step per module, prompts in the `*_prompts` modules, one
file per QA mode in `modes/`.

The step classes load on first use (PEP 562): pure modules of this package (the mode registry, which the
config validates against) import without distilabel.
"""

from importlib import import_module
from typing import Any

_STEPS = {
    "CalibrationReport": "calibrate",
    "ChunkDocuments": "chunk",
    "ExtractKnowledge": "extract",
    "FormatGraphGen": "format",
    "GenerateQA": "generate",
    "JudgeGrounding": "judge",
    "LoadCorpus": "load",
    "MergeGraph": "merge",
    "PartitionAndPlan": "partition",
    "ProbeTrainee": "probe",
    "QuizUnits": "quiz",
}

__all__ = [
    "CalibrationReport", "ChunkDocuments", "ExtractKnowledge", "FormatGraphGen", "GenerateQA", "JudgeGrounding",
    "LoadCorpus", "MergeGraph", "PartitionAndPlan", "ProbeTrainee", "QuizUnits",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _STEPS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_STEPS[name]}"), name)
