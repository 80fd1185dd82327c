"""Who a request's session cookie says is signed in: shared by every part that has pages."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from healthequity.auth.models import User
from healthequity.auth.permissions import Actor, actor_for
from healthequity.auth.sessions import (
    COOKIE_NAME,
    SessionData,
    SessionSigner,
    password_fingerprint,
)
from healthequity.store.database import Database


@dataclass
class SignedIn:
    """The database and cookie signer of a part of the app, and who is signed in."""

    database: Database
    signer: SessionSigner

    def session_of(self, request: Request) -> SessionData | None:
        """The request's valid session cookie, if any."""
        return self.signer.loads(request.cookies.get(COOKIE_NAME))

    def user(self, session: Session, request: Request) -> User | None:
        """The signed-in, active user whose password has not changed since signing in."""
        data = self.session_of(request)
        if data is None or data.user_id is None:
            return None
        user = session.get(User, data.user_id)
        if user is None or not user.active:
            return None
        if password_fingerprint(user.password_hash) != data.password_fingerprint:
            return None
        return user

    def actor(self, session: Session, request: Request) -> Actor | None:
        """The signed-in actor, or None."""
        user = self.user(session, request)
        return actor_for(user) if user is not None else None
