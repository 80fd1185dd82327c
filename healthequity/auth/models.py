"""Users (role, organisations, argon2 password hash), the organisations that scope them, and the
login attempts that rate-limit sign-in (kept in the database so a restart does not reset them)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthequity.store.database import Base, utcnow


class Role(StrEnum):
    """What a user may do: read; edit their organisations' actions; administer everything."""

    VIEWER = "viewer"
    EDITOR = "editor"
    ADMIN = "admin"


ROLES = tuple(r.value for r in Role)

user_organisations = Table(
    "user_organisations",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class Organisation(Base):
    """A partner organisation: scopes editors; in the tracker it owns actions and leads
    recommendations."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class User(Base):
    """A person who signs in. Editors edit the actions their organisations own."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    organisations: Mapped[list[Organisation]] = relationship(
        secondary=user_organisations, order_by="Organisation.name"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class LoginAttempt(Base):
    """One sign-in attempt, by username and client address, and whether it succeeded."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_at", "username", "at"),
        Index("ix_login_attempts_client_at", "client", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100))
    client: Mapped[str] = mapped_column(String(100))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    succeeded: Mapped[bool] = mapped_column(Boolean)
