from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from matchmaking.common.schemas import UtcDateTime
from matchmaking.common.validation import TextInput, UpdateInput
from matchmaking.enums import IndustryField, OrgKind, OrgStatus


class OrganizationCreate(TextInput):
    name: str = Field(min_length=2, max_length=200, description="单位全称")
    kind: OrgKind
    district: str = Field(default="", max_length=64)
    town: str = Field(default="", max_length=64, description="所在区镇（街道）")
    industry_field: IndustryField | None = None
    description: str = Field(default="", max_length=5000)
    contact_name: str = Field(default="", max_length=64, description="联系人")
    contact_phone: str = Field(default="", max_length=32, description="联系电话")
    contact_email: str = Field(default="", max_length=120, description="联系邮箱")


class OrganizationUpdate(UpdateInput):
    NULLABLE = frozenset({"town", "industry_field"})

    name: str | None = Field(default=None, min_length=2, max_length=200)
    kind: OrgKind | None = None
    district: str | None = Field(default=None, max_length=64)
    town: str | None = Field(default=None, max_length=64)
    industry_field: IndustryField | None = None
    description: str | None = Field(default=None, max_length=5000)
    status: OrgStatus | None = None
    contact_name: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=32)
    contact_email: str | None = Field(default=None, max_length=120)


class OrganizationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    district: str
    town: str
    town_id: int | None = None
    industry_field: str | None
    description: str
    status: str
    # Empty unless the reader may see them (own organization, staff, or an accepted docking).
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    created_at: UtcDateTime
    updated_at: UtcDateTime
