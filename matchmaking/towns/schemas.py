from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

CODE_PATTERN = r"^[a-z0-9_-]{1,32}$"


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class TownCreate(BaseModel):
    name: str = Field(min_length=2, max_length=64, description="区镇名称")
    code: str = Field(pattern=CODE_PATTERN, description="代码：小写字母、数字或 _-，如 sanchang")

    _clean = field_validator("name", "code", mode="before")(_strip)


class TownUpdate(BaseModel):
    name: str | None = Field(default=None, min_length=2, max_length=64)
    is_active: bool | None = None

    _clean = field_validator("name", mode="before")(_strip)


class TownRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    position: int
    is_active: bool
