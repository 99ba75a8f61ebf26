"""Who sees and changes outcome records (one place, for pages, the API and the import).

Staff (and administrators) create and edit every record in their scope (town staff:
their town's). Enterprises and universities see the agreements and contracts their
organization is a party to, never another's; an expert sees the agreements naming them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal, require_login, require_staff
from matchmaking.enums import Role
from matchmaking.exceptions import Forbidden, InvalidInput
from matchmaking.models import CooperationAgreement, Organization, TechContract


def agreement_clause(p: Principal) -> ColumnElement[bool]:
    """The agreements ``p`` may see, as SQL."""
    require_login(p)
    if p.is_staff:
        return p.scope.clause(CooperationAgreement.town_id)
    clauses: list[ColumnElement[bool]] = []
    if p.org_id is not None and p.role in (Role.ENTERPRISE, Role.UNIVERSITY):
        clauses += [
            CooperationAgreement.company_org_id == p.org_id,
            CooperationAgreement.partner_org_id == p.org_id,
        ]
    if p.expert_id is not None:
        clauses.append(CooperationAgreement.expert_id == p.expert_id)
    return or_(*clauses) if clauses else false()


def can_see_agreement(p: Principal, a: CooperationAgreement) -> bool:
    if not p.is_authenticated:
        return False
    if p.is_staff:
        return p.scope.covers(a.town_id)
    if p.org_id is not None and p.role in (Role.ENTERPRISE, Role.UNIVERSITY):
        if p.org_id in (a.company_org_id, a.partner_org_id):
            return True
    return p.expert_id is not None and p.expert_id == a.expert_id


def contract_clause(p: Principal) -> ColumnElement[bool]:
    """The contracts ``p`` may see, as SQL."""
    require_login(p)
    if p.is_staff:
        return p.scope.clause(TechContract.town_id)
    if p.org_id is not None and p.role in (Role.ENTERPRISE, Role.UNIVERSITY):
        return or_(TechContract.seller_org_id == p.org_id, TechContract.buyer_org_id == p.org_id)
    return false()


def can_see_contract(p: Principal, c: TechContract) -> bool:
    if not p.is_authenticated:
        return False
    if p.is_staff:
        return p.scope.covers(c.town_id)
    return (
        p.org_id is not None
        and p.role in (Role.ENTERPRISE, Role.UNIVERSITY)
        and p.org_id in (c.seller_org_id, c.buyer_org_id)
    )


def ensure_can_edit_town(p: Principal, town_id: int | None, noun: str) -> None:
    """Staff only, and only for a record of their scope."""
    require_staff(p)
    if not p.scope.covers(town_id):
        raise Forbidden(f"该{noun}不在您负责的区镇（{p.scope.town}）范围内")


def ensure_org(session: Session, org_id: int | None, what: str, field: str) -> Organization | None:
    if org_id is None:
        return None
    org = session.get(Organization, org_id)
    if org is None:
        raise InvalidInput(f"{what}（单位编号 {org_id}）不存在", field=field)
    return org
