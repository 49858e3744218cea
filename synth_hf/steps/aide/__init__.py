"""AIDE steps (one per file, prompt templates beside them) and their pure helpers."""

from synth_hf.steps.aide.annotate import AnnotateAndVerify
from synth_hf.steps.aide.extract import ExtractAttributes
from synth_hf.steps.aide.finalize import FormatAIDE
from synth_hf.steps.aide.hop_dedup import HopOrderedDedup
from synth_hf.steps.aide.persona_pool import GeneratePersonaPool
from synth_hf.steps.aide.plan import PlanHop
from synth_hf.steps.aide.plan_budget import BudgetedPlanHop
from synth_hf.steps.aide.reflect import SelfReflect
from synth_hf.steps.aide.reflect_answer_first import SelfReflectAnswerFirst
from synth_hf.steps.aide.retrieve import RetrievePersonas
from synth_hf.steps.aide.retrieve_evidence import RetrieveEvidence
from synth_hf.steps.aide.synthesize import SynthesizeChildren
from synth_hf.steps.aide.synthesize_answer_first import SynthesizeAnswerFirst

__all__ = [
    "AnnotateAndVerify",
    "BudgetedPlanHop",
    "ExtractAttributes",
    "FormatAIDE",
    "GeneratePersonaPool",
    "HopOrderedDedup",
    "PlanHop",
    "RetrieveEvidence",
    "RetrievePersonas",
    "SelfReflect",
    "SelfReflectAnswerFirst",
    "SynthesizeAnswerFirst",
    "SynthesizeChildren",
]
