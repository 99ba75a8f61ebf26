from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from matchmaking.accounts.passwords import check_strength
from matchmaking.common.validation import TextInput
from matchmaking.enums import IndustryField, OrgKind, Role

USERNAME_PATTERN = r"^[A-Za-z0-9_.@-]{3,64}$"


class Registration(TextInput):
    """Self-registration of a new organization and its first user (reviewed by staff)."""

    username: str = Field(pattern=USERNAME_PATTERN, description="登录名：3–64 个字母、数字或 _.@-")
    password: str = Field(max_length=200, description="至少 12 个字符")
    display_name: str = Field(min_length=1, max_length=64, description="姓名")
    org_name: str = Field(min_length=2, max_length=200, description="单位全称")
    org_kind: OrgKind
    town: str = Field(default="", max_length=64, description="所在区镇（街道）")
    district: str = Field(default="海门区", max_length=64)
    industry_field: IndustryField | None = None
    contact_phone: str = Field(default="", max_length=32, description="联系电话")
    contact_email: str = Field(default="", max_length=120, description="联系邮箱")

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        problem = check_strength(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("org_kind")
    @classmethod
    def _registrable(cls, value: OrgKind) -> OrgKind:
        if value not in (OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE):
            raise ValueError("只有企业、高校和科研院所可以自行注册")
        return value


class UserCreate(BaseModel):
    """An account created by an administrator (staff, experts, extra users of an organization)."""

    username: str = Field(pattern=USERNAME_PATTERN)
    password: str = Field(max_length=200)
    display_name: str = Field(default="", max_length=64)
    role: Role
    org_id: int | None = None
    expert_id: int | None = None
    town: str = Field(default="", max_length=64)

    @field_validator("password")
    @classmethod
    def _strong(cls, value: str) -> str:
        problem = check_strength(value)
        if problem:
            raise ValueError(problem)
        return value
