"""The annual report's narrative: one record per reporting year with its challenges, successes
and learning, entered in the tracker and read by the report.

Admins and editors (of any organisation: the narrative is the programme's, not one partner's)
may save it; viewers and visitors may not. Every save names the version it was made on
(optimistic locking) and leaves an audit entry per changed section, in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from healthequity.accountability import audit, locking
from healthequity.accountability import validation as check
from healthequity.accountability.errors import Conflict
from healthequity.auth.permissions import Actor, require_editor
from healthequity.errors import InputError
from healthequity.store.database import Base, utcnow

#: The narrative's sections, in the report's order.
SECTIONS = ("challenges", "successes", "learning")
#: Reporting years the tracker accepts.
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: Longest text of one section (characters).
MAX_TEXT = 20_000
ENTITY = "narrative"


class Narrative(Base):
    """The narrative of one reporting year: challenges, successes and learning."""

    __tablename__ = "narratives"
    __table_args__ = (CheckConstraint(f"year BETWEEN {FIRST_YEAR} AND {LAST_YEAR}", name="year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    challenges: Mapped[str] = mapped_column(Text, default="")
    successes: Mapped[str] = mapped_column(Text, default="")
    learning: Mapped[str] = mapped_column(Text, default="")
    updated_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def texts(self) -> dict[str, str]:
        """Section name -> text."""
        return {s: str(getattr(self, s)) for s in SECTIONS}


def reporting_year(value: Any) -> int:
    """A reporting year (a whole number from 2000 to 2100), or InputError naming ``year``."""
    text = str(value).strip()
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= LAST_YEAR:
        raise InputError(
            f"year: {value!r} is not a reporting year; expected a year from {FIRST_YEAR} "
            f"to {LAST_YEAR}",
            field="year",
            expected=f"a year from {FIRST_YEAR} to {LAST_YEAR}",
            values=[value],
        )
    return int(text)


def list_narratives(session: Session) -> list[Narrative]:
    """Every stored narrative, newest year first."""
    return list(session.scalars(select(Narrative).order_by(Narrative.year.desc())))


def get_narrative(session: Session, year: int) -> Narrative | None:
    """The narrative of reporting ``year`` (None when nothing has been written for it)."""
    return session.scalar(select(Narrative).where(Narrative.year == reporting_year(year)))


def save_narrative(
    session: Session,
    actor: Actor | None,
    year: int,
    *,
    challenges: str,
    successes: str,
    learning: str,
    version: int | None,
) -> Narrative:
    """Create or replace the narrative of ``year`` (admins and editors). ``version`` is the
    version the user opened (None or 0 for a year with no narrative yet); a stale one is
    refused with a Conflict that keeps the texts, and nothing is written."""
    year = reporting_year(year)
    actor = require_editor(actor, f"write the narrative of {year}")
    given = {"challenges": challenges, "successes": successes, "learning": learning}
    texts = {
        name: check.text(value, name, max_length=MAX_TEXT, required=False)
        for name, value in given.items()
    }
    found = get_narrative(session, year)
    if found is None:
        if version not in (None, 0):
            raise Conflict(
                f"narrative {year} was deleted after you opened it (you had version {version}); "
                f"your changes were not saved. Your changes: {_shown(texts)}",
                current_version=0,
                attempted=texts,
            )
        return _create(session, actor, year, texts)
    locking.check(session, ENTITY, found.id, version, found.version, texts)
    before = found.texts()
    if before == texts:
        return found
    for name, value in texts.items():
        setattr(found, name, value)
    found.updated_by = actor.display_name or actor.username
    found.updated_at = utcnow()
    locking.flush(session, ENTITY, Narrative, found.id, version, texts)
    audit.record(session, actor, "update", ENTITY, found.id, before, texts)
    return found


def _create(session: Session, actor: Actor, year: int, texts: dict[str, str]) -> Narrative:
    """Add the first narrative of ``year``; another user's first save that won the race turns
    into a Conflict (the year is unique), looked up on a fresh session as this one must roll
    back."""
    made = Narrative(year=year, updated_by=actor.display_name or actor.username, **texts)
    session.add(made)
    try:
        session.flush()
    except IntegrityError:
        with Session(session.get_bind()) as fresh:
            current = fresh.scalar(select(Narrative).where(Narrative.year == year))
            ident, now = (current.id, current.version) if current else (0, 0)
            raise locking.conflict(fresh, ENTITY, ident, 0, now, texts) from None
    audit.record(session, actor, "create", ENTITY, made.id, {}, {"year": year, **texts})
    return made


def _shown(texts: dict[str, str]) -> str:
    return "; ".join(f"{k} = {v!r}" for k, v in texts.items())
