"""Cooperation agreements (合作协议): entered by staff, or made by a docking's "signed" step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal, require_login
from matchmaking.audit import service as audit
from matchmaking.common.pagination import Page
from matchmaking.enums import AgreementKind, AgreementStatus, AuditAction, OrgKind, Origin
from matchmaking.exceptions import Forbidden, InvalidInput, NotFound
from matchmaking.models import CooperationAgreement, Docking, Expert, Organization
from matchmaking.outcomes import access, repository
from matchmaking.outcomes.schemas import (
    AgreementCreate,
    AgreementRead,
    AgreementUpdate,
    PartyRef,
    SignedAgreement,
)
from matchmaking.towns import repository as towns_repository

NOUN = "合作协议"
PARTNER_KINDS = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


class AgreementFilters(BaseModel):
    kind: AgreementKind | None = None
    status: AgreementStatus | None = None
    origin: Origin | None = None
    town_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    org_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    q: str | None = Field(default=None, max_length=100)
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class _Parties:
    company: Organization
    partner: Organization | None
    expert: Expert | None


def _parties(
    session: Session, company_id: int, partner_id: int | None, expert_id: int | None
) -> _Parties:
    company = access.ensure_org(session, company_id, "企业", "company_org_id")
    assert company is not None
    if company.kind != OrgKind.ENTERPRISE:
        raise InvalidInput(
            f"“{company.name}”不是企业：协议的甲方应为本地企业", field="company_org_id"
        )
    partner = access.ensure_org(session, partner_id, "高校院所", "partner_org_id")
    if partner is not None and partner.kind not in PARTNER_KINDS:
        raise InvalidInput(f"“{partner.name}”不是高校或科研院所", field="partner_org_id")
    expert = session.get(Expert, expert_id) if expert_id is not None else None
    if expert_id is not None and expert is None:
        raise InvalidInput(f"专家（编号 {expert_id}）不存在", field="expert_id")
    if partner is None and expert is None:
        raise InvalidInput("请填写合作的高校院所或专家（至少一项）", field="partner_org_id")
    return _Parties(company, partner, expert)


def _check_signed_on(signed_on: date) -> None:
    if signed_on > clock.local_today():
        raise InvalidInput("签订日期不能晚于今天", field="signed_on")


def _town(session: Session, town_id: int | None) -> int | None:
    if town_id is not None and towns_repository.get(session, town_id) is None:
        raise InvalidInput(f"区镇（编号 {town_id}）不存在", field="town_id")
    return town_id


def create(session: Session, p: Principal, data: AgreementCreate) -> CooperationAgreement:
    """Staff enter an agreement (town staff: in their town)."""
    parties = _parties(session, data.company_org_id, data.partner_org_id, data.expert_id)
    town_id = _town(session, data.town_id) if data.town_id else parties.company.town_id
    access.ensure_can_edit_town(p, town_id, NOUN)
    _check_signed_on(data.signed_on)
    row = CooperationAgreement(
        **data.model_dump(exclude={"town_id"}),
        town_id=town_id,
        created_by_user_id=p.user_id,
        status=AgreementStatus.SIGNED,
    )
    session.add(row)
    session.flush()
    audit.record(session, p, "agreement", row.id, AuditAction.CREATE, new=audit.snapshot(row))
    return row


def create_for_docking(
    session: Session, p: Principal, docking: Docking, data: SignedAgreement
) -> CooperationAgreement:
    """The agreement a docking's "signed" step makes (the caller checked who may sign)."""
    need = docking.need
    if docking.target_kind == "experts":
        expert = session.get(Expert, docking.target_id)
        partner_id = expert.org_id if expert is not None else None
        expert_id = expert.id if expert is not None else None
    else:
        partner_id = (
            docking.responder_org_id
            if docking.responder_org_id != need.org_id
            else docking.requester_org_id
        )
        expert_id = None
    company = session.get(Organization, need.org_id)
    partner = session.get(Organization, partner_id) if partner_id is not None else None
    if partner is not None and partner.kind not in PARTNER_KINDS:
        partner_id = None
    signed_on = data.signed_on or clock.local_today()
    _check_signed_on(signed_on)
    row = CooperationAgreement(
        kind=data.kind,
        title=data.title.strip() or need.title,
        company_org_id=need.org_id,
        partner_org_id=partner_id,
        expert_id=expert_id,
        signed_on=signed_on,
        town_id=company.town_id if company is not None else None,
        summary=data.summary,
        planned_amount_wan=data.planned_amount_wan,
        attachment=data.attachment,
        docking_id=docking.id,
        origin=docking.origin,
        created_by_user_id=p.user_id,
        status=AgreementStatus.SIGNED,
    )
    session.add(row)
    session.flush()
    audit.record(session, p, "agreement", row.id, AuditAction.CREATE, new=audit.snapshot(row))
    return row


def _load(session: Session, agreement_id: int) -> CooperationAgreement:
    row = repository.agreement(session, agreement_id)
    if row is None:
        raise NotFound(f"合作协议 {agreement_id} 不存在")
    return row


def update(
    session: Session, p: Principal, agreement_id: int, data: AgreementUpdate
) -> CooperationAgreement:
    row = _load(session, agreement_id)
    access.ensure_can_edit_town(p, row.town_id, NOUN)
    before = audit.snapshot(row)
    values = data.model_dump(exclude_unset=True)
    merged = {**before, **values}
    parties = _parties(
        session, merged["company_org_id"], merged["partner_org_id"], merged["expert_id"]
    )
    if "town_id" in values:
        values["town_id"] = _town(session, values["town_id"]) or parties.company.town_id
        access.ensure_can_edit_town(p, values["town_id"], NOUN)
    if "signed_on" in values:
        _check_signed_on(values["signed_on"])
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    old, new = audit.changes(before, audit.snapshot(row))
    if new:
        audit.record(session, p, "agreement", row.id, AuditAction.UPDATE, old=old, new=new)
    return row


def get(session: Session, p: Principal, agreement_id: int) -> AgreementRead:
    require_login(p)
    row = _load(session, agreement_id)
    if not access.can_see_agreement(p, row):
        raise Forbidden("只能查看本单位参与的合作协议")
    return reads(session, [row])[0]


def _where(f: AgreementFilters) -> list[ColumnElement[bool]]:
    A = CooperationAgreement
    where: list[ColumnElement[bool]] = []
    if f.kind:
        where.append(A.kind == f.kind)
    if f.status:
        where.append(A.status == f.status)
    if f.origin:
        where.append(A.origin == f.origin)
    if f.town_id:
        where.append(A.town_id == f.town_id)
    if f.org_id:
        where.append((A.company_org_id == f.org_id) | (A.partner_org_id == f.org_id))
    if f.q and f.q.strip():
        where.append(A.title.contains(f.q.strip(), autoescape=True))
    if f.date_from:
        where.append(A.signed_on >= f.date_from)
    if f.date_to:
        where.append(A.signed_on <= f.date_to)
    return where


def list_for(
    session: Session, p: Principal, filters: AgreementFilters, *, page: int = 1, size: int = 20
) -> Page[AgreementRead]:
    where = [access.agreement_clause(p), *_where(filters)]
    found = repository.agreements_page(session, where, page=page, size=size)
    return found.map(lambda rows: reads(session, list(rows)))


def _ref(row: Organization | Expert | None) -> PartyRef | None:
    return None if row is None else PartyRef(id=row.id, name=row.name)


def reads(session: Session, rows: Sequence[CooperationAgreement]) -> list[AgreementRead]:
    orgs = repository.orgs_by_id(
        session, [a.company_org_id for a in rows] + [a.partner_org_id for a in rows]
    )
    experts = repository.experts_by_id(session, [a.expert_id for a in rows])
    towns = repository.town_names(session) if rows else {}
    out = []
    for a in rows:
        company = _ref(orgs.get(a.company_org_id)) or PartyRef(id=a.company_org_id, name="")
        out.append(
            AgreementRead(
                id=a.id,
                kind=a.kind,
                kind_label=a.kind.label,
                title=a.title,
                company=company,
                partner=_ref(orgs.get(a.partner_org_id)) if a.partner_org_id else None,
                expert=_ref(experts.get(a.expert_id)) if a.expert_id else None,
                signed_on=a.signed_on,
                town_id=a.town_id,
                town=towns.get(a.town_id, "") if a.town_id else "",
                summary=a.summary,
                planned_amount_wan=a.planned_amount_wan,
                attachment=a.attachment,
                docking_id=a.docking_id,
                origin=a.origin,
                origin_label=a.origin.label,
                status=a.status,
                status_label=a.status.label,
                created_at=a.created_at,
                updated_at=a.updated_at,
            )
        )
    return out
