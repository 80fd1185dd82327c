"""Optimistic locking: a save names the version it was made on; if the record has changed since,
the save is refused with a message saying who changed it and when, and nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from healthequity.accountability import audit
from healthequity.accountability.errors import Conflict


def conflict(
    session: Session,
    entity: str,
    entity_id: int,
    mine: int,
    current: int,
    attempted: Mapping[str, Any],
) -> Conflict:
    """The Conflict for a save made on version ``mine`` of a record now at ``current``."""
    last = audit.last_change(session, entity, entity_id)
    who = ""
    if last is not None:
        when = last.at.strftime("%Y-%m-%d %H:%M")
        who = f" by {last.actor} at {when} UTC"
    shown = "; ".join(f"{k} = {audit.audit_value(v)!r}" for k, v in attempted.items())
    return Conflict(
        f"{entity} {entity_id} was changed{who} after you opened it (you had version {mine}, "
        f"it is now version {current}); your changes were not saved: reload it and apply them "
        f"again. Your changes: {shown or 'none'}",
        current_version=current,
        attempted=attempted,
    )


def check(
    session: Session,
    entity: str,
    entity_id: int,
    mine: int | None,
    current: int,
    attempted: Mapping[str, Any],
) -> None:
    """Refuse a save whose version is not the record's current version."""
    if mine is None:
        raise Conflict(
            f"version: say which version of {entity} {entity_id} you are changing "
            f"(it is now version {current})",
            current_version=current,
            attempted=attempted,
        )
    if int(mine) != current:
        raise conflict(session, entity, entity_id, int(mine), current, attempted)


def flush(
    session: Session,
    entity: str,
    model: Any,
    entity_id: int,
    mine: int | None,
    attempted: Mapping[str, Any],
) -> None:
    """Flush; a concurrent save that won the race (the guarded UPDATE matched no row) becomes
    a Conflict, looked up on a fresh session because this one must now roll back."""
    try:
        session.flush()
    except StaleDataError:
        with Session(session.get_bind()) as fresh:
            current = fresh.scalar(select(model.version).where(model.id == entity_id)) or 0
            raise conflict(fresh, entity, entity_id, int(mine or 0), current, attempted) from None
