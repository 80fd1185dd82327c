"""The accountability tables: themes, recommendations, actions, milestones, progress updates,
links to indicators and the append-only audit trail (organisations, which also scope users, are
in ``healthequity.auth.models``)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthequity.auth.models import Organisation
from healthequity.store.database import Base, utcnow


class ActionStatus(StrEnum):
    """Where an action stands, as the programme reports it."""

    NOT_STARTED = "not started"
    ON_TRACK = "on track"
    AT_RISK = "at risk"
    OFF_TRACK = "off track"
    COMPLETE = "complete"


STATUSES = tuple(s.value for s in ActionStatus)
_STATUS_CHECK = "status IN (" + ", ".join(f"'{s}'" for s in STATUSES) + ")"


action_partners = Table(
    "action_partners",
    Base.metadata,
    Column("action_id", ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisations.id"), primary_key=True),
)


class Theme(Base):
    """One of the programme's themes, with its aim."""

    __tablename__ = "themes"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    aim: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    recommendations: Mapped[list[Recommendation]] = relationship(
        back_populates="theme", order_by="Recommendation.number"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Recommendation(Base):
    """A system recommendation: its number, theme, text and lead organisation."""

    __tablename__ = "recommendations"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id"))
    text: Mapped[str] = mapped_column(Text)
    lead_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    theme: Mapped[Theme | None] = relationship(back_populates="recommendations")
    lead_organisation: Mapped[Organisation | None] = relationship()
    actions: Mapped[list[Action]] = relationship(
        back_populates="recommendation", order_by="Action.id"
    )
    indicator_links: Mapped[list[RecommendationIndicator]] = relationship(
        cascade="all, delete-orphan", order_by="RecommendationIndicator.indicator_id"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def indicator_ids(self) -> list[str]:
        """Ids (of the indicator catalogue) of the indicators that measure its impact."""
        return sorted(link.indicator_id for link in self.indicator_links)


class RecommendationIndicator(Base):
    """A recommendation measured by an indicator of the set."""

    __tablename__ = "recommendation_indicators"
    recommendation_id: Mapped[int] = mapped_column(
        ForeignKey("recommendations.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class Action(Base):
    """An action towards a recommendation: owner, partners, dates, status and milestones."""

    __tablename__ = "actions"
    __table_args__ = (
        CheckConstraint(_STATUS_CHECK, name="status"),
        CheckConstraint(
            "due_date IS NULL OR start_date IS NULL OR due_date >= start_date", name="dates"
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    recommendation_id: Mapped[int] = mapped_column(ForeignKey("recommendations.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    owner_name: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ActionStatus.NOT_STARTED.value)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    recommendation: Mapped[Recommendation] = relationship(back_populates="actions")
    owner: Mapped[Organisation] = relationship()
    partners: Mapped[list[Organisation]] = relationship(
        secondary=action_partners, order_by="Organisation.name"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="action", order_by="(Milestone.due_date, Milestone.id)"
    )
    updates: Mapped[list[ProgressUpdate]] = relationship(
        back_populates="action", order_by="(ProgressUpdate.posted_at, ProgressUpdate.id)"
    )
    indicator_links: Mapped[list[ActionIndicator]] = relationship(
        cascade="all, delete-orphan", order_by="ActionIndicator.indicator_id"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def indicator_ids(self) -> list[str]:
        """Ids of the indicators that measure this action's impact."""
        return sorted(link.indicator_id for link in self.indicator_links)


class ActionIndicator(Base):
    """An action measured by an indicator of the set."""

    __tablename__ = "action_indicators"
    action_id: Mapped[int] = mapped_column(
        ForeignKey("actions.id", ondelete="CASCADE"), primary_key=True
    )
    indicator_id: Mapped[str] = mapped_column(String(100), primary_key=True)


class Milestone(Base):
    """A dated step of an action; complete when ``completed_on`` is set."""

    __tablename__ = "milestones"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    completed_on: Mapped[dt.date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    action: Mapped[Action] = relationship(back_populates="milestones")
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProgressUpdate(Base):
    """Dated progress text by a named user, with the status change it made (if any)."""

    __tablename__ = "progress_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[str] = mapped_column(String(200))
    update_date: Mapped[dt.date] = mapped_column(Date)
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    text: Mapped[str] = mapped_column(Text)
    status_before: Mapped[str | None] = mapped_column(String(20))
    status_after: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[Action] = relationship(back_populates="updates")


class AuditEntry(Base):
    """One changed field: who, when, which entity, before and after. Append-only: the services
    never update or delete it, the session refuses to, and database triggers refuse to."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_entity", "entity", "entity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(200))
    operation: Mapped[str] = mapped_column(String(10))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    field: Mapped[str] = mapped_column(String(60))
    before: Mapped[str | None] = mapped_column(Text)
    after: Mapped[str | None] = mapped_column(Text)
