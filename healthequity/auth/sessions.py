"""Signed session cookies and CSRF tokens.

The cookie holds the user id, a CSRF token and a fingerprint of the password hash (so changing a
password signs out every other session), signed and timestamped with itsdangerous. It is
HttpOnly, SameSite=Lax, and Secure when the site is served over HTTPS. Every form post and every
other change must send the session's CSRF token (form field ``csrf_token`` or header
``X-CSRF-Token``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "healthequity_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SECRET_ENV = "HEALTHEQUITY_SECRET_KEY"
MAX_AGE = 8 * 60 * 60  # a working day


@dataclass(frozen=True)
class SessionData:
    """What a session cookie carries: the user (None before sign-in) and the CSRF token."""

    user_id: int | None
    csrf: str
    password_fingerprint: str = ""


def password_fingerprint(password_hash: str) -> str:
    """A short digest of the password hash: a changed password invalidates old sessions."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def secret_key() -> str:
    """$HEALTHEQUITY_SECRET_KEY, which a deployment must set (at least 32 characters)."""
    key = os.environ.get(SECRET_ENV, "")
    if len(key) < 32:
        raise RuntimeError(
            f"{SECRET_ENV} must be set to a random string of at least 32 characters "
            "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    return key


class SessionSigner:
    """Makes and reads session cookie values."""

    def __init__(self, secret: str, max_age: int = MAX_AGE) -> None:
        if len(secret) < 32:
            raise ValueError("the session secret must be at least 32 characters")
        self._serializer = URLSafeTimedSerializer(secret, salt="healthequity.session")
        self.max_age = max_age

    def new(self, user_id: int | None = None, password_hash: str = "") -> SessionData:
        """A fresh session (a new CSRF token every time, so signing in rotates it)."""
        fingerprint = password_fingerprint(password_hash) if password_hash else ""
        return SessionData(user_id, secrets.token_urlsafe(32), fingerprint)

    def dumps(self, data: SessionData) -> str:
        """The signed cookie value."""
        return self._serializer.dumps(
            {"u": data.user_id, "c": data.csrf, "p": data.password_fingerprint}
        )

    def loads(self, value: str | None) -> SessionData | None:
        """The session in a cookie value; None if missing, tampered with or expired."""
        if not value:
            return None
        try:
            raw: Any = self._serializer.loads(value, max_age=self.max_age)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("c"), str):
            return None
        user = raw.get("u")
        return SessionData(
            user if isinstance(user, int) else None, raw["c"], str(raw.get("p") or "")
        )


def csrf_matches(session: SessionData | None, token: str | None) -> bool:
    """True if ``token`` is this session's CSRF token (constant-time comparison)."""
    if session is None or not token:
        return False
    return hmac.compare_digest(session.csrf.encode(), token.encode())


def cookie_settings(*, https: bool, max_age: int = MAX_AGE) -> dict[str, Any]:
    """Keyword arguments for ``Response.set_cookie``: HttpOnly, SameSite=Lax, Secure on HTTPS."""
    return {
        "key": COOKIE_NAME,
        "max_age": max_age,
        "httponly": True,
        "samesite": "lax",
        "secure": https,
        "path": "/",
    }
