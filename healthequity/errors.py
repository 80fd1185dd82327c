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


class Problem:
    """One thing wrong with an input file: where (file, row as the user numbers it, column)
    and what (the bad value and what was expected)."""

    __slots__ = ("column", "expected", "file", "row", "value")

    def __init__(
        self,
        file: str,
        row: int | None,
        column: str | None,
        value: Any,
        expected: str,
    ) -> None:
        self.file, self.row, self.column, self.value, self.expected = (
            file,
            row,
            column,
            value,
            expected,
        )

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        value = "" if self.value is None else f"{self.value!r}: "
        return f"{', '.join(where)}: {value}expected {self.expected}"

    def __repr__(self) -> str:
        return f"Problem({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class FileRejected(InputError):
    """A file with problems, all of them listed; nothing from it was written."""

    def __init__(self, file: str, problems: Sequence[Problem]) -> None:
        self.file = file
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        count = len(self.problems)
        super().__init__(
            f"{file}: rejected, {count} problem{'s' if count != 1 else ''}; nothing was loaded:\n"
            f"{shown}{more}",
            field=self.problems[0].column if self.problems else None,
            rows=[p.row for p in self.problems if p.row is not None],
        )
