"""Users: add, list, change role/organisations/active, set password, and sign in (with rate
limiting). Admin changes are audited and version-checked like the tracker's records (so this
sits above ``healthequity.auth``, which gives it the models, passwords and rate limits);
password hashes are never audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from healthequity.accountability import audit, locking
from healthequity.accountability import validation as check
from healthequity.accountability.errors import NotFound
from healthequity.auth import ratelimit
from healthequity.auth.models import ROLES, Role, User
from healthequity.auth.passwords import (
    DUMMY_HASH,
    MIN_LENGTH,
    hash_password,
    needs_rehash,
    verify_password,
)
from healthequity.auth.permissions import Actor, require_admin
from healthequity.errors import InputError

USER_FIELDS = ("display_name", "role", "organisations", "active")


def _role(value: Any) -> Role:
    try:
        return Role(str(value).strip().lower())
    except ValueError:
        raise InputError(
            f"role: unknown role {value!r}; expected one of: {', '.join(ROLES)}",
            field="role",
            expected=", ".join(ROLES),
            values=[value],
        ) from None


def _username(value: Any) -> str:
    name = check.text(value, "username", max_length=100)
    if any(ch.isspace() for ch in name):
        raise InputError(f"username: {name!r} contains spaces", field="username")
    return name.lower()


def _fields(user: User) -> dict[str, Any]:
    return {
        "display_name": user.display_name,
        "role": user.role,
        "organisations": [o.name for o in user.organisations],
        "active": user.active,
    }


def _check_scope(role: Role, organisations: Sequence[object]) -> None:
    if role is Role.EDITOR and not organisations:
        raise InputError(
            "organisations: an editor needs at least one organisation (--org)",
            field="organisations",
        )


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def get_user(session: Session, user_id: int) -> User:
    """The user with this id."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def find_user(session: Session, username: str) -> User | None:
    """The user with this username (case-insensitive), if any."""
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def create_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    organisations: Sequence[str] = (),
) -> User:
    """Add a user (admins and the command line); editors need at least one organisation."""
    actor = require_admin(actor, "add users")
    name = _username(username)
    if find_user(session, name) is not None:
        raise InputError(f"username: {name!r} is already taken", field="username")
    role_ = _role(role)
    orgs = check.organisations(session, list(organisations), "organisations")
    _check_scope(role_, orgs)
    user = User(
        username=name,
        display_name=check.text(display_name or name, "display_name", max_length=200),
        password_hash=hash_password(password),
        role=role_.value,
        active=True,
        organisations=orgs,
    )
    session.add(user)
    session.flush()
    after = {"username": name, **_fields(user), "password": "set"}
    audit.record(session, actor, "create", "user", user.id, {}, after)
    return user


def update_user(
    session: Session,
    actor: Actor | None,
    user_id: int,
    version: int | None,
    changes: Mapping[str, Any],
) -> User:
    """Change a user's display name, role, organisations or active flag (admins only)."""
    actor = require_admin(actor, "change users")
    user = get_user(session, user_id)
    check.known_fields(dict(changes), USER_FIELDS, "a user")
    locking.check(session, "user", user.id, version, user.version, changes)
    before = _fields(user)
    values = {**before, **changes}
    role_ = _role(values["role"])
    orgs = check.organisations(session, values["organisations"], "organisations")
    _check_scope(role_, orgs)
    if not isinstance(values["active"], bool):
        raise InputError(
            f"active: expected true or false, got {values['active']!r}", field="active"
        )
    user.display_name = check.text(values["display_name"], "display_name", max_length=200)
    user.role = role_.value
    user.organisations = orgs
    user.active = values["active"]
    locking.flush(session, "user", User, user.id, version, changes)
    audit.record(session, actor, "update", "user", user.id, before, _fields(user))
    return user


def set_password(session: Session, actor: Actor | None, user_id: int, password: str) -> User:
    """Set a user's password (the user themself, or an admin); old sessions stop working."""
    user = get_user(session, user_id)
    if actor is None or (actor.user_id != user.id and not actor.is_admin):
        require_admin(actor, "set another user's password")
    assert actor is not None
    user.password_hash = hash_password(password)
    session.flush()
    audit.record(
        session, actor, "update", "user", user.id, {"password": ""}, {"password": "changed"}
    )
    return user


def authenticate(
    session: Session,
    username: str,
    password: str,
    client: str,
    *,
    now: dt.datetime | None = None,
    limits: ratelimit.Limits = ratelimit.DEFAULT_LIMITS,
) -> User | None:
    """The active user with this username and password, or None (the caller says only "wrong
    username or password"); RateLimited after too many failures. The attempt is added to the
    caller's transaction, which must commit even when sign-in fails."""
    name = str(username or "").strip().lower()[:100]
    ratelimit.check_allowed(session, name, client, now=now, limits=limits)
    user = find_user(session, name) if name else None
    ok = verify_password(user.password_hash if user else DUMMY_HASH, password or "")
    ok = ok and user is not None and user.active
    ratelimit.record_attempt(session, name, client, ok, now)
    if not ok or user is None:
        return None
    if needs_rehash(user.password_hash) and len(password) >= MIN_LENGTH:
        user.password_hash = hash_password(password)
    return user
