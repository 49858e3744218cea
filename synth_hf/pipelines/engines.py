"""One engine instance per role per run, built in one place for both pipeline builders.

Every step of a role gets the same engine object. distilabel pickles each step into its worker,
so the workers hold copies of one engine: a run budget (`max_calls`, `max_tokens_total`,
`max_cost_usd`; the `openai` engine keeps it in one shared file chosen when the engine is built)
therefore caps the whole run, not each stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from synth_hf.config import EngineConfig


@dataclass
class RunEngines:
    """`engines[role]`: the engine (a SynthLLM); `labels[role]`: its provenance name
    ("<engine kind>:<model it really runs>"); `aliases[role]`: the role whose engine it shares."""

    engines: dict[str, Any]
    labels: dict[str, str]
    aliases: dict[str, str]

    def __getitem__(self, role: str) -> Any:
        return self.engines[role]

    def own(self, role: str) -> Any | None:
        """The role's engine when it has one of its own, else None (it shares another role's)."""
        return None if role in self.aliases else self.engines[role]


def engine_label(config: EngineConfig, llm: Any) -> str:
    """Provenance name of an engine: kind and the model it really runs."""
    return f"{config.engine}:{llm.model_name}"


def _problems(err: ValueError) -> str:
    """One line for an engine's validation error: `field: message; ...`."""
    if isinstance(err, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'options'}: {e['msg']}" for e in err.errors()
        )
    return " ".join(str(err).split())


def build_engines(roles: dict[str, EngineConfig | str]) -> RunEngines:
    """Build each role's engine once and run its `preflight` checks (device, model reference;
    nothing is loaded). A role given as another role's name (a str) shares that role's engine
    (e.g. an AIDE grader without its own config uses the synthesizer's).

    Raises:
        ValueError: an engine's options are invalid or its device/model cannot work here; the
            message names the role and the engine (`synthesizer engine vllm: batch_size: ...`).
    """
    engines: dict[str, Any] = {}
    labels: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for role, spec in roles.items():
        if isinstance(spec, EngineConfig):
            try:
                engines[role] = spec.build()
                engines[role].preflight()
            except ValueError as err:
                named = f"{spec.engine}:{spec.model}" if spec.model else spec.engine
                who = role if role.endswith("engine") else f"{role} engine"  # AIDE's roles: engine, grader_engine
                raise ValueError(f"{who} {named}: {_problems(err)}") from err
            labels[role] = engine_label(spec, engines[role])
    for role, spec in roles.items():
        if isinstance(spec, str):
            if spec not in engines:
                raise ValueError(f"engine role {role!r} refers to {spec!r}, which has no engine config")
            engines[role], labels[role], aliases[role] = engines[spec], labels[spec], spec
    return RunEngines(engines, labels, aliases)
