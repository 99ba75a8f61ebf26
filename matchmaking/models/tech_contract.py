from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from matchmaking.enums import (
    ContractFlow,
    ContractStatus,
    ContractSubtype,
    ContractType,
    IpType,
    NotRegisteredReason,
    Origin,
    PartyNature,
    TechField,
)
from matchmaking.models.base import Base, TimestampMixin, str_enum, utcnow


class TechContract(TimestampMixin, Base):
    """技术合同 as registered (认定登记, form JJ-001).

    Only contracts in ``REGISTERED_CONTRACT_STATUSES`` count toward 成交额 / 技术交易额 /
    登记项数. 卖方 = 输出方, 买方 = 吸纳方; ``flow`` is derived from the parties' region
    codes against the district's (``Settings.district_code``) and kept with the row.
    """

    __tablename__ = "tech_contracts"
    __table_args__ = (Index("ix_tech_contracts_status_signed_on", "status", "signed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    contract_type: Mapped[ContractType] = mapped_column(str_enum(ContractType, 16), index=True)
    contract_subtype: Mapped[ContractSubtype] = mapped_column(str_enum(ContractSubtype, 32))
    seller_name: Mapped[str] = mapped_column(String(200))
    seller_nature: Mapped[PartyNature] = mapped_column(str_enum(PartyNature, 24))
    # 行政区划代码 (GB/T 2260, 6 digits; older forms 4).
    seller_region: Mapped[str] = mapped_column(String(12), default="")
    seller_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_nature: Mapped[PartyNature] = mapped_column(str_enum(PartyNature, 24))
    buyer_region: Mapped[str] = mapped_column(String(12), default="")
    buyer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date, index=True)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    # 合同成交额 and 核定技术交易额, 万元.
    amount_wan: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    tech_amount_wan: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    tech_field: Mapped[TechField] = mapped_column(str_enum(TechField, 32), index=True)
    ip_type: Mapped[IpType] = mapped_column(str_enum(IpType, 24), default=IpType.NONE)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id"), index=True)
    flow: Mapped[ContractFlow] = mapped_column(str_enum(ContractFlow, 16), index=True)
    # 合同登记编号: 14 or 16 digits, kept as text; unique when set (NULL until registered).
    registration_no: Mapped[str | None] = mapped_column(String(16), unique=True)
    registered_on: Mapped[date | None] = mapped_column(Date, index=True)
    authority: Mapped[str] = mapped_column(String(100), default="")
    not_registered_reason: Mapped[NotRegisteredReason | None] = mapped_column(
        str_enum(NotRegisteredReason, 24)
    )
    status: Mapped[ContractStatus] = mapped_column(
        str_enum(ContractStatus, 16), default=ContractStatus.DRAFT, index=True
    )
    # Stored file keys: the contract scan and the 登记证明 ("" when none).
    contract_scan: Mapped[str] = mapped_column(String(255), default="")
    certificate: Mapped[str] = mapped_column(String(255), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    agreement_id: Mapped[int | None] = mapped_column(
        ForeignKey("cooperation_agreements.id"), index=True
    )
    docking_id: Mapped[int | None] = mapped_column(ForeignKey("dockings.id"), index=True)
    origin: Mapped[Origin] = mapped_column(str_enum(Origin, 16), default=Origin.DIRECT, index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class TechContractEvent(Base):
    """Who moved a contract from which status to which, and when."""

    __tablename__ = "tech_contract_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tech_contracts.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[str] = mapped_column(String(16))
    after: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ContractPayment(TimestampMixin, Base):
    """到账: money received under a contract (the sum is checked against it: warn only)."""

    __tablename__ = "contract_payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("tech_contracts.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    amount_wan: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    # 凭证: the bank slip's number or a note, and the stored file key of its scan.
    evidence: Mapped[str] = mapped_column(String(200), default="")
    attachment: Mapped[str] = mapped_column(String(255), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
