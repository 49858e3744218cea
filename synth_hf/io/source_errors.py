"""Reading errors blamed on the setting that named the source (`input.source`, `seeds.source`, ...),
so a user of a config with several sources knows which one to fix."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class MissingColumnError(ValueError):
    """A table lacks the column a setting asked for (its message lists the columns found)."""


@contextlib.contextmanager
def blamed_on(setting: str, column_setting: str | None = None) -> Iterator[None]:
    """Re-raise a reader's FileNotFoundError / ValueError with `setting: ` before its message (a
    missing column with `column_setting: ` when given, e.g. `input.text_column`). Other errors pass."""
    try:
        yield
    except MissingColumnError as err:
        raise MissingColumnError(f"{column_setting or setting}: {err}") from None
    except FileNotFoundError as err:
        raise FileNotFoundError(f"{setting}: {err}") from None
    except ValueError as err:
        raise ValueError(f"{setting}: {err}") from None
