"""What pages and the JSON API send and get for events."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matchmaking.common.numbers import DbId
from matchmaking.common.validation import TextInput
from matchmaking.enums import EventKind, EventStatus, IndustryField, MeetingOutcome, WishLevel

# Dates a bureau plans with; anything else is a typo (year 20266) or an attack.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def _in_range(value: date, label: str) -> None:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"{label}应在 2000-01-01 与 2100-12-31 之间")


class EventCreate(TextInput):
    MULTILINE: ClassVar[frozenset[str]] = TextInput.MULTILINE | {"theme"}

    title: str = Field(min_length=2, max_length=200, description="活动名称")
    kind: EventKind = Field(description="活动类型")
    industry_field: IndustryField | None = Field(default=None, description="产业领域")
    theme: str = Field(default="", max_length=2000, description="主题说明（用于智能邀约）")
    guest_org_id: DbId | None = Field(default=None, description="嘉宾高校（按高校专场）")
    held_on: date = Field(description="举办日期")
    venue: str = Field(default="", max_length=200, description="地点")
    town: str = Field(default="", max_length=100, description="区镇")
    organiser: str = Field(default="", max_length=200, description="主办单位")
    registration_opens: date = Field(description="报名开始日期")
    registration_closes: date = Field(description="报名截止日期")
    capacity: int = Field(ge=2, le=2000, description="名额（参会单位与专家）")

    @model_validator(mode="after")
    def _dates(self) -> EventCreate:
        _in_range(self.held_on, "举办日期")
        _in_range(self.registration_opens, "报名开始日期")
        _in_range(self.registration_closes, "报名截止日期")
        if self.registration_closes < self.registration_opens:
            raise ValueError("报名截止日期不能早于报名开始日期")
        if self.registration_closes > self.held_on:
            raise ValueError("报名截止日期不能晚于举办日期")
        return self


class SessionCreate(TextInput):
    start: time = Field(description="开始时间（如 09:00）")
    meeting_minutes: int = Field(default=20, ge=5, le=120, description="每场洽谈分钟数")
    break_minutes: int = Field(default=5, ge=0, le=60, description="两场之间休息分钟数")
    meetings: int = Field(default=6, ge=1, le=30, description="洽谈轮数")
    tables: int = Field(ge=1, le=500, description="洽谈桌数")


class RegistrationInput(TextInput):
    need_ids: list[DbId] = Field(default_factory=list, max_length=20, description="带来的需求")
    achievement_ids: list[DbId] = Field(
        default_factory=list, max_length=20, description="带来的成果"
    )
    unavailable_slot_ids: list[DbId] = Field(
        default_factory=list, max_length=200, description="不能参加的时段"
    )
    min_meetings: int = Field(default=1, ge=0, le=30, description="最少洽谈场数")
    max_meetings: int = Field(default=6, ge=1, le=30, description="最多洽谈场数")

    @model_validator(mode="after")
    def _bounds(self) -> RegistrationInput:
        if self.min_meetings > self.max_meetings:
            raise ValueError("最少洽谈场数不能大于最多洽谈场数")
        return self


class WishInput(BaseModel):
    to_id: DbId = Field(description="对方的报名编号")
    level: WishLevel | None = Field(
        default=None, description="必见 must / 想见 want / 不见 no；空为撤销"
    )


class OutcomeInput(BaseModel):
    outcome: MeetingOutcome = Field(description="洽谈结果")


class InviteInput(BaseModel):
    org_ids: list[DbId] = Field(min_length=1, max_length=500, description="邀请的单位")


class EventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    kind: EventKind
    industry_field: str | None
    theme: str
    guest_org_id: int | None
    held_on: date
    venue: str
    town: str
    organiser: str
    registration_opens: date
    registration_closes: date
    capacity: int
    status: EventStatus


class SlotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    starts_at: datetime
    minutes: int
    tables: int
