from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from matchmaking.enums import IndustryField, ItemStatus, OrgKind


class OrganizationCreate(BaseModel):
    name: str = Field(min_length=2, max_length=200, description="单位全称")
    kind: OrgKind
    district: str = Field(default="", max_length=64)
    town: str = Field(default="", max_length=64, description="所在区镇（街道）")
    industry_field: IndustryField | None = None
    description: str = Field(default="", max_length=5000)


class OrganizationUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    kind: OrgKind | None = None
    district: str | None = Field(default=None, max_length=64)
    town: str | None = Field(default=None, max_length=64)
    industry_field: IndustryField | None = None
    description: str | None = Field(default=None, max_length=5000)
    status: ItemStatus | None = None


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    district: str
    town: str
    industry_field: str | None
    description: str
    status: str
    created_at: datetime
    updated_at: datetime
