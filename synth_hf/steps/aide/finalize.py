"""FormatAIDE: the TRL-ready `messages` column plus the provenance that rebuilds the seed->child
tree; internal working columns are removed."""

from typing import ClassVar

from distilabel.steps import StepInput
from distilabel.typing import StepOutput

from synth_hf.items import assistant_turn, user_turn
from synth_hf.steps.common.base import SynthStep
from synth_hf.steps.common.format import qa_messages

PROVENANCE = [
    "seed_id",
    "row_id",
    "parent_id",
    "hop",
    "branch",
    "operation",
    "attribute_triplet",
    "persona",
    "persona_score",
    "residual",
    "topic",
    "attributes",
    "extraction_raw",
    "relevance",
    "diversity",
    "reflection_attempts",
    "evidence",
    "answer_span",
    "generator",
    "question_rejected",
    "verified",
    "agreed",
    "agreement",
    "verification",
    "synth_model",
    "grader_model",
    "annotator_model",
]
CONTENT = ["question", "options", "answer", "answer_index"]


class FormatAIDE(SynthStep):
    is_leaf: ClassVar[bool] = True  # the output: an empty batch stays empty (no placeholder)
    use_memo: ClassVar[bool] = False  # cheap

    seed_format: str = "qa"
    system_prompt: str | None = None

    @property
    def inputs(self) -> list[str]:
        return CONTENT

    @property
    def outputs(self) -> list[str]:
        return ["messages", "method", *CONTENT, *PROVENANCE]

    def process(self, inputs: StepInput) -> StepOutput:  # type: ignore[override]
        out = []
        for row in inputs:
            if row["hop"] == 0:  # never happens (synthesis consumes seeds); guard the invariant
                continue
            user = user_turn(self.seed_format, row["question"], row["options"])
            answer = assistant_turn(self.seed_format, row["answer"], row["options"])
            out.append(
                {
                    "messages": qa_messages(user, answer, self.system_prompt),
                    "method": "aide",
                    **{k: row[k] for k in CONTENT + PROVENANCE},
                }
            )
        self.account(inputs, len(out))
        yield out
