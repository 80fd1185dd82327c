"""Password hashing with argon2id (argon2-cffi) and the minimum password rule."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from healthequity.errors import InputError

MIN_LENGTH = 12
_HASHER = PasswordHasher()


def check_password_rule(password: str) -> None:
    """Refuse a password shorter than MIN_LENGTH characters, naming the field."""
    if len(password) < MIN_LENGTH:
        raise InputError(
            f"password: must be at least {MIN_LENGTH} characters (got {len(password)})",
            field="password",
            expected=f"at least {MIN_LENGTH} characters",
        )


def hash_password(password: str) -> str:
    """The argon2id hash of a password that meets the rule."""
    check_password_rule(password)
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True if ``password`` matches ``password_hash``; False on mismatch or a corrupt hash."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


#: A hash of a random password, verified against when the username is unknown so that
#: sign-in takes as long for a wrong username as for a wrong password.
DUMMY_HASH = _HASHER.hash("not-a-real-password-0f3a9c")
