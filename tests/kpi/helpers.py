"""Outcome rows for the KPI tests, written straight to the tables (as an import would)."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, date, datetime, timedelta
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
    EventKind,
    EventStatus,
    PartyNature,
    RegistrationStatus,
    Role,
    TechField,
)
from matchmaking.models import (
    Campaign,
    ContractPayment,
    CooperationAgreement,
    DiagnosisNeed,
    DiagnosisRecord,
    DiagnosisRequest,
    Event,
    Expert,
    Need,
    Organization,
    Registration,
    TechContract,
    Town,
    User,
)
from matchmaking.visits.states import DraftStatus

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


def event(
    session: Session,
    *,
    town: int | None,
    held_on: date,
    status: EventStatus = EventStatus.HELD,
    venue: str = "海门区科创中心一楼报告厅",
) -> Event:
    """An event as its status leaves it (the moves themselves are the events' tests)."""
    row = Event(
        title=f"氢能产业产学研专场对接会{next(_serial)}",
        kind=EventKind.BY_INDUSTRY,
        held_on=held_on,
        venue=venue,
        town_id=town,
        organiser="海门区科学技术局",
        registration_opens=held_on - timedelta(days=20),
        registration_closes=held_on - timedelta(days=2),
        capacity=60,
        status=status,
    )
    session.add(row)
    session.flush()
    return row


def registration(
    session: Session,
    ev: Event,
    org: Organization | None = None,
    *,
    expert: Expert | None = None,
    status: RegistrationStatus = RegistrationStatus.REGISTERED,
    checked_in: bool = False,
) -> Registration:
    """An organization's (or an expert's, for their institution) registration."""
    if expert is not None:
        key, org_id, side, name = f"expert:{expert.id}", expert.org_id, "expert", expert.name
    else:
        assert org is not None
        key, org_id, side, name = f"org:{org.id}", org.id, org.kind, org.name
    row = Registration(
        event_id=ev.id,
        participant=key,
        org_id=org_id,
        expert_id=expert.id if expert is not None else None,
        side=side,
        name=name,
        status=status,
        checkin_token=secrets.token_urlsafe(32),
        checked_in_at=datetime(2026, 3, 1, 1, 0, tzinfo=UTC) if checked_in else None,
    )
    session.add(row)
    session.flush()
    return row


def visit(
    session: Session, *, company: Organization, at: datetime, expert: Expert | None = None
) -> DiagnosisRecord:
    """A diagnosis written at ``at`` for ``company`` (its own campaign and request)."""
    at = at.astimezone(UTC)  # stored in UTC, as the application stores it
    campaign = Campaign(title=f"技术专家巡诊{next(_serial)}", towns="")
    session.add(campaign)
    session.flush()
    request = DiagnosisRequest(
        campaign_id=campaign.id,
        org_id=company.id,
        problem="燃料电池金属双极板腐蚀，接触电阻升高。",
        industry_field="hydrogen_storage",
    )
    session.add(request)
    session.flush()
    row = DiagnosisRecord(
        request_id=request.id,
        expert_id=expert.id if expert is not None else None,
        problems="现场检测手段不足，工艺参数没有记录。",
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    return row


def need_from(
    session: Session,
    record: DiagnosisRecord,
    need: Need | None,
    status: DraftStatus = DraftStatus.PUBLISHED,
) -> DiagnosisNeed:
    """A need drafted from a diagnosis; published with ``need``, else drafted or discarded."""
    row = DiagnosisNeed(
        record_id=record.id,
        # As ``diagnosis.prefill`` drafts it.
        draft={
            "title": "巡诊诊断：工艺参数在线检测",
            "description": f"【诊断发现】\n{record.problems}",
            "indicators": "",
            "industry_field": "hydrogen_storage",
            "cooperation_mode": "commissioned_development",
        },
        need_id=need.id if need is not None else None,
        status=status,
    )
    session.add(row)
    session.flush()
    return row
