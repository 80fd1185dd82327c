"""The assessment tables, on the application store's one metadata: the assessment, its areas,
impacts, evidence items, mitigations, indicators to monitor, links to the tracker, a version row
per change, and the senior sponsors allowed to sign assessments off."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from healthequity.accountability.models import Action, Recommendation
from healthequity.assessment.vocab import KINDS, RATINGS, STATUSES
from healthequity.auth.models import Organisation, User
from healthequity.store.database import Base, utcnow


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Sponsor(Base):
    """A user who may sign assessments off as their senior sponsor (the flag on users)."""

    __tablename__ = "assessment_sponsors"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    job_title: Mapped[str] = mapped_column(String(200))
    granted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[User] = relationship()


class Assessment(Base):
    """A health equity impact assessment of one decision, through HEAT's four stages."""

    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("status", STATUSES), name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    owner_name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    principles: Mapped[list[int]] = mapped_column(JSON, default=list)
    population_groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    area_geojson: Mapped[str | None] = mapped_column(Text)
    proportionate_universalism: Mapped[str] = mapped_column(Text, default="")
    review_date: Mapped[dt.date] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sponsor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sponsor_name: Mapped[str | None] = mapped_column(String(200))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    review_findings: Mapped[str] = mapped_column(Text, default="")
    workflow_note: Mapped[str] = mapped_column(Text, default="")
    evidence_json: Mapped[str | None] = mapped_column(Text)
    evidence_build_id: Mapped[int | None] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    organisation: Mapped[Organisation] = relationship()
    areas: Mapped[list[AssessmentArea]] = relationship(
        cascade="all, delete-orphan", order_by="AssessmentArea.area_code"
    )
    impacts: Mapped[list[Impact]] = relationship(
        cascade="all, delete-orphan", order_by="Impact.dimension"
    )
    evidence_items: Mapped[list[EvidenceItem]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceItem.id"
    )
    mitigations: Mapped[list[Mitigation]] = relationship(
        cascade="all, delete-orphan", order_by="Mitigation.position"
    )
    monitoring: Mapped[list[Monitor]] = relationship(
        cascade="all, delete-orphan", order_by="Monitor.position"
    )
    links: Mapped[list[Link]] = relationship(cascade="all, delete-orphan", order_by="Link.id")
    versions: Mapped[list[AssessmentVersion]] = relationship(
        cascade="all, delete-orphan", order_by="AssessmentVersion.number"
    )
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    def impact(self, dimension: str) -> Impact | None:
        """The rating of one dimension, if given."""
        return next((i for i in self.impacts if i.dimension == dimension), None)


class AssessmentArea(Base):
    """An area the decision affects: a ward or an LSOA (an LSOA may come from a drawn area)."""

    __tablename__ = "assessment_areas"
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    area_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    area_type: Mapped[str] = mapped_column(String(20))
    area_name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(10))  # 'listed' or 'drawn'


class Impact(Base):
    """One impact question's rating, with its rationale (required when negative)."""

    __tablename__ = "assessment_impacts"
    __table_args__ = (
        CheckConstraint(_in("rating", RATINGS), name="rating"),
        CheckConstraint("rating <> 'negative' OR rationale <> ''", name="negative_rationale"),
    )
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    dimension: Mapped[str] = mapped_column(String(40), primary_key=True)
    rating: Mapped[str] = mapped_column(String(10))
    rationale: Mapped[str] = mapped_column(Text, default="")


class EvidenceItem(Base):
    """Evidence a user added beyond what the system fills in."""

    __tablename__ = "assessment_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Mitigation(Base):
    """A change made because of the assessment, and how its effort is scaled by need."""

    __tablename__ = "assessment_mitigations"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(Text)
    scaled_by_need: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")


class Monitor(Base):
    """An indicator to monitor the decision's effect by, with its baseline."""

    __tablename__ = "assessment_monitoring"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    indicator_id: Mapped[str] = mapped_column(String(100))
    breakdown: Mapped[str] = mapped_column(String(200), default="")
    baseline: Mapped[str] = mapped_column(Text, default="")


class Link(Base):
    """The assessment serves a tracker recommendation or action (exactly one of the two)."""

    __tablename__ = "assessment_links"
    __table_args__ = (
        CheckConstraint("(recommendation_id IS NULL) <> (action_id IS NULL)", name="one_target"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    recommendation_id: Mapped[int | None] = mapped_column(ForeignKey("recommendations.id"))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    recommendation: Mapped[Recommendation | None] = relationship()
    action: Mapped[Action | None] = relationship()


class AssessmentVersion(Base):
    """The whole assessment as it stood after one change (kept for every change)."""

    __tablename__ = "assessment_versions"
    __table_args__ = (UniqueConstraint("assessment_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    change: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
