from __future__ import annotations

import re
from decimal import Decimal

from pydantic import Field, field_validator

from matchmaking.common.numbers import DbId
from matchmaking.common.schemas import ItemReadBase
from matchmaking.common.validation import TextInput, UpdateInput
from matchmaking.enums import CooperationMode, IndustryField, ItemStatus, Maturity

# ZL + application number (12 digits since 2004, 8 before) + "." + check digit/X.
PATENT = re.compile(r"^(ZL)?\d{8}(\d{4})?\.[\dX]$")


def _check_patents(value: str | None) -> str | None:
    if value is None:
        return None
    parts = [p.strip().upper() for p in re.split(r"[;；,，、\s]+", value) if p.strip()]
    bad = [p for p in parts if not PATENT.match(p)]
    if bad:
        raise ValueError(
            f"专利号格式不正确：{'、'.join(bad)}"
            "（应为 ZL202110345678.3 这样的格式，多个用分号分隔）"
        )
    wrong = [p for p in parts if p[-1] != check_digit(p.removeprefix("ZL").split(".")[0])]
    if wrong:
        raise ValueError(f"专利号校验位不对：{'、'.join(wrong)}，请核对专利证书上的号码")
    return ";".join(parts)


def check_digit(number: str) -> str:
    """CNIPA application-number check digit: weights 2–9 cycling, sum mod 11, 10 is X."""
    total = sum(int(d) * (2 + i % 8) for i, d in enumerate(number))
    rest = total % 11
    return "X" if rest == 10 else str(rest)


class AchievementCreate(TextInput):
    org_id: DbId = Field(description="成果所属高校或院所")
    title: str = Field(min_length=4, max_length=200, description="成果名称")
    abstract: str = Field(min_length=10, max_length=20000, description="成果简介")
    keywords: str = Field(default="", max_length=400, description="关键词，分号分隔")
    industry_field: IndustryField
    maturity: Maturity
    trl: int | None = Field(default=None, ge=1, le=9, description="技术就绪度 TRL 1–9")
    patent_numbers: str = Field(default="", max_length=400, description="专利号，分号分隔")
    cooperation_mode: CooperationMode
    price_wan: Decimal | None = Field(
        default=None, ge=0, le=1_000_000, decimal_places=2, description="价格（万元），空为面议"
    )
    team_leader: str = Field(default="", max_length=64)
    external_id: str | None = Field(default=None, max_length=64)

    _patents = field_validator("patent_numbers")(_check_patents)


class AchievementUpdate(UpdateInput):
    NULLABLE = frozenset({"trl", "price_wan", "external_id"})

    org_id: DbId | None = None
    title: str | None = Field(default=None, min_length=4, max_length=200)
    abstract: str | None = Field(default=None, min_length=10, max_length=20000)
    keywords: str | None = Field(default=None, max_length=400)
    industry_field: IndustryField | None = None
    maturity: Maturity | None = None
    trl: int | None = Field(default=None, ge=1, le=9)
    patent_numbers: str | None = Field(default=None, max_length=400)
    cooperation_mode: CooperationMode | None = None
    price_wan: Decimal | None = Field(default=None, ge=0, le=1_000_000, decimal_places=2)
    team_leader: str | None = Field(default=None, max_length=64)
    external_id: str | None = Field(default=None, max_length=64)
    status: ItemStatus | None = None

    _patents = field_validator("patent_numbers")(_check_patents)


class AchievementRead(ItemReadBase):
    title: str
    abstract: str
    keywords: str
    industry_field: str
    maturity: str
    trl: int | None
    patent_numbers: str
    cooperation_mode: str
    price_wan: Decimal | None
    team_leader: str
    status: str
