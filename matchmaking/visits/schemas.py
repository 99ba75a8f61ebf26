"""Input and read models of clinic visits (技术专家巡诊)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from pydantic import BaseModel, Field, field_validator

from matchmaking.common.numbers import DbId
from matchmaking.common.validation import TextInput
from matchmaking.enums import IndustryField

HALF_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(am|pm)$")
HALF_DAY_LABEL = {"am": "上午", "pm": "下午"}


def check_half_day(value: str) -> str:
    """A half-day id "2026-12-08am"; refuses a malformed one or an impossible date."""
    found = HALF_DAY.match(value.strip())
    if found is None:
        raise ValueError(f"“{value}”不是有效的半天，应写作 2026-12-08am 或 2026-12-08pm")
    try:
        date.fromisoformat(found.group(1))
    except ValueError:
        raise ValueError(f"“{value}”的日期不存在") from None
    return found.group(0)


def half_day_label(value: str | None) -> str:
    """ "2026-12-08am" → "12月8日上午"; None → "时间待定"."""
    if not value:
        return "时间待定"
    found = HALF_DAY.match(value)
    if found is None:
        return value
    day = date.fromisoformat(found.group(1))
    return f"{day.month}月{day.day}日{HALF_DAY_LABEL[found.group(2)]}"


def _half_days(values: list[str]) -> list[str]:
    out = [check_half_day(v) for v in values]
    if len(set(out)) != len(out):
        raise ValueError("半天有重复")
    return sorted(out)


class CampaignCreate(TextInput):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"theme"})

    title: str = Field(min_length=4, max_length=200, description="活动名称")
    theme: str = Field(default="", max_length=5000, description="巡诊主题")
    towns: list[str] = Field(default_factory=list, max_length=50, description="覆盖的区镇")
    half_days: list[str] = Field(min_length=1, max_length=60, description="巡诊半天")
    experts_per_visit: int = Field(default=1, ge=1, le=3, description="每场巡诊专家人数")

    _days = field_validator("half_days")(_half_days)


class PoolExpertSet(BaseModel):
    available: list[str] = Field(default_factory=list, max_length=60, description="可巡诊半天")
    min_visits: int = Field(default=0, ge=0, le=50, description="最少巡诊次数")
    max_visits: int = Field(default=3, ge=0, le=50, description="最多巡诊次数")

    _days = field_validator("available")(_half_days)


class InviteExperts(BaseModel):
    industry_field: IndustryField | None = Field(default=None, description="按领域邀请")
    expert_ids: list[DbId] = Field(default_factory=list, max_length=500)
    max_visits: int = Field(default=3, ge=0, le=50)


class ReplaceExpert(BaseModel):
    """Staff's hand edit of a draft: another pool expert on this visit."""

    expert_id: DbId = Field(description="换上的专家（须在本次巡诊的专家库中）")


class AddExpert(BaseModel):
    """Staff's hand edit of a draft: a pool expert added to a visit short of experts."""

    expert_id: DbId = Field(description="加上的专家（须在本次巡诊的专家库中）")
    half_day: str | None = Field(
        default=None, max_length=16, description="巡诊时间（这次巡诊还没有专家时必填）"
    )

    @field_validator("half_day")
    @classmethod
    def _day(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else check_half_day(value)


class MoveVisit(BaseModel):
    """Staff's hand edit of a draft: the visit on another half-day."""

    half_day: str = Field(max_length=16, description="改到的半天，如 2026-12-08am")

    @field_validator("half_day")
    @classmethod
    def _day(cls, value: str) -> str:
        return check_half_day(value)


class ProposeDocking(TextInput):
    """The assigned expert proposes a docking between one of the company's needs and
    themselves (origin: this visit)."""

    need_id: DbId = Field(description="企业的技术需求")
    message: str = Field(default="", max_length=2000, description="留言：对接意向与联系安排")


class DiagnosisAsk(TextInput):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"problem", "tried"})

    org_id: DbId = Field(description="申请诊断的企业")
    problem: str = Field(min_length=10, max_length=20000, description="遇到的问题")
    industry_field: IndustryField
    preferred: list[str] = Field(default_factory=list, max_length=60, description="希望的时间")
    wants_senior: bool = Field(default=False, description="希望有正高级专家")
    tried: str = Field(default="", max_length=20000, description="已经尝试过的办法")
    need_ids: list[DbId] = Field(default_factory=list, max_length=20, description="相关技术需求")
    contact_name: str = Field(default="", max_length=64, description="联系人")
    contact_phone: str = Field(default="", max_length=32, description="联系电话")
    address: str = Field(default="", max_length=300, description="企业地址")

    _days = field_validator("preferred")(_half_days)


class FollowUpIn(TextInput):
    action: str = Field(min_length=2, max_length=2000, description="后续行动")
    owner: str = Field(min_length=1, max_length=64, description="负责人")
    due: date = Field(description="完成期限")


class DiagnosisWrite(TextInput):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"problems", "suggestions"})

    # Any length is accepted (a long visit report); only an empty one is refused.
    problems: str = Field(min_length=2, max_length=200000, description="发现的问题")
    suggestions: str = Field(default="", max_length=200000, description="改进建议")
    follow_ups: list[FollowUpIn] = Field(default_factory=list, max_length=50)


class Decline(TextInput):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"reason"})

    reason: str = Field(min_length=2, max_length=2000, description="谢绝原因")


class DraftPublish(BaseModel):
    """What the company changes before publishing a drafted need (blank: keep the draft)."""

    title: str | None = None
    description: str | None = None
    indicators: str | None = None
    industry_field: str | None = None
    cooperation_mode: str | None = None
    budget_wan: str | None = None
    deadline: str | None = None


class CampaignRead(BaseModel):
    id: int
    title: str
    theme: str
    town_id: int | None
    towns: list[str]
    half_days: list[str]
    half_day_labels: list[str]
    experts_per_visit: int
    status: str
    status_label: str
    requests: int = 0
    experts: int = 0


class RequestRead(BaseModel):
    id: int
    campaign_id: int
    org_id: int
    company: str
    town: str
    problem: str
    industry_field: str
    preferred: list[str]
    wants_senior: bool
    tried: str
    need_ids: list[int]
    status: str
    # Only for the company itself, staff in scope and the assigned experts.
    contact_name: str = ""
    contact_phone: str = ""
    address: str = ""
    contact_visible: bool = False


class AssignmentRead(BaseModel):
    id: int
    run_id: int
    request_id: int
    company: str
    town: str
    expert_id: int
    expert: str
    half_day: str | None
    when: str
    score: float  # the pair's fit on 0–1 (``matching.pairs``), as at an event
    shared_terms: list[str]
    status: str
    status_label: str
    decline_reason: str
    locked: bool
    campaign_id: int = 0
    campaign: str = ""


class RunRead(BaseModel):
    id: int
    campaign_id: int
    version: int
    status: str
    status_label: str
    progress: float
    message: str
    published: bool
    result: dict[str, Any] | None


class FollowUpRead(BaseModel):
    id: int
    record_id: int
    request_id: int
    company: str
    action: str
    owner: str
    due: date
    done: bool
    overdue: bool


class DraftRead(BaseModel):
    id: int
    record_id: int
    draft: dict[str, Any]
    need_id: int | None
    status: str
    status_label: str
    missing: list[str]


class DiagnosisRead(BaseModel):
    id: int
    request_id: int
    expert: str
    problems: str
    suggestions: str
    follow_ups: list[FollowUpRead]
    drafts: list[DraftRead]
