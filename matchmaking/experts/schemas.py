from __future__ import annotations

from pydantic import Field, field_serializer, field_validator

from matchmaking.common.numbers import DbId
from matchmaking.common.schemas import ItemReadBase
from matchmaking.common.validation import TextInput, UpdateInput
from matchmaking.enums import IndustryField, ItemStatus


def _join_fields(value: list[IndustryField] | None) -> str | None:
    # Stored as codes joined by ";" (see ExpertRepository.field_clause).
    return None if value is None else ";".join(str(f) for f in value)


class ExpertCreate(TextInput):
    org_id: DbId = Field(description="专家所在单位")
    name: str = Field(min_length=2, max_length=64)
    title: str = Field(default="", max_length=64, description="职称，如 教授、研究员")
    fields: list[IndustryField] = Field(min_length=1, max_length=4, description="擅长领域")
    expertise: str = Field(min_length=10, max_length=10000, description="研究方向与专长")
    availability: str = Field(default="", max_length=200)
    external_id: str | None = Field(default=None, max_length=64)

    @field_serializer("fields")
    def _join(self, value: list[IndustryField] | None) -> str | None:
        return _join_fields(value)


class ExpertUpdate(UpdateInput):
    NULLABLE = frozenset({"external_id"})

    org_id: DbId | None = None
    name: str | None = Field(default=None, min_length=2, max_length=64)
    title: str | None = Field(default=None, max_length=64)
    fields: list[IndustryField] | None = Field(default=None, min_length=1, max_length=4)
    expertise: str | None = Field(default=None, min_length=10, max_length=10000)
    availability: str | None = Field(default=None, max_length=200)
    external_id: str | None = Field(default=None, max_length=64)
    status: ItemStatus | None = None

    @field_serializer("fields")
    def _join(self, value: list[IndustryField] | None) -> str | None:
        return _join_fields(value)


class ExpertRead(ItemReadBase):
    name: str
    title: str
    fields: list[str]
    expertise: str
    availability: str
    status: str

    @field_validator("fields", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        return [f for f in value.split(";") if f] if isinstance(value, str) else value
