"""Clinic visit tables (技术专家巡诊): campaigns, their expert pool and requests.

Several small tables of one concept in one file; each class is one table.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matchmaking.enums import RunStatus
from matchmaking.models.base import Base, RunRow, TimestampMixin, str_enum, utcnow
from matchmaking.models.expert import Expert
from matchmaking.models.organization import Organization
from matchmaking.visits.states import (
    AssignmentStatus,
    CampaignStatus,
    DraftStatus,
    InviteStatus,
    RequestStatus,
)


class Campaign(TimestampMixin, Base):
    """巡诊活动: half-days, towns, theme and how many experts go on each visit."""

    __tablename__ = "visit_campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    theme: Mapped[str] = mapped_column(Text, default="")
    # The town that owns it (its staff manage it); None: a district campaign.
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    # Names of the towns it covers (";"-separated, for display and filtering).
    towns: Mapped[str] = mapped_column(String(500), default="")
    # Half-day ids in calendar order: "2026-12-08am", "2026-12-08pm", …
    half_days: Mapped[list[str]] = mapped_column(JSON, default=list)
    experts_per_visit: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus, 16), default=CampaignStatus.DRAFT, index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class CampaignEvent(Base):
    """Who moved a campaign, and when."""

    __tablename__ = "visit_campaign_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaigns.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CampaignExpert(Base):
    """An expert in a campaign's pool: when they are free and how many visits they take."""

    __tablename__ = "visit_campaign_experts"
    __table_args__ = (
        UniqueConstraint("campaign_id", "expert_id", name="uq_visit_campaign_experts_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaigns.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    available: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_visits: Mapped[int] = mapped_column(Integer, default=0)
    max_visits: Mapped[int] = mapped_column(Integer, default=3)
    status: Mapped[InviteStatus] = mapped_column(
        str_enum(InviteStatus, 16), default=InviteStatus.INVITED
    )

    expert: Mapped[Expert] = relationship(lazy="raise")


class DiagnosisRequest(TimestampMixin, Base):
    """A company's request for a diagnosis in one campaign (one per company per campaign)."""

    __tablename__ = "diagnosis_requests"
    __table_args__ = (
        UniqueConstraint("campaign_id", "org_id", name="uq_diagnosis_requests_company"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaigns.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    industry_field: Mapped[str] = mapped_column(String(48))
    preferred: Mapped[list[str]] = mapped_column(JSON, default=list)
    wants_senior: Mapped[bool] = mapped_column(Boolean, default=False)
    tried: Mapped[str] = mapped_column(Text, default="")
    need_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    # Released to the assigned experts only.
    contact_name: Mapped[str] = mapped_column(String(64), default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[RequestStatus] = mapped_column(
        str_enum(RequestStatus, 16), default=RequestStatus.REQUESTED
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    org: Mapped[Organization] = relationship(lazy="raise")


class AssignmentRun(RunRow, TimestampMixin, Base):
    """One run of the assignment for a campaign: versioned, at most one published."""

    __tablename__ = "visit_assignment_runs"
    __table_args__ = (
        UniqueConstraint("campaign_id", "version", name="uq_visit_assignment_runs_version"),
        Index(
            "uq_visit_assignment_runs_published",
            "campaign_id",
            unique=True,
            sqlite_where=text("published = 1"),
            postgresql_where=text("published"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("visit_campaigns.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[RunStatus] = mapped_column(
        str_enum(RunStatus, 16), default=RunStatus.QUEUED, index=True
    )
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    # alternates, unstaffed, problems, metrics (see visits.service.run_result)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class VisitAssignment(Base):
    """One expert on one visit in one run (a draft until its run is published)."""

    __tablename__ = "visit_assignments"
    __table_args__ = (
        UniqueConstraint("run_id", "request_id", "expert_id", name="uq_visit_assignments_pair"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("visit_assignment_runs.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("diagnosis_requests.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("experts.id"), index=True)
    half_day: Mapped[str | None] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    shared_terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[AssignmentStatus] = mapped_column(
        str_enum(AssignmentStatus, 16), default=AssignmentStatus.ASSIGNED
    )
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    locked: Mapped[bool] = mapped_column(Boolean, default=False)


class DiagnosisRecord(TimestampMixin, Base):
    """诊断记录: what the visiting expert found and suggests (one per request)."""

    __tablename__ = "diagnosis_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("diagnosis_requests.id"), unique=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    problems: Mapped[str] = mapped_column(Text)
    suggestions: Mapped[str] = mapped_column(Text, default="")


class FollowUp(TimestampMixin, Base):
    """A follow-up action of a diagnosis: who does what by when."""

    __tablename__ = "diagnosis_follow_ups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("diagnosis_records.id"), index=True)
    action: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(64))
    due: Mapped[date] = mapped_column(Date, index=True)
    done: Mapped[bool] = mapped_column(Boolean, default=False)


class DiagnosisNeed(TimestampMixin, Base):
    """A need drafted from a diagnosis ("转为技术需求"), and the need once the company
    publishes it (origin = this visit, kept for the reports)."""

    __tablename__ = "diagnosis_needs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("diagnosis_records.id"), index=True)
    # The pre-filled need form (NeedCreate's fields except org_id).
    draft: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"), unique=True)
    status: Mapped[DraftStatus] = mapped_column(
        str_enum(DraftStatus, 16), default=DraftStatus.DRAFTED
    )
