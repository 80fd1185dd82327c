"""Checks of the values a user gives the tracker: each failure names the field and what was
expected, and is raised before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthequity.accountability.models import STATUSES
from healthequity.auth.models import Organisation
from healthequity.errors import InputError
from healthequity.indicators import Catalogue, load_catalogue


def text(value: Any, field: str, *, max_length: int, required: bool = True) -> str:
    """Stripped text, not empty when required, no longer than ``max_length``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(f"{field}: expected text, got {value!r}", field=field, expected="text")
    value = value.strip()
    if required and not value:
        raise InputError(f"{field}: must not be empty", field=field, expected="text")
    if len(value) > max_length:
        raise InputError(
            f"{field}: {len(value)} characters is too long (at most {max_length})",
            field=field,
            expected=f"at most {max_length} characters",
        )
    return value


def date(value: Any, field: str) -> dt.date | None:
    """A date from a date or a 'YYYY-MM-DD' string; None or '' for no date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{field}: {value!r} is not a date; expected YYYY-MM-DD",
            field=field,
            expected="YYYY-MM-DD",
            values=[value],
        ) from None


def date_order(start: dt.date | None, due: dt.date | None) -> None:
    """The due date may not come before the start date."""
    if start is not None and due is not None and due < start:
        raise InputError(
            f"due_date: {due.isoformat()} is before start_date {start.isoformat()}",
            field="due_date",
            expected=f"on or after {start.isoformat()}",
        )


def status(value: Any, field: str = "status") -> str:
    """One of the five statuses, written as the programme writes them."""
    if isinstance(value, str) and value.strip().lower() in STATUSES:
        return value.strip().lower()
    raise InputError(
        f"{field}: unknown status {value!r}; expected one of: {', '.join(STATUSES)}",
        field=field,
        expected=", ".join(STATUSES),
        values=[value],
    )


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    """The indicator catalogue that links are checked against (the shipped set)."""
    return load_catalogue()


def indicator_ids(values: Iterable[Any], field: str = "indicator_ids") -> list[str]:
    """Ids of the indicator catalogue, de-duplicated in order; unknown ids suggest close ones."""
    if isinstance(values, str):
        values = [values]
    found: list[str] = []
    known = catalogue()
    for value in values:
        ident = str(value).strip()
        try:
            known.get(ident)
        except InputError as err:
            raise InputError(
                f"{field}: {err.message}", field=field, expected=err.expected, values=[value]
            ) from None
        if ident not in found:
            found.append(ident)
    return found


def organisation(session: Session, name: Any, field: str) -> Organisation:
    """The organisation with this name (exact, or ignoring case and spacing)."""
    wanted = " ".join(str(name or "").split()).casefold()
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.name)))
    for org in orgs:
        if " ".join(org.name.split()).casefold() == wanted and wanted:
            return org
    known = ", ".join(o.name for o in orgs[:20]) or "none yet (an admin adds them)"
    more = f" and {len(orgs) - 20} more" if len(orgs) > 20 else ""
    raise InputError(
        f"{field}: unknown organisation {name!r}; known organisations: {known}{more}",
        field=field,
        values=[name],
    )


def organisations(session: Session, names: Any, field: str) -> list[Organisation]:
    """Several organisations by name, each once."""
    if names is None:
        return []
    if isinstance(names, str):
        names = [n for n in names.split(";") if n.strip()]
    found: list[Organisation] = []
    for name in names:
        org = organisation(session, name, field)
        if org not in found:
            found.append(org)
    return found


def known_fields(changes: dict[str, Any], allowed: Iterable[str], entity: str) -> None:
    """Refuse changes to fields that do not exist or cannot be changed."""
    allowed = list(allowed)
    for name in changes:
        if name not in allowed:
            raise InputError(
                f"{name}: not a field of {entity} that can be changed; "
                f"expected one of: {', '.join(allowed)}",
                field=name,
                expected=", ".join(allowed),
            )
