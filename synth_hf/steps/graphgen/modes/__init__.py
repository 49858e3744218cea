"""The registry of GraphGen QA modes: one file per mode, the mode list derived from what is registered.

Adding a mode is one new file with a `QAMode` subclass decorated with `@register` (imported below so it
registers) and a test; config validation, planning, generation, the support gate and the per-mode
summary all read the registry.
"""

from __future__ import annotations

from synth_hf.steps.graphgen.modes.base import PLANNERS, GenContext, QAMode, sentences, span_verdict

_REGISTRY: dict[str, QAMode] = {}


def register(cls: type[QAMode]) -> type[QAMode]:
    """Class decorator: register one instance of `cls` under `cls.name`. ValueError for an empty or
    taken name or an unknown planner."""
    if not cls.name or not cls.name.isidentifier():
        raise ValueError(f"a QA mode needs a name that is an identifier, got {cls.name!r}")
    if cls.name in _REGISTRY:
        raise ValueError(f"QA mode {cls.name!r} is already registered")
    if cls.planner not in PLANNERS:
        raise ValueError(f"QA mode {cls.name!r}: unknown planner {cls.planner!r}; known: {', '.join(PLANNERS)}")
    _REGISTRY[cls.name] = cls()
    return cls


def unregister(name: str) -> None:
    """Remove a registered mode (tests that register a toy mode clean up with this)."""
    _REGISTRY.pop(name, None)


def get_mode(name: str) -> QAMode:
    """The registered mode; KeyError naming the known modes otherwise."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown QA mode {name!r}; known: {', '.join(_REGISTRY)}") from None


def mode_names() -> tuple[str, ...]:
    """Registered mode names, in registration order."""
    return tuple(_REGISTRY)


def planned_by(planner: str) -> list[QAMode]:
    """The registered modes a planner plans, in registration order (fact modes rotate in this order)."""
    return [m for m in _REGISTRY.values() if m.planner == planner]


# Built-in modes, in the order they are planned and listed.
from synth_hf.steps.graphgen.modes import atomic, aggregated, multi_hop, cot, multiple_choice, true_false  # noqa: F401, I001

__all__ = ["PLANNERS", "GenContext", "QAMode", "get_mode", "mode_names", "planned_by", "register",
           "sentences", "span_verdict", "unregister"]  # fmt: skip
