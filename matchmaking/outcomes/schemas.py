"""Agreements, contracts and payments as forms, the JSON API and the import read them."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, Field, field_validator, model_validator

from matchmaking.common.numbers import DbId
from matchmaking.common.schemas import UtcDateTime
from matchmaking.common.validation import TextInput, UpdateInput
from matchmaking.enums import (
    CONTRACT_SUBTYPES,
    AgreementKind,
    AgreementStatus,
    ContractAction,
    ContractFlow,
    ContractStatus,
    ContractSubtype,
    ContractType,
    IpType,
    NotRegisteredReason,
    Origin,
    PartyNature,
)
from matchmaking.enums import TechField as TechFieldEnum

# 万元: up to 1 000 亿元 per record, to the yuan (4 decimals).
MAX_WAN = Decimal("10000000")
Wan = Annotated[Decimal, Field(ge=0, le=MAX_WAN, decimal_places=4)]
EARLIEST = date(1985, 1, 1)  # the registration system dates from the 1980s
LATEST = date(2100, 12, 31)
REGISTRATION_NO = re.compile(r"^(\d{14}|\d{16})$")
REGION_CODE = re.compile(r"^(\d{4}|\d{6}|\d{9}|\d{12})$")


def wan_text(value: Decimal) -> str:
    """An amount in 万元 as people write it: 80, 12.5 (never 8E+1 or 80.0000)."""
    return format(value.normalize(), "f")


def check_registration_no(value: str | None) -> str | None:
    """Blank -> None; else exactly 14 or 16 digits (kept as text, leading zeros too)."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if not REGISTRATION_NO.match(text):
        raise ValueError(f"合同登记编号“{text[:40]}”应为 14 位或 16 位数字（登记证明上的编号）")
    return text


def _check_region(value: str) -> str:
    text = value.strip()
    if text and not REGION_CODE.match(text):
        raise ValueError("行政区划代码应为 6 位数字（如 320684），旧表可为 4 位")
    return text


def _check_date(value: date | None) -> date | None:
    if value is not None and not (EARLIEST <= value <= LATEST):
        raise ValueError(f"日期应在 {EARLIEST.year} 年至 {LATEST.year} 年之间")
    return value


class OutcomeText(TextInput):
    MULTILINE: ClassVar[frozenset[str]] = frozenset({"summary", "note", "reason"})


# -- agreements ------------------------------------------------------------------
class AgreementCreate(OutcomeText):
    kind: AgreementKind = Field(
        description="协议类型：intent | framework | joint_platform | project"
    )
    title: str = Field(min_length=1, max_length=200, description="协议名称")
    company_org_id: DbId = Field(description="本地企业（单位编号）")
    partner_org_id: DbId | None = Field(default=None, description="高校或科研院所（单位编号）")
    expert_id: DbId | None = Field(default=None, description="专家（编号）；与高校院所至少填一项")
    signed_on: date = Field(description="签订日期")
    town_id: DbId | None = Field(default=None, description="所属区镇；不填则取企业所在区镇")
    summary: str = Field(default="", max_length=4000, description="合作内容摘要")
    planned_amount_wan: Wan | None = Field(default=None, description="协议金额/计划投入（万元）")
    attachment: str = Field(default="", max_length=255, description="协议扫描件")
    origin: Origin = Field(
        default=Origin.DIRECT, description="来源：event 活动 | visit 走访 | direct 直接录入 …"
    )

    _dates = field_validator("signed_on")(_check_date)


class AgreementUpdate(UpdateInput, OutcomeText):
    NULLABLE = frozenset({"partner_org_id", "expert_id", "planned_amount_wan", "town_id"})

    kind: AgreementKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    company_org_id: DbId | None = None
    partner_org_id: DbId | None = None
    expert_id: DbId | None = None
    signed_on: date | None = None
    town_id: DbId | None = None
    summary: str | None = Field(default=None, max_length=4000)
    planned_amount_wan: Wan | None = None
    attachment: str | None = Field(default=None, max_length=255)
    origin: Origin | None = None
    status: AgreementStatus | None = None

    _dates = field_validator("signed_on")(_check_date)


class SignedAgreement(OutcomeText):
    """What a docking's "signed" step asks for: the agreement it creates."""

    kind: AgreementKind = Field(default=AgreementKind.PROJECT, description="协议类型")
    title: str = Field(default="", max_length=200, description="协议名称（不填则用需求标题）")
    signed_on: date | None = Field(default=None, description="签订日期（不填则为今天）")
    summary: str = Field(default="", max_length=4000, description="合作内容摘要")
    planned_amount_wan: Wan | None = Field(default=None, description="协议金额（万元）")
    attachment: str = Field(default="", max_length=255)

    _dates = field_validator("signed_on")(_check_date)


class PartyRef(BaseModel):
    id: int
    name: str


class AgreementRead(BaseModel):
    id: int
    kind: AgreementKind
    kind_label: str
    title: str
    company: PartyRef
    partner: PartyRef | None
    expert: PartyRef | None
    signed_on: date
    town_id: int | None
    town: str
    summary: str
    planned_amount_wan: Decimal | None
    attachment: str
    docking_id: int | None
    origin: Origin
    origin_label: str
    status: AgreementStatus
    status_label: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


# -- contracts -------------------------------------------------------------------
class ContractFields(OutcomeText):
    """Rules shared by create and update (checked once the values are merged)."""

    @staticmethod
    def check_merged(values: dict[str, Any]) -> None:
        """交易额 ≤ 成交额; 有效期止 ≥ 起; 签订 ≤ 登记; the sub-type belongs to the type."""
        ctype, sub = values.get("contract_type"), values.get("contract_subtype")
        if ctype is not None and sub is not None and sub not in CONTRACT_SUBTYPES[ctype]:
            allowed = "、".join(s.label for s in CONTRACT_SUBTYPES[ctype])
            raise ValueError(f"合同子类“{sub.label}”不属于“{ctype.label}”，可选：{allowed}")
        amount, tech = values.get("amount_wan"), values.get("tech_amount_wan")
        if amount is not None and tech is not None and tech > amount:
            raise ValueError(
                f"技术交易额（{wan_text(tech)} 万元）不能大于合同成交额（{wan_text(amount)} 万元）"
            )
        start, end = values.get("valid_from"), values.get("valid_to")
        if start is not None and end is not None and end < start:
            raise ValueError("合同有效期的截止日期不能早于起始日期")
        signed, registered = values.get("signed_on"), values.get("registered_on")
        if signed is not None and registered is not None and registered < signed:
            raise ValueError("登记日期不能早于签订日期")


class ContractCreate(ContractFields):
    name: str = Field(min_length=1, max_length=200, description="项目名称（合同全称）")
    contract_type: ContractType = Field(description="合同类型")
    contract_subtype: ContractSubtype = Field(description="合同子类")
    seller_name: str = Field(min_length=1, max_length=200, description="卖方（输出方）名称")
    seller_nature: PartyNature = Field(description="卖方性质")
    seller_region: str = Field(default="", max_length=12, description="卖方行政区划代码")
    seller_org_id: DbId | None = Field(default=None, description="卖方在平台上的单位编号")
    buyer_name: str = Field(min_length=1, max_length=200, description="买方（吸纳方）名称")
    buyer_nature: PartyNature = Field(description="买方性质")
    buyer_region: str = Field(default="", max_length=12, description="买方行政区划代码")
    buyer_org_id: DbId | None = Field(default=None, description="买方在平台上的单位编号")
    signed_on: date = Field(description="签订日期")
    valid_from: date | None = Field(default=None, description="有效期起")
    valid_to: date | None = Field(default=None, description="有效期止")
    amount_wan: Wan = Field(description="合同成交额（万元）")
    tech_amount_wan: Wan | None = Field(default=None, description="技术交易额（万元）")
    tech_field: TechFieldEnum = Field(description="技术领域")
    ip_type: IpType = Field(default=IpType.NONE, description="知识产权类型")
    town_id: DbId | None = Field(default=None, description="所属区镇；不填则取本地一方所在区镇")
    registration_no: str | None = Field(default=None, max_length=40, description="合同登记编号")
    registered_on: date | None = Field(default=None, description="登记日期")
    authority: str = Field(default="", max_length=100, description="登记机构")
    note: str = Field(default="", max_length=4000, description="备注")
    contract_scan: str = Field(default="", max_length=255)
    certificate: str = Field(default="", max_length=255)
    agreement_id: DbId | None = Field(default=None, description="来自的合作协议")
    docking_id: DbId | None = Field(default=None, description="来自的对接")
    origin: Origin = Field(default=Origin.DIRECT, description="来源")

    _regions = field_validator("seller_region", "buyer_region")(_check_region)
    _dates = field_validator("signed_on", "valid_from", "valid_to", "registered_on")(_check_date)
    _reg_no = field_validator("registration_no")(check_registration_no)

    @model_validator(mode="after")
    def _consistent(self) -> ContractCreate:
        self.check_merged(self.__dict__)
        return self


class ContractUpdate(UpdateInput, ContractFields):
    NULLABLE = frozenset(
        {
            "seller_org_id",
            "buyer_org_id",
            "valid_from",
            "valid_to",
            "tech_amount_wan",
            "town_id",
            "agreement_id",
            "docking_id",
        }
    )

    name: str | None = Field(default=None, min_length=1, max_length=200)
    contract_type: ContractType | None = None
    contract_subtype: ContractSubtype | None = None
    seller_name: str | None = Field(default=None, min_length=1, max_length=200)
    seller_nature: PartyNature | None = None
    seller_region: str | None = Field(default=None, max_length=12)
    seller_org_id: DbId | None = None
    buyer_name: str | None = Field(default=None, min_length=1, max_length=200)
    buyer_nature: PartyNature | None = None
    buyer_region: str | None = Field(default=None, max_length=12)
    buyer_org_id: DbId | None = None
    signed_on: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    amount_wan: Wan | None = None
    tech_amount_wan: Wan | None = None
    tech_field: TechFieldEnum | None = None
    ip_type: IpType | None = None
    town_id: DbId | None = None
    authority: str | None = Field(default=None, max_length=100)
    note: str | None = Field(default=None, max_length=4000)
    contract_scan: str | None = Field(default=None, max_length=255)
    certificate: str | None = Field(default=None, max_length=255)
    agreement_id: DbId | None = None
    docking_id: DbId | None = None
    origin: Origin | None = None

    _regions = field_validator("seller_region", "buyer_region")(
        lambda v: None if v is None else _check_region(v)
    )
    _dates = field_validator("signed_on", "valid_from", "valid_to")(_check_date)


class ContractStep(OutcomeText):
    """A status action, with what it asks for (登记: number, date, authority; 未予登记: reason)."""

    registration_no: str | None = Field(default=None, max_length=40, description="合同登记编号")
    registered_on: date | None = Field(default=None, description="登记日期")
    authority: str = Field(default="", max_length=100, description="登记机构")
    tech_amount_wan: Wan | None = Field(default=None, description="核定技术交易额（万元）")
    reason: NotRegisteredReason | None = Field(default=None, description="未予登记原因")
    note: str = Field(default="", max_length=2000, description="说明")

    _reg_no = field_validator("registration_no")(check_registration_no)
    _dates = field_validator("registered_on")(_check_date)


class ContractEventRead(BaseModel):
    action: str
    action_label: str
    before_label: str
    after_label: str
    note: str
    at: UtcDateTime
    actor_name: str


class ContractRead(BaseModel):
    id: int
    name: str
    contract_type: ContractType
    contract_type_label: str
    contract_subtype: ContractSubtype
    contract_subtype_label: str
    seller_name: str
    seller_nature: PartyNature
    seller_nature_label: str
    seller_region: str
    seller_org_id: int | None
    buyer_name: str
    buyer_nature: PartyNature
    buyer_nature_label: str
    buyer_region: str
    buyer_org_id: int | None
    signed_on: date
    valid_from: date | None
    valid_to: date | None
    amount_wan: Decimal
    tech_amount_wan: Decimal | None
    tech_field: TechFieldEnum
    tech_field_label: str
    ip_type: IpType
    ip_type_label: str
    town_id: int | None
    town: str
    flow: ContractFlow
    flow_label: str
    registration_no: str | None
    registered_on: date | None
    authority: str
    not_registered_reason: NotRegisteredReason | None
    not_registered_reason_label: str
    status: ContractStatus
    status_label: str
    note: str
    contract_scan: str
    certificate: str
    agreement_id: int | None
    docking_id: int | None
    origin: Origin
    origin_label: str
    paid_wan: Decimal = Field(description="已到账合计（万元）")
    warnings: list[str] = Field(default_factory=list, description="需要注意但不阻止的问题")
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ContractDetail(ContractRead):
    events: list[ContractEventRead]
    allowed_actions: list[ContractAction]
    payments: list[PaymentRead]
    can_edit: bool


# -- payments --------------------------------------------------------------------
class PaymentCreate(OutcomeText):
    received_on: date = Field(description="到账日期")
    amount_wan: Annotated[Decimal, Field(gt=0, le=MAX_WAN, decimal_places=4)] = Field(
        description="到账金额（万元）"
    )
    evidence: str = Field(default="", max_length=200, description="凭证（银行回单号等）")
    attachment: str = Field(default="", max_length=255)

    _dates = field_validator("received_on")(_check_date)


class PaymentRead(BaseModel):
    id: int
    contract_id: int
    received_on: date
    amount_wan: Decimal
    evidence: str
    attachment: str
    created_at: UtcDateTime


class PaymentResult(BaseModel):
    payment: PaymentRead
    paid_wan: Decimal
    warnings: list[str]


ContractDetail.model_rebuild()
