from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import Field

from matchmaking.common.numbers import DbId
from matchmaking.common.schemas import ItemReadBase
from matchmaking.common.validation import TextInput, UpdateInput
from matchmaking.enums import CooperationMode, IndustryField, NeedStatus


class NeedCreate(TextInput):
    org_id: DbId = Field(description="发布需求的企业")
    title: str = Field(min_length=4, max_length=200, description="需求名称")
    description: str = Field(min_length=10, max_length=20000, description="需求描述：要解决的问题")
    indicators: str = Field(default="", max_length=5000, description="技术指标")
    industry_field: IndustryField
    budget_wan: Decimal | None = Field(
        default=None, ge=0, le=1_000_000, decimal_places=2, description="预算（万元）"
    )
    deadline: date | None = Field(default=None, description="截止日期")
    cooperation_mode: CooperationMode
    contact_name: str = Field(default="", max_length=64)
    external_id: str | None = Field(default=None, max_length=64)


class NeedUpdate(UpdateInput):
    NULLABLE = frozenset({"budget_wan", "deadline", "external_id"})

    org_id: DbId | None = None
    title: str | None = Field(default=None, min_length=4, max_length=200)
    description: str | None = Field(default=None, min_length=10, max_length=20000)
    indicators: str | None = Field(default=None, max_length=5000)
    industry_field: IndustryField | None = None
    budget_wan: Decimal | None = Field(default=None, ge=0, le=1_000_000, decimal_places=2)
    deadline: date | None = None
    cooperation_mode: CooperationMode | None = None
    contact_name: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=64)
    status: NeedStatus | None = None


class NeedRead(ItemReadBase):
    title: str
    description: str
    indicators: str
    industry_field: str
    budget_wan: Decimal | None
    deadline: date | None
    cooperation_mode: str
    status: str
    contact_name: str
