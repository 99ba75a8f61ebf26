"""Diagnosis records (诊断记录), their follow-ups, and needs drafted from them ("转为技术需求").

The assigned expert (or staff in scope) writes the record; the company and staff are
told. Drafted needs are pre-filled from the record and the request; the company (or
staff on its behalf) confirms and publishes each one through the need service and its
validation: what is missing is said field by field, nothing is half-written.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matchmaking import clock
from matchmaking.accounts import repository as accounts_repository
from matchmaking.accounts.permissions import (
    Principal,
    is_published,
    require_login,
    require_staff,
)
from matchmaking.common.validation import FIELD_LABELS, validation_details
from matchmaking.docking import service as docking
from matchmaking.enums import OPEN_NEED_STATUSES, CooperationMode, Kind, NotificationKind, Origin
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.models import (
    Campaign,
    DiagnosisNeed,
    DiagnosisRecord,
    DiagnosisRequest,
    Docking,
    Expert,
    FollowUp,
    Need,
    Organization,
)
from matchmaking.needs.schemas import NeedCreate
from matchmaking.needs.service import service as needs
from matchmaking.notifications.service import notify
from matchmaking.visits import service
from matchmaking.visits.schemas import (
    DiagnosisRead,
    DiagnosisWrite,
    DraftPublish,
    DraftRead,
    FollowUpRead,
    ProposeDocking,
)
from matchmaking.visits.states import DraftStatus

TITLE_MAX = 200
DESCRIPTION_MAX = 20000


def _may_write(session: Session, p: Principal, r: DiagnosisRequest) -> bool:
    if p.is_staff and p.scope.allows(r.org):
        return True
    return p.expert_id is not None and p.expert_id in service.assigned_experts(session, r.id)


def record_of(session: Session, request_id: int) -> DiagnosisRecord | None:
    return session.scalar(select(DiagnosisRecord).where(DiagnosisRecord.request_id == request_id))


def write(session: Session, p: Principal, request_id: int, data: DiagnosisWrite) -> DiagnosisRecord:
    """Write (or rewrite) the diagnosis of a visit; its follow-ups are replaced."""
    require_login(p)
    r = service.ensure_request_visible(session, p, request_id)
    if not _may_write(session, p, r):
        raise Forbidden("只有被安排的专家或负责的科技局工作人员可以填写诊断记录")
    record = record_of(session, r.id)
    first = record is None
    if record is None:
        record = DiagnosisRecord(request_id=r.id, problems="", suggestions="")
        session.add(record)
    record.problems, record.suggestions = data.problems, data.suggestions
    record.expert_id = p.expert_id if p.expert_id is not None else record.expert_id
    record.author_user_id = p.user_id
    session.flush()
    for old in session.scalars(select(FollowUp).where(FollowUp.record_id == record.id)):
        session.delete(old)
    for f in data.follow_ups:
        session.add(FollowUp(record_id=record.id, action=f.action, owner=f.owner, due=f.due))
    session.flush()
    if first:
        c = service.get_campaign(session, r.campaign_id)
        expert = session.get(Expert, p.expert_id) if p.expert_id else None
        users = accounts_repository.users_of_org(session, r.org_id)
        users += service._campaign_staff(session, c)
        notify(
            session,
            [u.id for u in users],
            NotificationKind.VISIT_DIAGNOSED,
            {
                "campaign": c.title,
                "company": r.org.name,
                "expert": expert.name if expert else (p.name or "科技局"),
            },
            subject=("diagnosis", record.id),
            link=f"/visits/requests/{r.id}",
            skip=p.user_id,
        )
    return record


def read(session: Session, p: Principal, request_id: int) -> DiagnosisRead | None:
    r = service.ensure_request_visible(session, p, request_id)
    record = record_of(session, r.id)
    if record is None:
        return None
    expert = session.get(Expert, record.expert_id) if record.expert_id else None
    today = clock.local_today()
    ups = session.scalars(
        select(FollowUp).where(FollowUp.record_id == record.id).order_by(FollowUp.due)
    )
    return DiagnosisRead(
        id=record.id,
        request_id=r.id,
        expert=expert.name if expert else "",
        problems=record.problems,
        suggestions=record.suggestions,
        follow_ups=[_follow_up(f, r, today) for f in ups],
        drafts=[
            _draft_read(d, r)
            for d in session.scalars(
                select(DiagnosisNeed)
                .where(DiagnosisNeed.record_id == record.id)
                .order_by(DiagnosisNeed.id)
            )
        ],
    )


def _follow_up(f: FollowUp, r: DiagnosisRequest, today: date) -> FollowUpRead:
    return FollowUpRead(
        id=f.id,
        record_id=f.record_id,
        request_id=r.id,
        company=r.org.name,
        action=f.action,
        owner=f.owner,
        due=f.due,
        done=f.done,
        overdue=not f.done and f.due < today,
    )


# -- drafted needs ---------------------------------------------------------------------
def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip(" \t-•·*0123456789.、)）")
        if line:
            return line
    return ""


def prefill(r: DiagnosisRequest, record: DiagnosisRecord) -> dict[str, Any]:
    """A need form pre-filled from the diagnosis: title from its first finding,
    description from findings and suggestions, field from the request."""
    title = _first_line(record.problems)[:60]
    parts = [f"【诊断发现】\n{record.problems.strip()}"]
    if record.suggestions.strip():
        parts.append(f"【专家建议】\n{record.suggestions.strip()}")
    if r.tried.strip():
        parts.append(f"【企业已尝试】\n{r.tried.strip()}")
    return {
        "title": title,
        "description": "\n\n".join(parts)[:DESCRIPTION_MAX],
        "indicators": "",
        "industry_field": r.industry_field,
        "cooperation_mode": CooperationMode.COMMISSIONED_DEVELOPMENT.value,
        "budget_wan": None,
        "deadline": None,
        "contact_name": r.contact_name,
    }


def missing(draft: dict[str, Any], org_id: int) -> list[str]:
    """What the need form would refuse, in Chinese, one line per field (empty: it validates)."""
    try:
        NeedCreate.model_validate({**_clean(draft), "org_id": org_id})
    except ValidationError as exc:
        out = []
        for d in validation_details(exc.errors()):
            name = str(d["field"]).split(".")[0]
            label = FIELD_LABELS.get(name, name)
            message = str(d["message"])
            out.append(message if message.startswith(label) else f"{label}：{message}")
        return out
    return []


def _clean(draft: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in draft.items() if v not in (None, "")}


def draft_needs(
    session: Session, p: Principal, request_id: int, count: int = 1
) -> list[DiagnosisNeed]:
    """转为技术需求: ``count`` drafts pre-filled from the diagnosis, for the company to confirm."""
    require_login(p)
    r = service.ensure_request_visible(session, p, request_id)
    if not (_may_write(session, p, r) or p.org_id == r.org_id):
        raise Forbidden("只有被安排的专家、企业本身或负责的科技局工作人员可以起草需求")
    record = record_of(session, r.id)
    if record is None:
        raise Conflict("请先填写诊断记录，再转为技术需求")
    if not 1 <= count <= 5:
        raise InvalidInput("一次可起草 1 到 5 条需求", field="count")
    base = prefill(r, record)
    lines = [ln for ln in (line.strip() for line in record.problems.splitlines()) if ln]
    out = []
    for i in range(count):
        draft = dict(base)
        if count > 1 and i < len(lines):
            draft["title"] = _first_line(lines[i])[:60]
        d = DiagnosisNeed(record_id=record.id, draft=draft)
        session.add(d)
        out.append(d)
    session.flush()
    return out


def _draft(session: Session, draft_id: int) -> tuple[DiagnosisNeed, DiagnosisRequest]:
    d = session.get(DiagnosisNeed, draft_id)
    if d is None:
        raise NotFound(f"需求草稿 {draft_id} 不存在")
    record = session.get(DiagnosisRecord, d.record_id)
    assert record is not None
    r = service._request(session, record.request_id)
    return d, r


def _draft_read(d: DiagnosisNeed, r: DiagnosisRequest) -> DraftRead:
    return DraftRead(
        id=d.id,
        record_id=d.record_id,
        draft=dict(d.draft),
        need_id=d.need_id,
        status=d.status.value,
        status_label=d.status.label,
        missing=missing(d.draft, r.org_id) if d.status is DraftStatus.DRAFTED else [],
    )


def get_draft(session: Session, p: Principal, draft_id: int) -> DraftRead:
    d, r = _draft(session, draft_id)
    service.ensure_request_visible(session, p, r.id)
    return _draft_read(d, r)


def publish_draft(session: Session, p: Principal, draft_id: int, changes: DraftPublish) -> Need:
    """The company confirms a drafted need (with its changes) and publishes it."""
    require_login(p)
    d, r = _draft(session, draft_id)
    if not (p.org_id == r.org_id or (p.is_staff and p.scope.allows(r.org))):
        raise Forbidden("只有企业本身或负责的科技局工作人员可以发布该需求")
    if d.status is not DraftStatus.DRAFTED:
        raise Conflict(f"该需求草稿{d.status.label}")
    merged = {**d.draft, **{k: v for k, v in changes.model_dump().items() if v is not None}}
    d.draft = merged
    try:
        data = NeedCreate.model_validate({**_clean(merged), "org_id": r.org_id})
    except ValidationError:
        problems = missing(merged, r.org_id)
        raise InvalidInput("需求还不完整：" + "；".join(problems), field="draft") from None
    need = needs.create_as(session, p, data)
    d.need_id, d.status = need.id, DraftStatus.PUBLISHED
    session.flush()
    return need


def discard_draft(session: Session, p: Principal, draft_id: int) -> None:
    d, r = _draft(session, draft_id)
    if not (p.org_id == r.org_id or (p.is_staff and p.scope.allows(r.org))):
        raise Forbidden("只有企业本身或负责的科技局工作人员可以放弃该需求草稿")
    if d.status is not DraftStatus.DRAFTED:
        raise Conflict(f"该需求草稿{d.status.label}")
    d.status = DraftStatus.DISCARDED
    session.flush()


# -- a docking proposed from the visit ----------------------------------------------------
def _assigned_expert(session: Session, p: Principal, r: DiagnosisRequest) -> int:
    if p.expert_id is None or p.expert_id not in service.assigned_experts(session, r.id):
        raise Forbidden("只有被安排的专家可以从诊断记录提议对接")
    return p.expert_id


def docking_needs(session: Session, p: Principal, request_id: int) -> list[Need]:
    """The company's published needs the assigned expert may propose a docking with
    (its open ones, those published from this diagnosis among them), not yet docked with
    the expert. Empty for anyone but an assigned expert."""
    r = service.ensure_request_visible(session, p, request_id)
    if p.expert_id is None or p.expert_id not in service.assigned_experts(session, r.id):
        return []
    docked = set(
        session.scalars(
            select(Docking.need_id).where(
                Docking.target_kind == Kind.EXPERTS.value, Docking.target_id == p.expert_id
            )
        )
    )
    stmt = (
        select(Need)
        .where(Need.org_id == r.org_id, Need.status.in_(OPEN_NEED_STATUSES))
        .options(selectinload(Need.org))
        .order_by(Need.id.desc())
    )
    return [n for n in session.scalars(stmt) if n.id not in docked and is_published(Kind.NEEDS, n)]


def propose_docking(
    session: Session, p: Principal, request_id: int, data: ProposeDocking
) -> Docking:
    """The assigned expert proposes a docking between one of the company's needs and
    themselves, through the docking service (origin: visit); the company is told and
    answers it like any docking request."""
    require_login(p)
    r = service.ensure_request_visible(session, p, request_id)
    expert_id = _assigned_expert(session, p, r)
    if record_of(session, r.id) is None:
        raise Conflict("请先填写诊断记录，再提议对接")
    need = session.get(Need, data.need_id)
    if need is None or need.org_id != r.org_id:
        raise InvalidInput(f"只能提议与{r.org.name}的技术需求对接", field="need_id")
    message = (
        data.message
        or f"技术专家巡诊（{service.get_campaign(session, r.campaign_id).title}）后提议对接"
    )
    return docking.request(
        session,
        p,
        need_id=need.id,
        target_kind=Kind.EXPERTS.value,
        target_id=expert_id,
        message=message,
        origin=Origin.VISIT,
    )


# -- follow-ups ---------------------------------------------------------------------------
def overdue(session: Session, p: Principal) -> list[FollowUpRead]:
    """Follow-up actions past their due date and not done, in the staff member's scope."""
    require_staff(p)
    today = clock.local_today()
    stmt = (
        select(FollowUp, DiagnosisRequest)
        .join(DiagnosisRecord, DiagnosisRecord.id == FollowUp.record_id)
        .join(DiagnosisRequest, DiagnosisRequest.id == DiagnosisRecord.request_id)
        .join(Organization, Organization.id == DiagnosisRequest.org_id)
        .join(Campaign, Campaign.id == DiagnosisRequest.campaign_id)
        .where(FollowUp.done.is_(False), FollowUp.due < today)
        .options(selectinload(DiagnosisRequest.org))
        .order_by(FollowUp.due, FollowUp.id)
    )
    stmt = stmt.where(p.scope.clause())
    return [_follow_up(f, r, today) for f, r in session.execute(stmt).all()]


def mark_done(session: Session, p: Principal, follow_up_id: int) -> None:
    f = session.get(FollowUp, follow_up_id)
    if f is None:
        raise NotFound(f"后续行动 {follow_up_id} 不存在")
    record = session.get(DiagnosisRecord, f.record_id)
    assert record is not None
    r = service.ensure_request_visible(session, p, record.request_id)
    if not (_may_write(session, p, r) or p.org_id == r.org_id):
        raise Forbidden("只有相关企业、专家或负责的科技局工作人员可以更新后续行动")
    f.done = True
    session.flush()
