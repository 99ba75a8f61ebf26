"""Docking requests, actions and what pages and the JSON API show of a docking."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from matchmaking.common.numbers import DbId
from matchmaking.common.schemas import UtcDateTime
from matchmaking.enums import DockingAction as Action
from matchmaking.enums import DockingBox as Box
from matchmaking.enums import DockingStatus, Origin
from matchmaking.outcomes.schemas import SignedAgreement

TargetKind = Literal["achievements", "experts"]
# Box and Action live in matchmaking.enums, labelled (收到的 / 发出的 / 全部 …) for messages.
__all__ = ["Action", "Box"]


class DockingRequest(BaseModel):
    need_id: DbId = Field(description="技术需求编号")
    target_kind: TargetKind = Field(description="对接对象：achievements 科技成果 | experts 专家")
    target_id: DbId = Field(description="科技成果或专家的编号")
    message: str = Field(default="", max_length=2000, description="留言：对接意向与联系安排")
    origin: Origin = Field(
        default=Origin.DIRECT,
        description="来源：recommendation 推荐 | search 检索 | event 活动 | visit 走访 | direct",
    )


class DockingAction(BaseModel):
    message: str = Field(default="", max_length=2000, description="留言")
    reason: str = Field(default="", max_length=2000, description="婉拒原因（婉拒时必填）")
    agreement: SignedAgreement | None = Field(
        default=None, description="签约时：合作协议的类型、名称、日期、摘要和金额"
    )


class OrgRef(BaseModel):
    id: int
    name: str
    town: str


class EventRead(BaseModel):
    action: str = Field(description="requested | accepted | negotiating | signed | declined")
    action_label: str
    note: str
    at: UtcDateTime
    actor_name: str = Field(description="操作人（姓名与单位）")


class DockingRead(BaseModel):
    id: int
    status: DockingStatus
    status_label: str
    need_id: int
    need_title: str
    need_field: str
    target_kind: TargetKind
    target_id: int
    target_title: str = Field(description="科技成果名称或专家姓名")
    need_org: OrgRef
    target_org: OrgRef
    requester_org: OrgRef
    responder_org: OrgRef
    message: str
    decline_reason: str
    score: float | None
    origin: Origin
    origin_label: str
    agreement_id: int | None = Field(default=None, description="签约生成的合作协议")
    created_at: UtcDateTime
    updated_at: UtcDateTime
    last_event: EventRead | None = None


class Contact(BaseModel):
    org_id: int
    org_name: str
    visible: bool = Field(description="false until the docking is accepted")
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


class DockingDetail(DockingRead):
    events: list[EventRead]
    my_side: Literal["need", "target", "staff"]
    allowed_actions: list[Action] = Field(description="what this user may do now")
    contacts: list[Contact] = Field(description="the other side (staff: both sides)")


class BoardColumn(BaseModel):
    status: DockingStatus
    label: str
    count: int
    tickets: list[DockingRead]


class Board(BaseModel):
    columns: list[BoardColumn]
    total: int
