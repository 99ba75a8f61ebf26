"""Clinic visits (技术专家巡诊): campaigns, requests, the assignment's runs, experts' answers.

Who may do what:
- bureau staff run campaigns in their scope (a town's staff: their town's campaigns and
  the requests of their town's companies; district staff and administrators: all);
- a company (or staff on its behalf) asks for a diagnosis, once per campaign;
- an expert sees the visits of the published run they are on, accepts or declines, reads
  the brief and writes the diagnosis; the company's contact and address are released to
  the assigned experts only.
Runs are versioned; one is published per campaign (switched in one transaction).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from matchmaking import jobs
from matchmaking.accounts import repository as accounts_repository
from matchmaking.accounts.permissions import Principal, require_login, require_staff
from matchmaking.common.pagination import Page, paginate
from matchmaking.common.runs import Runs
from matchmaking.common.transitions import StateMachine, Transition
from matchmaking.enums import (
    IndustryField,
    ItemStatus,
    NotificationKind,
    OrgStatus,
    Role,
    RunStatus,
)
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.models import (
    AssignmentRun,
    Campaign,
    CampaignEvent,
    CampaignExpert,
    DiagnosisRecord,
    DiagnosisRequest,
    Expert,
    Need,
    Organization,
    Town,
    User,
    VisitAssignment,
)
from matchmaking.models.base import utcnow
from matchmaking.notifications.service import notify
from matchmaking.visits.schemas import (
    AssignmentRead,
    CampaignCreate,
    CampaignRead,
    DiagnosisAsk,
    InviteExperts,
    PoolExpertSet,
    RequestRead,
    RunRead,
    half_day_label,
)
from matchmaking.visits.states import (
    AssignmentStatus,
    CampaignAction,
    CampaignStatus,
    InviteStatus,
    RequestStatus,
)

TASK = "visits.assign"
# A run that has not reported for this long is shown as failed and may be run again
# (its worker died); the solver reports at least every stage, and stage 2 is bounded
# by TIME_LIMIT_S.
STALE_AFTER = timedelta(minutes=10)
TIME_LIMIT_S = 30.0

C, A = CampaignStatus, CampaignAction
TRANSITIONS: dict[tuple[CampaignStatus, CampaignAction], CampaignStatus] = {
    (C.DRAFT, A.OPEN): C.PLANNING,
    (C.PLANNING, A.PUBLISH): C.PUBLISHED,
    (C.PUBLISHED, A.REOPEN): C.PLANNING,
    (C.PUBLISHED, A.FINISH): C.FINISHED,
}
MACHINE = StateMachine(
    Campaign,
    TRANSITIONS,
    noun="巡诊活动",
    verbs={a: a.label for a in CampaignAction},
)
RUNS = Runs(AssignmentRun, AssignmentRun.campaign_id, message="message")


# -- loading and scope -------------------------------------------------------------
def get_campaign(session: Session, campaign_id: int) -> Campaign:
    c = session.get(Campaign, campaign_id)
    if c is None:
        raise NotFound(f"巡诊活动 {campaign_id} 不存在")
    return c


def _staff_campaign(session: Session, p: Principal, campaign_id: int) -> Campaign:
    """The campaign, for staff whose scope covers it (a town's staff: their town's only)."""
    require_staff(p)
    c = get_campaign(session, campaign_id)
    if not (p.scope.district or (c.town_id is not None and p.scope.covers(c.town_id))):
        raise Forbidden(f"巡诊活动“{c.title}”不在您负责的区镇范围内")
    return c


def may_manage(p: Principal, c: Campaign) -> bool:
    return p.is_staff and (
        p.scope.district or (c.town_id is not None and p.scope.covers(c.town_id))
    )


def _request(session: Session, request_id: int) -> DiagnosisRequest:
    r = session.scalar(
        select(DiagnosisRequest)
        .where(DiagnosisRequest.id == request_id)
        .options(selectinload(DiagnosisRequest.org))
    )
    if r is None:
        raise NotFound(f"诊断申请 {request_id} 不存在")
    return r


def published_run(session: Session, campaign_id: int) -> AssignmentRun | None:
    return session.scalar(
        select(AssignmentRun).where(
            AssignmentRun.campaign_id == campaign_id, AssignmentRun.published.is_(True)
        )
    )


def assigned_experts(session: Session, request_id: int) -> set[int]:
    """Experts on this request in its campaign's published run (not those who declined)."""
    stmt = (
        select(VisitAssignment.expert_id)
        .join(AssignmentRun, AssignmentRun.id == VisitAssignment.run_id)
        .where(
            VisitAssignment.request_id == request_id,
            AssignmentRun.published.is_(True),
            VisitAssignment.status != AssignmentStatus.DECLINED,
        )
    )
    return set(session.scalars(stmt))


def can_see_request(session: Session, p: Principal, r: DiagnosisRequest) -> bool:
    if p.org_id is not None and p.org_id == r.org_id:
        return True
    if p.is_staff and p.scope.allows(r.org):
        return True
    return p.expert_id is not None and p.expert_id in assigned_experts(session, r.id)


def ensure_request_visible(session: Session, p: Principal, request_id: int) -> DiagnosisRequest:
    require_login(p)
    r = _request(session, request_id)
    if not can_see_request(session, p, r):
        raise Forbidden("只有申请企业、负责的科技局工作人员和被安排的专家可以查看该诊断申请")
    return r


# -- campaigns -----------------------------------------------------------------------
def _town_names(c: Campaign) -> list[str]:
    return [t for t in c.towns.split(";") if t]


def campaign_read(session: Session, c: Campaign) -> CampaignRead:
    requests = session.scalar(
        select(func.count()).where(
            DiagnosisRequest.campaign_id == c.id,
            DiagnosisRequest.status == RequestStatus.REQUESTED,
        )
    )
    experts = session.scalar(select(func.count()).where(CampaignExpert.campaign_id == c.id))
    return CampaignRead(
        id=c.id,
        title=c.title,
        theme=c.theme,
        town_id=c.town_id,
        towns=_town_names(c),
        half_days=list(c.half_days),
        half_day_labels=[half_day_label(h) for h in c.half_days],
        experts_per_visit=c.experts_per_visit,
        status=c.status.value,
        status_label=c.status.label,
        requests=requests or 0,
        experts=experts or 0,
    )


def list_campaigns(
    session: Session, p: Principal, *, page: int = 1, page_size: int = 20
) -> Page[CampaignRead]:
    """Staff: the campaigns of their scope (drafts too); everyone else: open and past ones."""
    require_login(p)
    stmt = select(Campaign).order_by(Campaign.id.desc())
    if p.is_staff:
        if not p.scope.district:
            stmt = stmt.where(Campaign.town_id == p.scope.town_id)
    else:
        stmt = stmt.where(Campaign.status != CampaignStatus.DRAFT)
    found = paginate(session, stmt, page, page_size)
    return found.map(lambda rows: [campaign_read(session, c) for c in rows])


def read_campaign(session: Session, p: Principal, campaign_id: int) -> Campaign:
    require_login(p)
    c = get_campaign(session, campaign_id)
    if c.status is CampaignStatus.DRAFT and not may_manage(p, c):
        if p.is_staff:
            raise Forbidden(f"巡诊活动“{c.title}”不在您负责的区镇范围内")
        raise NotFound(f"巡诊活动 {campaign_id} 不存在")
    return c


def create_campaign(session: Session, p: Principal, data: CampaignCreate) -> Campaign:
    """A new campaign (draft) owned by the staff member's town (district staff: the district)."""
    require_staff(p)
    known = set(session.scalars(select(Town.name).where(Town.name.in_(data.towns))))
    unknown = [t for t in data.towns if t not in known]
    if unknown:
        raise InvalidInput(f"没有这些区镇：{'、'.join(unknown)}", field="towns")
    towns = list(dict.fromkeys(data.towns))
    if not p.scope.district:
        if towns and towns != [p.scope.town]:
            raise Forbidden(f"只能为您负责的区镇（{p.scope.town}）组织巡诊", field="towns")
        towns = [p.scope.town]
    c = Campaign(
        title=data.title,
        theme=data.theme,
        town_id=None if p.scope.district else p.scope.town_id,
        towns=";".join(towns),
        half_days=list(data.half_days),
        experts_per_visit=data.experts_per_visit,
        created_by=p.user_id,
    )
    session.add(c)
    session.flush()
    return c


def move_campaign(
    session: Session, p: Principal, campaign_id: int, action: CampaignAction
) -> Campaign:
    """Open for requests, finish (publishing goes through a run, see ``publish``)."""
    c = _staff_campaign(session, p, campaign_id)
    if action in (CampaignAction.PUBLISH, CampaignAction.REOPEN):
        raise InvalidInput("请在排班结果页发布或撤回安排", field="action")
    MACHINE.move(session, c, action, actor_user_id=p.user_id, record=_recorder(session))
    session.refresh(c)
    return c


def _recorder(session: Session) -> Any:
    def record(t: Transition[CampaignStatus, CampaignAction]) -> None:
        session.add(
            CampaignEvent(
                campaign_id=t.row_id, actor_user_id=t.actor_user_id, action=t.action.value, at=t.at
            )
        )

    return record


# -- the expert pool -----------------------------------------------------------------
def pool(session: Session, campaign_id: int) -> list[CampaignExpert]:
    stmt = (
        select(CampaignExpert)
        .where(CampaignExpert.campaign_id == campaign_id)
        .options(selectinload(CampaignExpert.expert).selectinload(Expert.org))
        .order_by(CampaignExpert.id)
    )
    return list(session.scalars(stmt))


def invite(session: Session, p: Principal, campaign_id: int, data: InviteExperts) -> int:
    """Invite published experts by field and/or by id; they start free on every half-day."""
    c = _staff_campaign(session, p, campaign_id)
    if c.status is CampaignStatus.FINISHED:
        raise Conflict("巡诊活动已结束，不能再邀请专家")
    if data.industry_field is None and not data.expert_ids:
        raise InvalidInput("请选择领域或专家", field="industry_field")
    stmt = (
        select(Expert)
        .join(Organization, Organization.id == Expert.org_id)
        .where(Expert.status == ItemStatus.ACTIVE, Organization.status == OrgStatus.ACTIVE)
    )
    if data.expert_ids:
        stmt = stmt.where(Expert.id.in_(data.expert_ids))
    if data.industry_field is not None:
        stmt = stmt.where(Expert.fields.contains(data.industry_field.value))
    present = set(
        session.scalars(select(CampaignExpert.expert_id).where(CampaignExpert.campaign_id == c.id))
    )
    added = 0
    for e in session.scalars(stmt.order_by(Expert.id)):
        if e.id in present:
            continue
        session.add(
            CampaignExpert(
                campaign_id=c.id,
                expert_id=e.id,
                available=list(c.half_days),
                max_visits=data.max_visits,
                status=InviteStatus.INVITED,
            )
        )
        added += 1
    session.flush()
    return added


def pool_member(session: Session, campaign_id: int, expert_id: int) -> CampaignExpert | None:
    """The expert's row in the campaign's pool (None: not invited)."""
    return session.scalar(
        select(CampaignExpert).where(
            CampaignExpert.campaign_id == campaign_id, CampaignExpert.expert_id == expert_id
        )
    )


def set_pool_expert(
    session: Session, p: Principal, campaign_id: int, expert_id: int, data: PoolExpertSet
) -> CampaignExpert:
    """An expert's free half-days and visit range in this campaign (staff, or the expert)."""
    require_login(p)
    c = get_campaign(session, campaign_id)
    if not (may_manage(p, c) or p.expert_id == expert_id):
        raise Forbidden("只有负责的科技局工作人员或专家本人可以设置空闲时间")
    row = pool_member(session, c.id, expert_id)
    if row is None:
        raise NotFound("该专家不在本次巡诊的专家库中")
    outside = [h for h in data.available if h not in c.half_days]
    if outside:
        labels = "、".join(half_day_label(h) for h in outside)
        raise InvalidInput(f"这些半天不在活动日期内：{labels}", field="available")
    if data.min_visits > data.max_visits:
        raise InvalidInput("最少巡诊次数不能大于最多次数", field="min_visits")
    row.available = list(data.available)
    row.min_visits, row.max_visits = data.min_visits, data.max_visits
    if p.expert_id == expert_id:
        row.status = InviteStatus.ACCEPTED
    session.flush()
    return row


# -- diagnosis requests ---------------------------------------------------------------
def ask(
    session: Session, p: Principal, campaign_id: int, data: DiagnosisAsk
) -> tuple[DiagnosisRequest, bool]:
    """Ask for a diagnosis; a second ask of the same company returns the first (False)."""
    require_login(p)
    c = get_campaign(session, campaign_id)
    org = session.get(Organization, data.org_id)
    if org is None:
        raise InvalidInput(f"单位 {data.org_id} 不存在", field="org_id")
    if not ((p.role is Role.ENTERPRISE and p.org_id == org.id) or p.scope.allows(org)):
        raise Forbidden("只有企业本身或负责该区镇的科技局工作人员可以申请诊断")
    if org.kind != "enterprise":
        raise InvalidInput("只有企业可以申请技术诊断", field="org_id")
    if c.status is not CampaignStatus.PLANNING:
        raise Conflict(f"巡诊活动“{c.title}”当前状态为“{c.status.label}”，不接受诊断申请")
    existing = _existing_request(session, c.id, org.id)
    if existing is not None:
        return existing, False
    outside = [h for h in data.preferred if h not in c.half_days]
    if outside:
        labels = "、".join(half_day_label(h) for h in outside)
        raise InvalidInput(f"这些半天不在活动日期内：{labels}", field="preferred")
    if data.need_ids:
        own = set(
            session.scalars(
                select(Need.id).where(Need.id.in_(data.need_ids), Need.org_id == org.id)
            )
        )
        if own != set(data.need_ids):
            raise InvalidInput("只能附上本企业的技术需求", field="need_ids")
    r = DiagnosisRequest(
        campaign_id=c.id,
        org_id=org.id,
        org=org,
        problem=data.problem,
        industry_field=data.industry_field.value,
        preferred=list(data.preferred) or list(c.half_days),
        wants_senior=data.wants_senior,
        tried=data.tried,
        need_ids=list(data.need_ids),
        contact_name=data.contact_name or org.contact_name,
        contact_phone=data.contact_phone or org.contact_phone,
        address=data.address,
        created_by=p.user_id,
    )
    try:
        with session.begin_nested():
            session.add(r)
            session.flush()
    except IntegrityError:
        # Two asks at once: the other one won; it is the company's request.
        found = _existing_request(session, c.id, org.id)
        if found is None:
            raise
        return found, False
    return r, True


def _existing_request(session: Session, campaign_id: int, org_id: int) -> DiagnosisRequest | None:
    return session.scalar(
        select(DiagnosisRequest)
        .where(DiagnosisRequest.campaign_id == campaign_id, DiagnosisRequest.org_id == org_id)
        .options(selectinload(DiagnosisRequest.org))
    )


def request_read(session: Session, p: Principal, r: DiagnosisRequest) -> RequestRead:
    contact = (
        (p.org_id is not None and p.org_id == r.org_id)
        or (p.is_staff and p.scope.allows(r.org))
        or (p.expert_id is not None and p.expert_id in assigned_experts(session, r.id))
    )
    return RequestRead(
        id=r.id,
        campaign_id=r.campaign_id,
        org_id=r.org_id,
        company=r.org.name,
        town=r.org.town,
        problem=r.problem,
        industry_field=r.industry_field,
        preferred=list(r.preferred),
        wants_senior=r.wants_senior,
        tried=r.tried,
        need_ids=list(r.need_ids),
        status=r.status.value,
        contact_name=r.contact_name if contact else "",
        contact_phone=r.contact_phone if contact else "",
        address=r.address if contact else "",
        contact_visible=contact,
    )


def list_requests(
    session: Session, p: Principal, campaign_id: int, *, page: int = 1, page_size: int = 50
) -> Page[RequestRead]:
    """Staff: the campaign's requests of companies in their scope; a company: its own."""
    require_login(p)
    c = read_campaign(session, p, campaign_id)
    stmt = (
        select(DiagnosisRequest)
        .join(Organization, Organization.id == DiagnosisRequest.org_id)
        .where(DiagnosisRequest.campaign_id == c.id)
        .options(selectinload(DiagnosisRequest.org))
        .order_by(DiagnosisRequest.id)
    )
    if p.is_staff:
        stmt = p.scope.where(stmt)
    elif p.org_id is not None:
        stmt = stmt.where(DiagnosisRequest.org_id == p.org_id)
    else:
        raise Forbidden("只有企业和科技局工作人员可以查看诊断申请")
    found = paginate(session, stmt, page, page_size)
    return found.map(lambda rows: [request_read(session, p, r) for r in rows])


def my_requests(session: Session, p: Principal) -> list[RequestRead]:
    require_login(p)
    if p.org_id is None:
        return []
    stmt = (
        select(DiagnosisRequest)
        .where(DiagnosisRequest.org_id == p.org_id)
        .options(selectinload(DiagnosisRequest.org))
        .order_by(DiagnosisRequest.id.desc())
    )
    return [request_read(session, p, r) for r in session.scalars(stmt)]


def cancel_request(session: Session, p: Principal, request_id: int) -> DiagnosisRequest:
    """The company (or staff) withdraws a request; a re-run leaves it out."""
    r = ensure_request_visible(session, p, request_id)
    if not (p.org_id == r.org_id or (p.is_staff and p.scope.allows(r.org))):
        raise Forbidden("只有企业本身或负责的科技局工作人员可以取消诊断申请")
    if r.status is RequestStatus.CANCELLED:
        raise Conflict("该诊断申请已经取消")
    c = get_campaign(session, r.campaign_id)
    if c.status is CampaignStatus.FINISHED:
        raise Conflict("本次巡诊已结束，不能再取消申请")
    done = session.scalar(select(DiagnosisRecord.id).where(DiagnosisRecord.request_id == r.id))
    if done is not None:
        raise Conflict("专家已填写诊断记录，不能再取消申请")
    r.status = RequestStatus.CANCELLED
    # The experts already sent there hear that the visit is off.
    published = published_run(session, c.id)
    if published is not None:
        sent = session.scalars(
            select(VisitAssignment).where(
                VisitAssignment.run_id == published.id,
                VisitAssignment.request_id == r.id,
                VisitAssignment.status != AssignmentStatus.DECLINED,
            )
        ).all()
        _notify_experts(session, p, c, sent, NotificationKind.VISIT_CANCELLED)
    session.flush()
    return r


# -- runs -----------------------------------------------------------------------------
def recover_stale(session: Session, campaign_id: int) -> int:
    """Runs whose worker stopped reporting are failed (never stuck "running")."""
    return RUNS.recover_stale(
        session,
        campaign_id,
        after=STALE_AFTER,
        message="计算中断：超过 10 分钟没有进展（后台任务可能已停止），请重新运行",
    )


def start_run(session: Session, p: Principal, campaign_id: int) -> AssignmentRun:
    """Queue a new version of the assignment (the worker runs ``visits.assign``)."""
    c = _staff_campaign(session, p, campaign_id)
    if c.status not in (CampaignStatus.PLANNING, CampaignStatus.PUBLISHED):
        raise Conflict(f"巡诊活动当前状态为“{c.status.label}”，不能排班")
    recover_stale(session, c.id)
    busy = RUNS.live(session, c.id)
    if busy is not None:
        raise Conflict(f"第 {busy.version} 版排班还在计算，请等它完成或取消后再运行")
    run = AssignmentRun(
        campaign_id=c.id,
        version=RUNS.next_version(session, c.id),
        created_by=p.user_id,
        heartbeat_at=utcnow(),
    )
    session.add(run)
    session.flush()
    jobs.enqueue(session, TASK, run.id)
    return run


def get_run(session: Session, p: Principal, run_id: int) -> AssignmentRun:
    run = session.get(AssignmentRun, run_id)
    if run is None:
        raise NotFound(f"排班结果 {run_id} 不存在")
    _staff_campaign(session, p, run.campaign_id)
    return run


def cancel_run(session: Session, p: Principal, run_id: int) -> AssignmentRun:
    """Ask a queued or running run to stop (the solver stops at its next report)."""
    run = get_run(session, p, run_id)
    return RUNS.cancel(session, run, refused="该排班{status}，不能取消", message="已取消")


def run_read(run: AssignmentRun) -> RunRead:
    return RunRead(
        id=run.id,
        campaign_id=run.campaign_id,
        version=run.version,
        status=run.status.value,
        status_label=run.status.label,
        progress=run.progress,
        message=run.message,
        published=run.published,
        result=run.result,
    )


def runs_of(session: Session, p: Principal, campaign_id: int) -> list[AssignmentRun]:
    c = _staff_campaign(session, p, campaign_id)
    recover_stale(session, c.id)
    stmt = (
        select(AssignmentRun)
        .where(AssignmentRun.campaign_id == c.id)
        .order_by(AssignmentRun.version.desc())
    )
    return list(session.scalars(stmt))


def _assignment_rows(session: Session, stmt: Any) -> list[AssignmentRead]:
    rows = session.execute(
        stmt.join(DiagnosisRequest, DiagnosisRequest.id == VisitAssignment.request_id)
        .join(Organization, Organization.id == DiagnosisRequest.org_id)
        .join(Expert, Expert.id == VisitAssignment.expert_id)
        .join(AssignmentRun, AssignmentRun.id == VisitAssignment.run_id)
        .join(Campaign, Campaign.id == AssignmentRun.campaign_id)
        .add_columns(Organization.name, Organization.town, Expert.name, Campaign.title)
    ).all()
    out = []
    for a, company, town, expert, campaign in rows:
        out.append(
            AssignmentRead(
                id=a.id,
                run_id=a.run_id,
                request_id=a.request_id,
                company=company,
                town=town,
                expert_id=a.expert_id,
                expert=expert,
                half_day=a.half_day,
                when=half_day_label(a.half_day),
                score=round(a.score, 4),
                shared_terms=list(a.shared_terms),
                status=a.status.value,
                status_label=a.status.label,
                decline_reason=a.decline_reason,
                locked=a.locked,
                campaign=campaign,
            )
        )
    return out


def assignments_of(session: Session, run_id: int) -> list[AssignmentRead]:
    stmt = (
        select(VisitAssignment)
        .where(VisitAssignment.run_id == run_id)
        .order_by(VisitAssignment.half_day, VisitAssignment.request_id, VisitAssignment.id)
    )
    return _assignment_rows(session, stmt)


def draft(session: Session, p: Principal, run_id: int) -> dict[str, Any]:
    """The draft page: each visit's experts with score and shared terms, alternates,
    each expert's load, unstaffed visits and why, the run's problems."""
    run = get_run(session, p, run_id)
    c = get_campaign(session, run.campaign_id)
    rows = assignments_of(session, run.id)
    requests = {
        r.id: r
        for r in session.scalars(
            select(DiagnosisRequest)
            .where(DiagnosisRequest.campaign_id == run.campaign_id)
            .options(selectinload(DiagnosisRequest.org))
        )
        if p.scope.allows(r.org)
    }
    names = {ce.expert_id: ce.expert.name for ce in pool(session, run.campaign_id)}
    result = run.result or {}
    visits: dict[int, dict[str, Any]] = {}
    for rid, r in requests.items():
        if r.status is RequestStatus.CANCELLED:
            continue
        alternates = [
            {"expert_id": int(e), "expert": names.get(int(e), e), "score": round(s, 4)}
            for e, s in result.get("alternates", {}).get(str(rid), [])
        ]
        visits[rid] = {
            "request_id": rid,
            "company": r.org.name,
            "town": r.org.town,
            "experts": [],
            "alternates": alternates,
            "half_day": None,
            # The half-days the visit may move to (the company's, within the campaign).
            "windows": [
                {"value": h, "label": half_day_label(h)} for h in c.half_days if h in r.preferred
            ],
        }
    loads: dict[int, int] = defaultdict(int)
    for a in rows:
        loads[a.expert_id] += 1
        if a.request_id in visits:
            visits[a.request_id]["experts"].append(a)
            visits[a.request_id]["half_day"] = a.half_day
    return {
        "run": run_read(run),
        # Staff may edit a finished draft never published (see ``visits.edits``).
        "editable": run.status is RunStatus.DONE
        and run.published_at is None
        and c.status is not CampaignStatus.FINISHED,
        "pool": [{"expert_id": e, "expert": n} for e, n in names.items()],
        "visits": list(visits.values()),
        "loads": [
            {"expert_id": e, "expert": names.get(e, str(e)), "visits": loads.get(e, 0)}
            for e in names
        ],
        "unstaffed": result.get("unstaffed", []),
        "problems": result.get("problems", []),
        "metrics": result.get("metrics", {}),
    }


def set_locked(session: Session, p: Principal, assignment_id: int, locked: bool) -> None:
    """Lock a draft assignment: the next run keeps it (expert and half-day)."""
    a = session.get(VisitAssignment, assignment_id)
    if a is None:
        raise NotFound(f"巡诊安排 {assignment_id} 不存在")
    get_run(session, p, a.run_id)
    a.locked = locked
    session.flush()


def publish(session: Session, p: Principal, run_id: int) -> AssignmentRun:
    """Publish a finished run: the one published run of its campaign, switched atomically.

    Answers already given on the previous published run carry over (same visit and
    expert); experts new to a visit are notified.
    """
    run = get_run(session, p, run_id)
    c = get_campaign(session, run.campaign_id)
    if run.status is not RunStatus.DONE:
        raise Conflict(f"第 {run.version} 版排班{run.status.label}，只能发布已完成的排班")
    if run.published:
        return run
    previous = published_run(session, c.id)
    before: dict[tuple[int, int], VisitAssignment] = {}
    if previous is not None:
        before = {
            (a.request_id, a.expert_id): a
            for a in session.scalars(
                select(VisitAssignment).where(VisitAssignment.run_id == previous.id)
            )
        }
        # Unpublish first: the partial unique index allows one published run per campaign.
        session.execute(
            update(AssignmentRun)
            .where(AssignmentRun.id == previous.id, AssignmentRun.published.is_(True))
            .values(published=False)
            .execution_options(synchronize_session="fetch")
        )
    moved = session.execute(
        update(AssignmentRun)
        .where(AssignmentRun.id == run.id, AssignmentRun.published.is_(False))
        .values(published=True, published_at=utcnow())
        .execution_options(synchronize_session="fetch")
    )
    if getattr(moved, "rowcount", 1) != 1:
        raise Conflict("该排班刚被其他人发布或撤回，请刷新后再试")
    fresh: list[VisitAssignment] = []
    for a in session.scalars(select(VisitAssignment).where(VisitAssignment.run_id == run.id)):
        old = before.get((a.request_id, a.expert_id))
        if old is not None and old.status is not AssignmentStatus.DECLINED:
            a.status, a.decline_reason = old.status, old.decline_reason
            if old.half_day == a.half_day:
                continue
        fresh.append(a)
    if c.status is CampaignStatus.PLANNING:
        MACHINE.move(
            session, c, CampaignAction.PUBLISH, actor_user_id=p.user_id, record=_recorder(session)
        )
    session.flush()
    _notify_experts(session, p, c, fresh, NotificationKind.VISIT_ASSIGNED)
    session.refresh(run)
    return run


def _notify_experts(
    session: Session,
    p: Principal,
    c: Campaign,
    rows: Sequence[VisitAssignment],
    kind: NotificationKind,
) -> None:
    """Tell each assignment's expert about their visit (assigned, called off)."""
    for a in rows:
        r = _request(session, a.request_id)
        users = accounts_repository.users_of_expert(session, a.expert_id)
        notify(
            session,
            [u.id for u in users],
            kind,
            {"campaign": c.title, "company": r.org.name, "when": half_day_label(a.half_day)},
            subject=("visit", a.id),
            link="/visits/mine",
            skip=p.user_id,
        )


def rollback(session: Session, p: Principal, campaign_id: int) -> AssignmentRun | None:
    """Go back to the previously published run (none: the campaign is planning again)."""
    c = _staff_campaign(session, p, campaign_id)
    current = published_run(session, c.id)
    if current is None:
        raise Conflict("还没有发布的排班，无需撤回")
    earlier = session.scalar(
        select(AssignmentRun)
        .where(
            AssignmentRun.campaign_id == c.id,
            AssignmentRun.published_at.is_not(None),
            AssignmentRun.version < current.version,
            AssignmentRun.status == RunStatus.DONE,
        )
        .order_by(AssignmentRun.version.desc())
    )
    current.published = False
    session.flush()
    if earlier is not None:
        earlier.published = True
        session.flush()
        return earlier
    if c.status is CampaignStatus.PUBLISHED:
        MACHINE.move(
            session, c, CampaignAction.REOPEN, actor_user_id=p.user_id, record=_recorder(session)
        )
    return None


# -- the expert's side ------------------------------------------------------------------
def my_visits(session: Session, p: Principal) -> list[AssignmentRead]:
    """The visits of published runs this expert is on, by half-day."""
    require_login(p)
    if p.expert_id is None:
        raise Forbidden("只有专家账号有巡诊安排")
    stmt = (
        select(VisitAssignment)
        .where(VisitAssignment.expert_id == p.expert_id, AssignmentRun.published.is_(True))
        .order_by(VisitAssignment.half_day, VisitAssignment.id)
    )
    return _assignment_rows(session, stmt)


def respond(
    session: Session, p: Principal, assignment_id: int, *, accept: bool, reason: str = ""
) -> VisitAssignment:
    """The assigned expert accepts, or declines with a reason (staff are told)."""
    require_login(p)
    a = session.get(VisitAssignment, assignment_id)
    if a is None:
        raise NotFound(f"巡诊安排 {assignment_id} 不存在")
    run = session.get(AssignmentRun, a.run_id)
    if p.expert_id is None or p.expert_id != a.expert_id or run is None or not run.published:
        raise Forbidden("只有被安排的专家可以答复这次巡诊")
    if a.status is AssignmentStatus.DECLINED:
        raise Conflict("您已谢绝这次巡诊")
    if accept:
        a.status = AssignmentStatus.ACCEPTED
        session.flush()
        return a
    if len(reason.strip()) < 2:
        raise InvalidInput("请说明谢绝的原因", field="reason")
    a.status, a.decline_reason = AssignmentStatus.DECLINED, reason.strip()
    session.flush()
    c = get_campaign(session, run.campaign_id)
    r = _request(session, a.request_id)
    expert = session.get(Expert, a.expert_id)
    notify(
        session,
        [u.id for u in _campaign_staff(session, c)],
        NotificationKind.VISIT_DECLINED,
        {
            "campaign": c.title,
            "company": r.org.name,
            "expert": expert.name if expert else "",
            "reason": a.decline_reason,
        },
        subject=("visit_campaign", c.id),
        link=f"/visits/{c.id}",
        skip=p.user_id,
    )
    return a


def _campaign_staff(session: Session, c: Campaign) -> list[User]:
    stmt = select(User).where(User.role.in_((Role.STAFF, Role.ADMIN)), User.is_active.is_(True))
    if c.town_id is None:
        stmt = stmt.where(User.town_id.is_(None))
    else:
        stmt = stmt.where((User.town_id.is_(None)) | (User.town_id == c.town_id))
    return list(session.scalars(stmt))


# -- day sheets -------------------------------------------------------------------------
def day_sheet(
    session: Session,
    p: Principal,
    campaign_id: int,
    *,
    town: str | None = None,
    expert_id: int | None = None,
) -> list[dict[str, Any]]:
    """The published visits by half-day (one town's or one expert's): who, where, when;
    the contact and address only where the viewer may see them."""
    require_login(p)
    c = read_campaign(session, p, campaign_id)
    if not may_manage(p, c):
        if p.expert_id is None or (expert_id is not None and expert_id != p.expert_id):
            raise Forbidden("日程表只对负责的科技局工作人员和专家本人开放")
        expert_id = p.expert_id
    run = published_run(session, c.id)
    if run is None:
        return []
    stmt = select(VisitAssignment).where(VisitAssignment.run_id == run.id)
    if expert_id is not None:
        stmt = stmt.where(VisitAssignment.expert_id == expert_id)
    rows = assignments_of_stmt(session, stmt)
    by_visit: dict[tuple[str | None, int], dict[str, Any]] = {}
    for a in rows:
        if town and a.town != town:
            continue
        key = (a.half_day, a.request_id)
        if key not in by_visit:
            r = _request(session, a.request_id)
            read = request_read(session, p, r)
            by_visit[key] = {
                "half_day": a.half_day,
                "when": a.when,
                "request_id": a.request_id,
                "company": a.company,
                "town": a.town,
                "problem": r.problem,
                "contact_name": read.contact_name,
                "contact_phone": read.contact_phone,
                "address": read.address,
                "contact_visible": read.contact_visible,
                "experts": [],
            }
        by_visit[key]["experts"].append({"name": a.expert, "status": a.status_label})
    return [by_visit[k] for k in sorted(by_visit, key=lambda k: (k[0] or "~", k[1]))]


def assignment_read(session: Session, assignment_id: int) -> AssignmentRead:
    """One assignment as the pages and the API show it."""
    stmt = select(VisitAssignment).where(VisitAssignment.id == assignment_id)
    found = _assignment_rows(session, stmt)
    if not found:
        raise NotFound(f"巡诊安排 {assignment_id} 不存在")
    return found[0]


def assignments_of_stmt(session: Session, stmt: Any) -> list[AssignmentRead]:
    return _assignment_rows(session, stmt.order_by(VisitAssignment.half_day, VisitAssignment.id))


def fields() -> list[IndustryField]:
    return list(IndustryField)
