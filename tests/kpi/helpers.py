"""Outcome rows for the KPI tests, written straight to the tables (as an import would)."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.enums import (
    AgreementKind,
    ContractFlow,
    ContractStatus,
    ContractSubtype,
    ContractType,
    PartyNature,
    Role,
    TechField,
)
from matchmaking.models import ContractPayment, CooperationAgreement, TechContract, Town, User

_serial = itertools.count(1)


def town_id(session: Session, name: str) -> int:
    found = session.scalar(select(Town.id).where(Town.name == name))
    assert found is not None, name
    return found


def principal(user: User) -> Principal:
    town = session_town_name(user)
    return Principal(
        user_id=user.id, role=Role(user.role), town_id=user.town_id, town=town, name=user.username
    )


def session_town_name(user: User) -> str:
    from sqlalchemy.orm import object_session

    session = object_session(user)
    if session is None or user.town_id is None:
        return ""
    return session.get(Town, user.town_id).name  # type: ignore[union-attr]


def contract(
    session: Session,
    *,
    town: int | None,
    status: ContractStatus = ContractStatus.REGISTERED,
    registered_on: date | None = date(2026, 3, 10),
    signed_on: date = date(2026, 3, 1),
    amount: str = "100",
    tech: str | None = "80",
    flow: ContractFlow = ContractFlow.INFLOW,
    contract_type: ContractType = ContractType.DEVELOPMENT,
    field: TechField = TechField.NEW_MATERIALS,
    **extra: Any,
) -> TechContract:
    n = next(_serial)
    registered = status in (
        ContractStatus.REGISTERED,
        ContractStatus.PERFORMING,
        ContractStatus.COMPLETED,
    )
    row = TechContract(
        name=f"储氢材料技术开发合同{n}",
        contract_type=contract_type,
        contract_subtype=ContractSubtype.DEV_COMMISSIONED,
        seller_name="江海理工大学",
        seller_nature=PartyNature.UNIVERSITY,
        seller_region="320600",
        buyer_name=f"海门精密制造有限公司{n}",
        buyer_nature=PartyNature.ENTERPRISE,
        buyer_region="320684",
        signed_on=signed_on,
        amount_wan=Decimal(amount),
        tech_amount_wan=Decimal(tech) if tech is not None else None,
        tech_field=field,
        town_id=town,
        flow=flow,
        registration_no=f"{n:014d}" if registered and registered_on else None,
        registered_on=registered_on if registered else None,
        status=status,
        **extra,
    )
    session.add(row)
    session.flush()
    return row


def payment(session: Session, contract: TechContract, received_on: date, amount: str) -> None:
    session.add(
        ContractPayment(
            contract_id=contract.id, received_on=received_on, amount_wan=Decimal(amount)
        )
    )
    session.flush()


def agreement(
    session: Session, *, company: int, partner: int | None, town: int | None, signed_on: date
) -> CooperationAgreement:
    row = CooperationAgreement(
        kind=AgreementKind.PROJECT,
        title=f"氢能联合实验室共建协议{next(_serial)}",
        company_org_id=company,
        partner_org_id=partner,
        signed_on=signed_on,
        town_id=town,
    )
    session.add(row)
    session.flush()
    return row
