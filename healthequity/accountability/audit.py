"""The append-only audit trail: one entry per changed field, written in the same transaction as
the change. Entries are only ever added; the session refuses to update or delete them."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from healthequity.accountability.models import AuditEntry
from healthequity.auth.permissions import Actor
from healthequity.errors import HealthEquityError
from healthequity.store.database import utcnow


class AuditTrailError(HealthEquityError):
    """An attempt to change or delete an audit entry."""


def audit_value(value: Any) -> str | None:
    """How a field's value is written in the trail: text, ISO dates, sorted lists."""
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple | set | frozenset):
        return ", ".join(sorted(str(v) for v in value))
    return str(value)


def record(
    session: Session,
    actor: Actor,
    operation: str,
    entity: str,
    entity_id: int,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
) -> list[AuditEntry]:
    """Add an entry for every field whose value differs between ``before`` and ``after``."""
    at = utcnow()
    entries = []
    for name in after:
        old, new = audit_value(before.get(name)), audit_value(after[name])
        if old == new and operation != "create":
            continue
        if operation == "create" and new in (None, ""):
            continue
        entries.append(
            AuditEntry(
                at=at,
                user_id=actor.user_id,
                actor=actor.username,
                operation=operation,
                entity=entity,
                entity_id=entity_id,
                field=name,
                before=old,
                after=new,
            )
        )
    session.add_all(entries)
    return entries


def entries(
    session: Session,
    *,
    entity: str | None = None,
    entity_id: int | None = None,
    exclude: Sequence[str] = (),
    limit: int = 500,
) -> list[AuditEntry]:
    """The newest entries first, optionally for one entity (and one record of it)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if entity is not None:
        query = query.where(AuditEntry.entity == entity)
    if entity_id is not None:
        query = query.where(AuditEntry.entity_id == entity_id)
    if exclude:
        query = query.where(AuditEntry.entity.not_in(list(exclude)))
    return list(session.scalars(query))


def last_change(session: Session, entity: str, entity_id: int) -> AuditEntry | None:
    """The newest entry for one record (who changed it last, and when)."""
    found = entries(session, entity=entity, entity_id=entity_id, limit=1)
    return found[0] if found else None


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, _context: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailError(
                "the audit trail is append-only: entries cannot be changed or deleted"
            )
