"""One exception tree: input errors name the field, the offending rows and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

MAX_LISTED = 10


class HealthEquityError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(HealthEquityError, ValueError):
    """Bad input: carries the field (column or argument), the offending rows and what was expected.

    ``rows`` are numbered as the user numbers them: 1 is the first data row of a table.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        rows: Sequence[int] = (),
        expected: str | None = None,
        values: Sequence[Any] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.rows = tuple(int(r) for r in rows)
        self.expected = expected
        self.values = tuple(values)


def describe_rows(rows: Iterable[int], values: Iterable[Any] | None = None) -> str:
    """'rows 3, 7 and 12 more' or 'row 3 (value -1)': a short, readable list of offending rows."""
    rows = list(rows)
    shown = rows[:MAX_LISTED]
    if values is not None:
        vals = [v.item() if hasattr(v, "item") else v for v in list(values)[:MAX_LISTED]]
        parts = [f"{r} ({v!r})" for r, v in zip(shown, vals, strict=False)]
    else:
        parts = [str(r) for r in shown]
    text = ("row " if len(rows) == 1 else "rows ") + ", ".join(parts)
    if len(rows) > MAX_LISTED:
        text += f" and {len(rows) - MAX_LISTED} more"
    return text
