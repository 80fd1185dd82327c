"""The application database (SQLAlchemy 2): a SQLite file in the place folder by default,
PostgreSQL in a deployment (``HEALTHEQUITY_DATABASE_URL``). Schema changes go through Alembic."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

DATABASE_ENV = "HEALTHEQUITY_DATABASE_URL"
DATABASE_FILE = "healthequity.sqlite"

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Now, in UTC, timezone-aware (every stored time is UTC)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every application table (one metadata, stable constraint names)."""

    metadata = MetaData(naming_convention=NAMING)


def database_url(place_folder: str | Path | None = None) -> str:
    """$HEALTHEQUITY_DATABASE_URL, else a SQLite file in the place folder
    (``place_folder``, else $HEALTHEQUITY_PLACE, else the current folder)."""
    url = os.environ.get(DATABASE_ENV, "").strip()
    if url:
        return url
    folder = Path(place_folder or os.environ.get("HEALTHEQUITY_PLACE", "."))
    return f"sqlite:///{(folder / DATABASE_FILE).resolve()}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str | None = None, *, schema: str | None = None) -> Engine:
    """An engine for ``url`` (default: :func:`database_url`). SQLite gets foreign keys on and
    its folder created; ``schema`` (PostgreSQL only) sets the search path, e.g. for tests."""
    parsed = make_url(url or database_url())
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    elif schema is not None:
        if parsed.get_backend_name() != "postgresql":
            raise ValueError("schema= is only supported on PostgreSQL")
        connect_args["options"] = f"-csearch_path={schema}"
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    engine = create_engine(parsed, connect_args=connect_args, future=True)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """An engine and its session factory; ``session()`` is one transaction (commit or roll back)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False, future=True)

    @classmethod
    def from_url(cls, url: str | None = None, *, schema: str | None = None) -> Database:
        """Open the database at ``url`` (default: :func:`database_url`)."""
        return cls(make_engine(url, schema=schema))

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose work commits when the block ends, or rolls back if it raises."""
        with self.sessions() as session, session.begin():
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision`` with the Alembic migrations."""
        from healthequity.store.migrations import upgrade

        upgrade(self.engine, revision)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
