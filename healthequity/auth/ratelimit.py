"""Login rate limiting, per username and per client address, counted from the login attempts
stored in the database (so a restart does not reset it)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from healthequity.auth.errors import RateLimited
from healthequity.auth.models import LoginAttempt
from healthequity.store.database import utcnow


@dataclass(frozen=True)
class Limits:
    """At most ``per_username`` failures for one username and ``per_client`` from one client
    address within ``window``; then sign-in is refused until the oldest failure ages out."""

    per_username: int = 5
    per_client: int = 20
    window: dt.timedelta = dt.timedelta(minutes=15)


DEFAULT_LIMITS = Limits()


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _check(
    session: Session,
    column: InstrumentedAttribute[str],
    value: str,
    limit: int,
    now: dt.datetime,
    limits: Limits,
) -> int | None:
    since = now - limits.window
    recent = (column == value, LoginAttempt.at >= since, LoginAttempt.succeeded.is_(False))
    count = session.scalar(select(func.count(LoginAttempt.id)).where(*recent)) or 0
    if count < limit:
        return None
    oldest: dt.datetime | None = session.scalar(select(func.min(LoginAttempt.at)).where(*recent))
    assert oldest is not None
    wait = (_as_utc(oldest) + limits.window - now).total_seconds()
    return max(1, math.ceil(wait))


def check_allowed(
    session: Session,
    username: str,
    client: str,
    *,
    now: dt.datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Raise RateLimited if this username or client has failed too often recently."""
    now = now or utcnow()
    wait = _check(session, LoginAttempt.username, username, limits.per_username, now, limits)
    if wait is not None:
        raise RateLimited(
            f"too many failed sign-ins for {username!r}; try again in {_minutes(wait)}", wait
        )
    wait = _check(session, LoginAttempt.client, client, limits.per_client, now, limits)
    if wait is not None:
        raise RateLimited(
            f"too many failed sign-ins from this address; try again in {_minutes(wait)}", wait
        )


def _minutes(seconds: int) -> str:
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def record_attempt(
    session: Session, username: str, client: str, succeeded: bool, now: dt.datetime | None = None
) -> None:
    """Store one attempt (committed with the caller's transaction)."""
    session.add(
        LoginAttempt(username=username, client=client, at=now or utcnow(), succeeded=succeeded)
    )
    session.flush()
