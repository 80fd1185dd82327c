"""The key that signs session cookies: $HEALTHEQUITY_SECRET_KEY in a deployment; for a local or
demo install, a random key generated once and kept in the place folder, readable by its owner only.

The generated key lives in ``<place>/session_secret.key`` (mode 0600). Delete it to sign everyone
out; set $HEALTHEQUITY_SECRET_KEY (at least 32 characters) to use your own.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from healthequity.auth.sessions import SECRET_ENV, secret_key
from healthequity.errors import HealthEquityError

SECRET_FILE = "session_secret.key"
MIN_LENGTH = 32


class SecretFileError(HealthEquityError):
    """The stored session key is unreadable, too short, or readable by others."""


def session_secret(place_folder: str | Path) -> str:
    """$HEALTHEQUITY_SECRET_KEY if set, else the place folder's stored key (made if missing)."""
    if os.environ.get(SECRET_ENV, "").strip():
        return secret_key()  # checks its length, naming the variable
    return stored_secret(Path(place_folder) / SECRET_FILE)


def stored_secret(path: Path) -> str:
    """The key in ``path``; a new random one written there (0600, atomically) if there is none."""
    if not path.exists():
        _create(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if os.name == "posix" and mode & 0o077:
        raise SecretFileError(
            f"{path}: the session key may be read by other users (mode {mode:o}); "
            f"run `chmod 600 {path}` or delete the file to make a new key"
        )
    key = path.read_text(encoding="ascii").strip()
    if len(key) < MIN_LENGTH:
        raise SecretFileError(
            f"{path}: the session key is {len(key)} characters; expected at least {MIN_LENGTH} "
            "(delete the file to make a new key)"
        )
    return key


def _create(path: Path) -> None:
    """Write a new key to a private temporary file, then link it into place: a concurrent start
    either wins the link or reads the winner's complete key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
