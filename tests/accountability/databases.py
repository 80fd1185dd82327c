"""The application database for tests: a SQLite file, and a fresh schema on the PostgreSQL
server at 127.0.0.1:5432 (skipped, saying so, where no server answers)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from healthequity.store.database import Database

POSTGRES_URL = os.environ.get(
    "HEALTHEQUITY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_admin_engine():  # type: ignore[no-untyped-def]
    """An engine on the test server, or a skip saying why there is none."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as con:
            con.execute(text("SELECT 1"))
    except OperationalError as err:
        engine.dispose()
        pytest.skip(f"PostgreSQL tests skipped: no server answers at {POSTGRES_URL} ({err.orig})")
    return engine


def empty_database(kind: str, tmp_path: Path) -> Iterator[Database]:
    """An empty database (no tables) of ``kind`` 'sqlite' or 'postgresql'."""
    if kind == "sqlite":
        db = Database.from_url(f"sqlite:///{tmp_path / 'tracker.sqlite'}")
        yield db
        db.dispose()
        return
    admin = postgres_admin_engine()
    schema = f"test_tracker_{secrets.token_hex(6)}"
    with admin.begin() as con:
        con.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database.from_url(POSTGRES_URL, schema=schema)
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as con:
            con.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """An empty database on each backend."""
    yield from empty_database(request.param, tmp_path)


@pytest.fixture
def db(empty_db: Database) -> Database:
    """A database on each backend, migrated to the newest schema."""
    empty_db.upgrade()
    return empty_db


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters so seeding users is quick (tests of hashing use the real ones)."""
    from argon2 import PasswordHasher

    from healthequity.auth import passwords

    monkeypatch.setattr(
        passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
