"""Every query of agreements, contracts and payments."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from matchmaking.common.pagination import Page, paginate
from matchmaking.models import (
    ContractPayment,
    CooperationAgreement,
    Expert,
    Organization,
    TechContract,
    TechContractEvent,
    Town,
    User,
)

# The registered-only rule: a contract counts toward 成交额 / 技术交易额 / 登记项数 once it
# has been registered (the register step or an import with a registration number sets
# ``registered_on``; a later termination does not undo the registration).
REGISTERED: ColumnElement[bool] = TechContract.registered_on.is_not(None)


def agreement(session: Session, agreement_id: int) -> CooperationAgreement | None:
    return session.get(CooperationAgreement, agreement_id)


def agreement_of_docking(session: Session, docking_id: int) -> CooperationAgreement | None:
    stmt = select(CooperationAgreement).where(CooperationAgreement.docking_id == docking_id)
    return session.scalars(stmt).one_or_none()


def agreements_page(
    session: Session, where: Sequence[ColumnElement[bool]], *, page: int, size: int
) -> Page[CooperationAgreement]:
    stmt = (
        select(CooperationAgreement)
        .where(*where)
        .order_by(CooperationAgreement.signed_on.desc(), CooperationAgreement.id.desc())
    )
    return paginate(session, stmt, page, size)


def contract(session: Session, contract_id: int) -> TechContract | None:
    return session.get(TechContract, contract_id)


def contract_by_registration_no(session: Session, number: str) -> TechContract | None:
    stmt = select(TechContract).where(TechContract.registration_no == number)
    return session.scalars(stmt).one_or_none()


def contracts_page(
    session: Session, where: Sequence[ColumnElement[bool]], *, page: int, size: int
) -> Page[TechContract]:
    stmt = (
        select(TechContract)
        .where(*where)
        .order_by(TechContract.signed_on.desc(), TechContract.id.desc())
    )
    return paginate(session, stmt, page, size)


def contracts_matching(
    session: Session, where: Sequence[ColumnElement[bool]], limit: int
) -> list[TechContract]:
    stmt = (
        select(TechContract)
        .where(*where)
        .order_by(TechContract.signed_on, TechContract.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def add_event(
    session: Session,
    contract_id: int,
    actor_user_id: int | None,
    action: str,
    before: str,
    after: str,
    note: str = "",
    **extra: Any,
) -> TechContractEvent:
    event = TechContractEvent(
        contract_id=contract_id,
        actor_user_id=actor_user_id,
        action=action,
        before=before,
        after=after,
        note=note,
        **extra,
    )
    session.add(event)
    return event


def events_of(session: Session, contract_id: int) -> list[TechContractEvent]:
    stmt = (
        select(TechContractEvent)
        .where(TechContractEvent.contract_id == contract_id)
        .order_by(TechContractEvent.at, TechContractEvent.id)
    )
    return list(session.scalars(stmt))


def payments_of(session: Session, contract_id: int) -> list[ContractPayment]:
    stmt = (
        select(ContractPayment)
        .where(ContractPayment.contract_id == contract_id)
        .order_by(ContractPayment.received_on, ContractPayment.id)
    )
    return list(session.scalars(stmt))


def payment(session: Session, payment_id: int) -> ContractPayment | None:
    return session.get(ContractPayment, payment_id)


def paid_by_contract(session: Session, contract_ids: Sequence[int]) -> dict[int, Decimal]:
    if not contract_ids:
        return {}
    stmt = (
        select(ContractPayment.contract_id, func.sum(ContractPayment.amount_wan))
        .where(ContractPayment.contract_id.in_(set(contract_ids)))
        .group_by(ContractPayment.contract_id)
    )
    return {cid: Decimal(str(total or 0)) for cid, total in session.execute(stmt)}


def orgs_by_id(session: Session, ids: Sequence[int | None]) -> dict[int, Organization]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {
        o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(wanted)))
    }


def experts_by_id(session: Session, ids: Sequence[int | None]) -> dict[int, Expert]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {e.id: e for e in session.scalars(select(Expert).where(Expert.id.in_(wanted)))}


def town_names(session: Session) -> dict[int, str]:
    return {t.id: t.name for t in session.scalars(select(Town))}


def users_by_id(session: Session, ids: Sequence[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
