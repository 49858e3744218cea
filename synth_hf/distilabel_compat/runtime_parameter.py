"""distilabel 1.5.3's `RuntimeParameter` alias, redeclared so pydantic has nothing to warn about.

Upstream declares `RuntimeParameter = Annotated[Union[T, None], Field(default=None), marker]`: the
`Field(default=None)` gives a bare `x: RuntimeParameter[int]` its None default, which distilabel
reads as "mandatory at run time". Its own classes also write `Optional[RuntimeParameter[X]] =
Field(...)`; there the alias sits inside a union, its `Field(default=None)` has no effect (the outer
`Field` decides), and pydantic >= 2.12 says so with an `UnsupportedFieldAttributeWarning` for each
such class as `distilabel.models` is imported — twice on every command that loads an engine.

`install()` swaps the alias, before distilabel's model and step modules import it, for one whose
default is carried by `RuntimeDefault`, a `FieldInfo` subclass: a bare field gets its None default
exactly as before, and in the nested case pydantic ignores it without a warning (it checks only
plain `FieldInfo` objects for field-only attributes there). Nothing else changes; the marker stays
last, where distilabel's `_is_runtime_parameter` looks for it.
"""

from __future__ import annotations

import sys
from typing import Annotated, TypeVar, Union

from pydantic.fields import FieldInfo

# modules that take the alias at import: once one is loaded, swapping the alias changes nothing
_USERS = ("distilabel.models", "distilabel.steps", "distilabel.pipeline", "distilabel.llms")


class RuntimeDefault(FieldInfo):
    """The None default of a bare `RuntimeParameter[...]` field (a plain FieldInfo otherwise)."""


def install() -> bool:
    """Redeclare `distilabel.mixins.runtime_parameters.RuntimeParameter` (idempotent). Returns False
    when it is too late: a module that imports the alias was loaded before synth_hf."""
    from distilabel.mixins import runtime_parameters as rp

    if getattr(rp, "_synth_hf_quiet_alias", False):
        return True
    if any(name in sys.modules for name in _USERS):
        return False
    _T = TypeVar("_T")
    rp.RuntimeParameter = Annotated[
        Union[_T, None],  # noqa: UP007 - the same spelling as upstream's alias
        RuntimeDefault(default=None),
        rp._RUNTIME_PARAMETER_ANNOTATION,
    ]
    rp._synth_hf_quiet_alias = True
    return True
