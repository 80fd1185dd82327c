"""Why a request was refused: not signed in (401), not allowed (403), too many attempts (429)."""

from __future__ import annotations

from healthequity.errors import HealthEquityError


class AccessError(HealthEquityError):
    """Base of the refusals a signed-in check can give."""


class NotSignedIn(AccessError):
    """A change was asked for without signing in."""


class PermissionDenied(AccessError):
    """The signed-in user's role or organisations do not allow this."""


class SignInFailed(AccessError):
    """Wrong username or password (the message never says which)."""


class RateLimited(AccessError):
    """Too many failed sign-ins for a username or from a client; try again later."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CsrfError(AccessError):
    """A form or change request without the session's CSRF token."""
