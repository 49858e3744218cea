"""GraphGen steps: load -> chunk -> extract -> merge -> quiz -> probe -> calibrate -> partition/plan ->
generate -> judge -> (dedup) -> format. One step per module, prompts in the `*_prompts` modules."""

from synth_hf.steps.graphgen.calibrate import CalibrationReport
from synth_hf.steps.graphgen.chunk import ChunkDocuments
from synth_hf.steps.graphgen.extract import ExtractKnowledge
from synth_hf.steps.graphgen.format import FormatGraphGen
from synth_hf.steps.graphgen.generate import GenerateQA
from synth_hf.steps.graphgen.judge import JudgeGrounding
from synth_hf.steps.graphgen.load import LoadCorpus
from synth_hf.steps.graphgen.merge import MergeGraph
from synth_hf.steps.graphgen.partition import PartitionAndPlan
from synth_hf.steps.graphgen.probe import ProbeTrainee
from synth_hf.steps.graphgen.quiz import QuizUnits

__all__ = [
    "CalibrationReport",
    "ChunkDocuments",
    "ExtractKnowledge",
    "FormatGraphGen",
    "GenerateQA",
    "JudgeGrounding",
    "LoadCorpus",
    "MergeGraph",
    "PartitionAndPlan",
    "ProbeTrainee",
    "QuizUnits",
]
