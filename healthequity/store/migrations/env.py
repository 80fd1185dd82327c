"""Alembic environment: runs the migrations on the connection handed over in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import healthequity.accountability.models
import healthequity.auth.models  # noqa: F401  (registers the users tables)
from healthequity.store.database import Base

target_metadata = Base.metadata
config = context.config


def run() -> None:
    """Migrate on the given connection, or open one from sqlalchemy.url (the alembic CLI)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
