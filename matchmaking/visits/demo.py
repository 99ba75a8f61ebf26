"""Demo clinic visits: one finished campaign (diagnoses, follow-ups, needs drafted from
them, one of which is docked) and one being planned, with enough requests and experts
that "运行排班" shows a real result; and a campaign a quarter since 2025, finished, for
the KPI dashboard's history (专家巡诊, 巡诊形成需求): each diagnosis at its visit's time,
and some companies' needs posted a few days after the visit, from its diagnosis.
Idempotent: campaigns already there are kept."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.enums import DockingStatus, Origin, Role, RunStatus
from matchmaking.models import (
    AssignmentRun,
    Campaign,
    CampaignExpert,
    DiagnosisNeed,
    DiagnosisRecord,
    DiagnosisRequest,
    Docking,
    Expert,
    FollowUp,
    Need,
    Organization,
    User,
    VisitAssignment,
)
from matchmaking.models.base import utcnow
from matchmaking.needs.schemas import NeedCreate
from matchmaking.needs.service import service as needs
from matchmaking.visits.states import (
    AssignmentStatus,
    CampaignStatus,
    DraftStatus,
    InviteStatus,
)

FINISHED = "2026年秋季正余镇技术专家巡诊"
PLANNED = "2027年春季全区技术专家巡诊"
# Past campaigns (finished): title, first of their two days.
HISTORY = (
    ("2025年春季全区技术专家巡诊", date(2025, 3, 18)),
    ("2025年夏季全区技术专家巡诊", date(2025, 6, 17)),
    ("2025年秋季全区技术专家巡诊", date(2025, 9, 16)),
    ("2025年冬季全区技术专家巡诊", date(2025, 12, 9)),
    ("2026年春季全区技术专家巡诊", date(2026, 3, 17)),
    ("2026年夏季全区技术专家巡诊", date(2026, 6, 16)),
    ("2026年初秋全区技术专家巡诊", date(2026, 9, 8)),
)
HISTORY_VISITS = 6
# The demo enterprise account's company and the demo expert account's expert.
DEMO_COMPANY, DEMO_EXPERT = "海门氢能动力科技有限公司", "曾新华"


def _days(start: date, n: int) -> list[str]:
    out = []
    for i in range(n):
        d = (start + timedelta(days=i)).isoformat()
        out += [f"{d}am", f"{d}pm"]
    return out


def _experts_by_field(session: Session) -> dict[str, list[Expert]]:
    by: dict[str, list[Expert]] = {}
    for e in session.scalars(select(Expert).order_by(Expert.id)):
        for f in e.fields.split(";"):
            if f:
                by.setdefault(f, []).append(e)
    return by


def _first_need(session: Session, org_id: int) -> Need | None:
    return session.scalar(select(Need).where(Need.org_id == org_id).order_by(Need.id))


def load(session: Session) -> None:
    """Add the two demo campaigns (nothing when they exist)."""
    if session.scalar(select(Campaign.id).where(Campaign.title == FINISHED)) is not None:
        return
    staff = session.scalar(select(User).where(User.role == Role.STAFF, User.town_id.is_(None)))
    companies = list(
        session.scalars(
            select(Organization).where(Organization.kind == "enterprise").order_by(Organization.id)
        )
    )
    experts = _experts_by_field(session)
    if staff is None or not companies or not experts:
        return
    _finished(session, staff, companies, experts)
    _planned(session, staff, companies, experts)
    _history(session, staff, companies, experts)
    session.flush()


def _at(day: str) -> datetime:
    """A half-day id ("2026-03-18am") as the moment its diagnosis is written (UTC)."""
    hour = time(11, 30) if day.endswith("am") else time(16, 30)
    return datetime.combine(date.fromisoformat(day[:10]), hour, clock.zone()).astimezone(UTC)


def _history(
    session: Session, staff: User, companies: list[Organization], experts: dict[str, list[Expert]]
) -> None:
    """The past campaigns: six companies each, across the towns; about two in five post a
    need from their diagnosis (the company's own need, posted five days after the visit)."""
    rng = random.Random(2025)
    today = clock.local_today()
    # Companies with a need no visit has formed yet: the need is what their visit yields.
    formed = set(session.scalars(select(DiagnosisNeed.need_id)))
    needs: dict[int, Need] = {}
    for need in session.scalars(select(Need).order_by(Need.id)):
        if need.id not in formed:
            needs.setdefault(need.org_id, need)
    pool = [o for o in companies if o.id in needs]
    rng.shuffle(pool)
    for n, (title, first) in enumerate(HISTORY):
        if first >= today:
            continue
        days = _days(first, 2)
        c = Campaign(
            title=title,
            theme="企业点单、专家上门：重点产业链企业现场技术诊断。",
            towns="",
            half_days=days,
            experts_per_visit=1,
            status=CampaignStatus.FINISHED,
            created_by=staff.id,
            created_at=_at(days[0]) - timedelta(days=30),
        )
        session.add(c)
        session.flush()
        run = AssignmentRun(
            campaign_id=c.id,
            version=1,
            status=RunStatus.DONE,
            progress=1.0,
            message="排班完成",
            published=True,
            published_at=_at(days[0]) - timedelta(days=7),
            finished_at=_at(days[0]) - timedelta(days=7),
            result={"alternates": {}, "unstaffed": [], "problems": [], "metrics": {}},
            created_by=staff.id,
        )
        session.add(run)
        session.flush()
        # A different six each time while there are enough (the pool is ~40 companies).
        chosen = [pool[(n * HISTORY_VISITS + i) % len(pool)] for i in range(HISTORY_VISITS)]
        pooled: set[int] = set()
        for i, org in enumerate(dict.fromkeys(chosen)):
            need = needs[org.id]
            half_day = days[i % len(days)]
            r = DiagnosisRequest(
                campaign_id=c.id,
                org_id=org.id,
                org=org,
                problem=need.description,
                industry_field=need.industry_field,
                preferred=list(days),
                tried="已与设备厂家沟通过，效果有限。",
                contact_name=org.contact_name or "生产部 张经理",
                contact_phone=org.contact_phone or f"0513-8{org.id:07d}",
                address=f"海门区{org.town}工业园区{org.id}号",
                created_by=staff.id,
                created_at=_at(days[0]) - timedelta(days=20),
            )
            session.add(r)
            session.flush()
            expert = (experts.get(r.industry_field) or next(iter(experts.values())))[0]
            if expert.id not in pooled:
                pooled.add(expert.id)
                session.add(
                    CampaignExpert(
                        campaign_id=c.id,
                        expert_id=expert.id,
                        available=days,
                        max_visits=HISTORY_VISITS,
                        status=InviteStatus.ACCEPTED,
                    )
                )
            record = _visited(
                session, run.id, r, expert, half_day,
                "关键工艺参数缺少记录，需结合小试验证改进方案。",
                "建立工艺参数记录；与高校联合开展小试验证。",
            )  # fmt: skip
            session.add(
                FollowUp(
                    record_id=record.id,
                    action="整理工艺参数与不良品记录，发给专家",
                    owner="企业技术部",
                    due=first + timedelta(days=14),
                    done=True,
                )
            )
            if need.id not in formed and rng.random() < 0.4:
                # The company posts its problem as a need five days after the visit.
                formed.add(need.id)
                need.created_at = record.created_at + timedelta(days=5)
                draft = {
                    "title": need.title,
                    "description": need.description,
                    "indicators": need.indicators,
                    "industry_field": need.industry_field,
                    "cooperation_mode": need.cooperation_mode,
                }
                session.add(
                    DiagnosisNeed(
                        record_id=record.id,
                        draft=draft,
                        need_id=need.id,
                        status=DraftStatus.PUBLISHED,
                    )
                )


def _request(
    session: Session, c: Campaign, org: Organization, staff: User, wants_senior: bool = False
) -> DiagnosisRequest | None:
    need = _first_need(session, org.id)
    if need is None:
        return None
    r = DiagnosisRequest(
        campaign_id=c.id,
        org_id=org.id,
        org=org,
        problem=need.description,
        industry_field=need.industry_field,
        preferred=list(c.half_days),
        wants_senior=wants_senior,
        tried="已与设备厂家沟通过，效果有限。",
        need_ids=[need.id],
        contact_name=org.contact_name or "生产部 张经理",
        contact_phone=org.contact_phone or f"0513-8{org.id:07d}",
        address=f"海门区{org.town}工业园区{org.id}号",
        created_by=staff.id,
    )
    session.add(r)
    session.flush()
    return r


def _finished(
    session: Session, staff: User, companies: list[Organization], experts: dict[str, list[Expert]]
) -> None:
    days = _days(date(2026, 10, 20), 2)
    c = Campaign(
        title=FINISHED,
        theme="围绕氢能、新材料与智能制造企业的现场技术诊断。",
        towns="正余镇",
        half_days=days,
        experts_per_visit=1,
        status=CampaignStatus.FINISHED,
        created_by=staff.id,
    )
    session.add(c)
    session.flush()
    run = AssignmentRun(
        campaign_id=c.id,
        version=1,
        status=RunStatus.DONE,
        progress=1.0,
        message="排班完成",
        published=True,
        published_at=utcnow(),
        finished_at=utcnow(),
        result={"alternates": {}, "unstaffed": [], "problems": [], "metrics": {}},
        created_by=staff.id,
    )
    session.add(run)
    session.flush()
    demo_company = next((o for o in companies if o.name == DEMO_COMPANY), companies[0])
    chosen = [demo_company] + [o for o in companies if o.id != demo_company.id][:3]
    today = date(2026, 10, 21)
    for i, org in enumerate(chosen):
        r = _request(session, c, org, staff)
        if r is None:
            continue
        pool = experts.get(r.industry_field) or next(iter(experts.values()))
        expert = pool[0]
        if org is demo_company:
            expert = next((e for e in pool if e.name == DEMO_EXPERT), expert)
        member = session.scalar(
            select(CampaignExpert).where(
                CampaignExpert.campaign_id == c.id, CampaignExpert.expert_id == expert.id
            )
        )
        if member is None:
            session.add(
                CampaignExpert(
                    campaign_id=c.id,
                    expert_id=expert.id,
                    available=days,
                    max_visits=3,
                    status=InviteStatus.ACCEPTED,
                )
            )
        record = _visited(
            session, run.id, r, expert, days[i % len(days)],
            "现场检测手段不足，工艺参数没有记录，问题难以复现。",
            "建立关键工艺参数记录；与高校联合开展小试验证；引入在线检测。",
        )  # fmt: skip
        session.add_all(
            [
                FollowUp(
                    record_id=record.id,
                    action="整理近三个月的工艺参数与不良品记录，发给专家",
                    owner="企业技术部",
                    due=today + timedelta(days=14),
                    done=i % 2 == 0,
                ),
                FollowUp(
                    record_id=record.id,
                    action="联系高校实验室安排样品检测",
                    owner="镇科技网格员",
                    due=today + timedelta(days=30),
                ),
            ]
        )
        if i < 2:
            _need_from(session, org, r, record, expert, staff, docked=i == 0)


def _visited(
    session: Session,
    run_id: int,
    r: DiagnosisRequest,
    expert: Expert,
    half_day: str,
    found: str,
    suggestions: str,
) -> DiagnosisRecord:
    """An accepted visit and its diagnosis, written on the day of the visit (the KPI
    dashboard counts it in that month)."""
    session.add(
        VisitAssignment(
            run_id=run_id,
            request_id=r.id,
            expert_id=expert.id,
            half_day=half_day,
            score=0.8,
            status=AssignmentStatus.ACCEPTED,
        )
    )
    at = _at(half_day)
    record = DiagnosisRecord(
        request_id=r.id,
        expert_id=expert.id,
        problems=f"{r.problem[:80]}\n{found}",
        suggestions=suggestions,
        created_at=at,
        updated_at=at,
    )
    session.add(record)
    session.flush()
    return record


def _need_from(
    session: Session,
    org: Organization,
    r: DiagnosisRequest,
    record: DiagnosisRecord,
    expert: Expert,
    staff: User,
    *,
    docked: bool,
) -> None:
    title = f"{org.name[:8]}巡诊诊断：工艺参数在线检测与优化"
    draft = {
        "title": title,
        "description": f"【诊断发现】\n{record.problems}\n\n【专家建议】\n{record.suggestions}",
        "industry_field": r.industry_field,
        "cooperation_mode": "commissioned_development",
    }
    need = needs.create(session, NeedCreate(org_id=org.id, **draft), past_deadline_ok=True)  # type: ignore[arg-type]
    # Confirmed by the company three days after the visit.
    need.created_at = record.created_at + timedelta(days=3)
    session.add(
        DiagnosisNeed(
            record_id=record.id, draft=draft, need_id=need.id, status=DraftStatus.PUBLISHED
        )
    )
    if docked:
        session.add(
            Docking(
                need_id=need.id,
                target_kind="experts",
                target_id=expert.id,
                requester_user_id=staff.id,
                requester_org_id=org.id,
                responder_org_id=expert.org_id,
                status=DockingStatus.ACCEPTED,
                message="巡诊后由专家提出的对接",
                origin=Origin.VISIT,
            )
        )
    session.flush()


def _planned(
    session: Session, staff: User, companies: list[Organization], experts: dict[str, list[Expert]]
) -> None:
    days = _days(date(2027, 4, 12), 3)
    c = Campaign(
        title=PLANNED,
        theme="企业点单、专家上门：全区重点产业链企业技术诊断。",
        towns="",
        half_days=days,
        experts_per_visit=2,
        status=CampaignStatus.PLANNING,
        created_by=staff.id,
    )
    session.add(c)
    session.flush()
    fields: set[str] = set()
    # The demo company asks for itself (the demo walks it): no request made for it here.
    demo_company = next((o for o in companies if o.name == DEMO_COMPANY), None)
    others = [o for o in companies if o is not demo_company]
    for i, org in enumerate(others[:14]):
        r = _request(session, c, org, staff, wants_senior=i % 4 == 0)
        if r is not None:
            # Each company can receive on four of the six half-days.
            r.preferred = [d for j, d in enumerate(days) if (i + j) % 3 != 0]
            fields.add(r.industry_field)
    if demo_company is not None and demo_company.industry_field:
        # Experts of the demo company's field are in the pool, so its request is staffed.
        fields.add(demo_company.industry_field)
    for f in sorted(fields):
        for n, e in enumerate(experts.get(f, [])[:4]):
            if session.scalar(
                select(CampaignExpert.id).where(
                    CampaignExpert.campaign_id == c.id, CampaignExpert.expert_id == e.id
                )
            ):
                continue
            session.add(
                CampaignExpert(
                    campaign_id=c.id,
                    expert_id=e.id,
                    available=[d for j, d in enumerate(days) if (n + j) % 4 != 0],
                    min_visits=0,
                    max_visits=3,
                    status=InviteStatus.ACCEPTED,
                )
            )
    session.flush()
    # The demo expert account is invited and has not answered yet: its campaign page asks
    # for its free half-days (free on all until it says otherwise, as ``invite`` does).
    demo_expert = session.scalar(select(Expert).where(Expert.name == DEMO_EXPERT))
    if demo_expert is not None:
        member = session.scalar(
            select(CampaignExpert).where(
                CampaignExpert.campaign_id == c.id, CampaignExpert.expert_id == demo_expert.id
            )
        )
        if member is None:
            member = CampaignExpert(campaign_id=c.id, expert_id=demo_expert.id, max_visits=3)
            session.add(member)
        member.available = list(days)
        member.status = InviteStatus.INVITED
    session.flush()
