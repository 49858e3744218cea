"""Before/after evaluation of a base model and its LoRA adapter.

- multiple choice (MedQA-style): option log-likelihood given the question, batched;
- open questions: greedy answers scored with ROUGE-L and token F1;
- calibration: p(yes) on held-out yes/no statements -> ECE, Brier, NLL.

Prompts use the tokenizer's chat template, or `synth_hf.train.PLAIN_CHAT_TEMPLATE` for a base
model without one (the template `train_lora` trains with).
"""

from synth_hf.evaluation.data import load_rows, normalize_mcq, normalize_open, normalize_statements
from synth_hf.evaluation.report import compare, evaluate_model, report_markdown, write_report
from synth_hf.evaluation.scoring import LoadedModel, load_for_eval

__all__ = [
    "LoadedModel",
    "compare",
    "evaluate_model",
    "load_for_eval",
    "load_rows",
    "normalize_mcq",
    "normalize_open",
    "normalize_statements",
    "report_markdown",
    "write_report",
]
