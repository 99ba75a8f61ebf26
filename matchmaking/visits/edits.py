"""Staff's hand edits of a draft assignment: another pool expert on a visit, or a visit
on another half-day.

An edit is refused, with every broken hard constraint named in Chinese, when the
expert is not in the pool (or declined it, or was closed), is not free or already busy
that half-day, would exceed their maximum visits, belongs to the company's organization
or declined this visit, or leaves a visit that asked for a senior expert without one;
a visit moves only to a half-day the company offered. An edited assignment is locked,
so the next run keeps it.

Only a finished draft that was never published is edited: a published run (or one
published before and rolled back, which a rollback may publish again) is what experts
were told, so staff re-run (published visits are kept), edit the new draft and
publish it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.enums import ItemStatus, Kind, OrgStatus, RunStatus
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import (
    AssignmentRun,
    Campaign,
    DiagnosisRequest,
    Expert,
    Organization,
    VisitAssignment,
)
from matchmaking.visits import service
from matchmaking.visits.matching import expert_fits
from matchmaking.visits.runner import is_senior
from matchmaking.visits.schemas import half_day_label
from matchmaking.visits.states import AssignmentStatus, CampaignStatus, InviteStatus, RequestStatus

ALTERNATES = 3


def editable_run(session: Session, p: Principal, run_id: int) -> AssignmentRun:
    """The run, if staff in scope may still edit it (finished, never published)."""
    run = service.get_run(session, p, run_id)
    if run.status is not RunStatus.DONE:
        raise Conflict(f"第 {run.version} 版排班{run.status.label}，只能修改已完成的排班")
    if run.published or run.published_at is not None:
        raise Conflict(
            f"第 {run.version} 版排班已发布过，专家已收到通知，不能直接修改："
            "请重新排班（已发布的安排会保留），在新的一版上修改后再发布"
        )
    c = service.get_campaign(session, run.campaign_id)
    if c.status is CampaignStatus.FINISHED:
        raise Conflict("巡诊活动已结束，不能再修改排班")
    return run


def run_of_assignment(session: Session, p: Principal, assignment_id: int) -> int:
    """The run an assignment belongs to, for staff whose scope covers its campaign."""
    a = session.get(VisitAssignment, assignment_id)
    if a is None:
        raise NotFound(f"巡诊安排 {assignment_id} 不存在")
    return service.get_run(session, p, a.run_id).id


def _visit(session: Session, p: Principal, run: AssignmentRun, request_id: int) -> DiagnosisRequest:
    """The run's visit (a request of its campaign, still asked, in the staff's scope)."""
    r = session.get(DiagnosisRequest, request_id)
    if r is None or r.campaign_id != run.campaign_id:
        raise NotFound(f"诊断申请 {request_id} 不在第 {run.version} 版排班中")
    r = service._request(session, request_id)
    if not p.scope.allows(r.org):
        raise Forbidden(f"“{r.org.name}”不在您负责的区镇范围内")
    if r.status is not RequestStatus.REQUESTED:
        raise Conflict(f"{r.org.name}已{r.status.label}诊断申请，不能再安排")
    return r


def _rows(session: Session, run_id: int) -> list[VisitAssignment]:
    return list(session.scalars(select(VisitAssignment).where(VisitAssignment.run_id == run_id)))


def _company(session: Session, request_id: int) -> str:
    name = session.scalar(
        select(Organization.name)
        .join(DiagnosisRequest, DiagnosisRequest.org_id == Organization.id)
        .where(DiagnosisRequest.id == request_id)
    )
    return name or f"诊断申请 {request_id}"


def _declined_visit(session: Session, campaign: Campaign, request_id: int, expert_id: int) -> bool:
    """The expert declined this visit in the published run (a declared conflict)."""
    published = service.published_run(session, campaign.id)
    if published is None:
        return False
    return (
        session.scalar(
            select(VisitAssignment.id).where(
                VisitAssignment.run_id == published.id,
                VisitAssignment.request_id == request_id,
                VisitAssignment.expert_id == expert_id,
                VisitAssignment.status == AssignmentStatus.DECLINED,
            )
        )
        is not None
    )


def _expert_problems(
    session: Session,
    campaign: Campaign,
    r: DiagnosisRequest,
    expert: Expert,
    half_day: str | None,
    rows: list[VisitAssignment],
    *,
    replacing: VisitAssignment | None,
) -> list[str]:
    """Every hard constraint this expert would break on this visit at this half-day,
    given the run's other rows (the row being replaced does not count)."""
    name = expert.name
    member = service.pool_member(session, campaign.id, expert.id)
    if member is None:
        return [f"专家{name}不在本次巡诊的专家库中"]
    out: list[str] = []
    org = session.get(Organization, expert.org_id)
    if expert.status is not ItemStatus.ACTIVE or org is None or org.status is not OrgStatus.ACTIVE:
        out.append(f"专家{name}的信息已关闭")
    if member.status is InviteStatus.DECLINED:
        out.append(f"专家{name}已谢绝本次巡诊邀请")
    if expert.org_id == r.org_id:
        out.append(f"专家{name}与{r.org.name}同属一个单位（利益冲突）")
    if _declined_visit(session, campaign, r.id, expert.id):
        out.append(f"专家{name}已谢绝{r.org.name}的这次巡诊")
    others = [a for a in rows if replacing is None or a.id != replacing.id]
    if any(a.request_id == r.id and a.expert_id == expert.id for a in others):
        out.append(f"专家{name}已在{r.org.name}的这次巡诊中")
    if half_day is not None:
        when = half_day_label(half_day)
        if half_day not in member.available:
            out.append(f"专家{name}{when}没有空闲")
        for a in others:
            if a.expert_id == expert.id and a.request_id != r.id and a.half_day == half_day:
                out.append(f"专家{name}{when}已安排了{_company(session, a.request_id)}的巡诊")
                break
    load = sum(1 for a in others if a.expert_id == expert.id and a.request_id != r.id)
    if load + 1 > member.max_visits:
        out.append(f"专家{name}最多巡诊 {member.max_visits} 次，本版已安排 {load} 次")
    return out


def _fit(
    session: Session, manager: IndexManager, r: DiagnosisRequest, expert: Expert
) -> tuple[float, list[str]] | None:
    """The pair's fit as the assignment scores it (None: the matcher does not rank them)."""
    manager.sync()
    sides = pairs.item_sides(session, manager, Kind.EXPERTS, [expert])
    fit = expert_fits(session, manager, r, sides, threshold=0.0).get(expert.id)
    return None if fit is None else (fit.score, fit.shared_terms)


def replace_expert(
    session: Session, p: Principal, manager: IndexManager, assignment_id: int, expert_id: int
) -> VisitAssignment:
    """Put another pool expert on a draft's visit in place of this one (locked after)."""
    a = session.get(VisitAssignment, assignment_id)
    if a is None:
        raise NotFound(f"巡诊安排 {assignment_id} 不存在")
    run = editable_run(session, p, a.run_id)
    c = service.get_campaign(session, run.campaign_id)
    r = _visit(session, p, run, a.request_id)
    if expert_id == a.expert_id:
        a.locked = True
        session.flush()
        return a
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise InvalidInput(f"专家 {expert_id} 不在本次巡诊的专家库中", field="expert_id")
    rows = _rows(session, run.id)
    problems = _expert_problems(session, c, r, expert, a.half_day, rows, replacing=a)
    if r.wants_senior and not is_senior(expert.title):
        on_visit = [b for b in rows if b.request_id == r.id and b.id != a.id]
        seniors = [
            e
            for e in session.scalars(
                select(Expert).where(Expert.id.in_(b.expert_id for b in on_visit))
            )
            if is_senior(e.title)
        ]
        if not seniors:
            problems.append(
                f"{r.org.name}希望有正高级专家，专家{expert.name}（{expert.title or '未填职称'}）"
                "不是正高级，换上后这次巡诊没有正高级专家"
            )
    if problems:
        raise InvalidInput("不能这样修改：" + "；".join(problems), field="expert_id")
    old_id, old_score = a.expert_id, a.score
    alternates = _alternates(run, r.id)
    known = dict(alternates)
    fit = _fit(session, manager, r, expert)
    a.expert_id = expert.id
    a.score, a.shared_terms = fit if fit is not None else (known.get(expert.id, 0.0), [])
    a.status, a.decline_reason, a.locked = AssignmentStatus.ASSIGNED, "", True
    # The replaced expert becomes an alternate; the new one no longer is.
    rest = [(e, s) for e, s in alternates if e != expert.id] + [(old_id, old_score)]
    _set_alternates(run, r.id, sorted(rest, key=lambda x: -x[1])[:ALTERNATES])
    session.flush()
    return a


def add_expert(
    session: Session,
    p: Principal,
    manager: IndexManager,
    run_id: int,
    request_id: int,
    expert_id: int,
    half_day: str | None = None,
) -> VisitAssignment:
    """Add a pool expert to a draft's visit short of experts (one the run could not
    staff: then on ``half_day``, which the company offered); locked after."""
    run = editable_run(session, p, run_id)
    c = service.get_campaign(session, run.campaign_id)
    r = _visit(session, p, run, request_id)
    rows = _rows(session, run.id)
    mine = [a for a in rows if a.request_id == r.id]
    if len(mine) >= c.experts_per_visit:
        raise Conflict(
            f"{r.org.name}的巡诊已有 {len(mine)} 位专家（每场 {c.experts_per_visit} 位），"
            "请用“换为”替换专家"
        )
    if mine:
        half_day = mine[0].half_day
    elif c.half_days:
        if half_day is None:
            raise InvalidInput("请选择巡诊时间", field="half_day")
        when = half_day_label(half_day)
        if half_day not in c.half_days:
            raise InvalidInput(f"{when}不在活动日期内", field="half_day")
        if half_day not in r.preferred:
            offered = "、".join(half_day_label(h) for h in r.preferred) or "无"
            raise InvalidInput(
                f"不能这样修改：{r.org.name}{when}不方便接待（企业可接待：{offered}）",
                field="half_day",
            )
    else:
        half_day = None
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise InvalidInput(f"专家 {expert_id} 不在本次巡诊的专家库中", field="expert_id")
    problems = _expert_problems(session, c, r, expert, half_day, rows, replacing=None)
    if r.wants_senior and not is_senior(expert.title) and len(mine) + 1 == c.experts_per_visit:
        seniors = [
            e
            for e in session.scalars(select(Expert).where(Expert.id.in_(a.expert_id for a in mine)))
            if is_senior(e.title)
        ]
        if not seniors:
            problems.append(
                f"{r.org.name}希望有正高级专家，专家{expert.name}（{expert.title or '未填职称'}）"
                "不是正高级，加上后这次巡诊没有正高级专家"
            )
    if problems:
        raise InvalidInput("不能这样修改：" + "；".join(problems), field="expert_id")
    alternates = _alternates(run, r.id)
    fit = _fit(session, manager, r, expert)
    score, terms = fit if fit is not None else (dict(alternates).get(expert.id, 0.0), [])
    a = VisitAssignment(
        run_id=run.id,
        request_id=r.id,
        expert_id=expert.id,
        half_day=half_day,
        score=score,
        shared_terms=terms,
        locked=True,
    )
    session.add(a)
    _set_alternates(run, r.id, [(e, s) for e, s in alternates if e != expert.id])
    if len(mine) + 1 >= c.experts_per_visit:
        # Fully staffed now: no longer listed as a visit the run could not staff.
        result: dict[str, Any] = dict(run.result or {})
        result["unstaffed"] = [
            u for u in result.get("unstaffed", []) if u.get("request_id") != r.id
        ]
        run.result = result
    session.flush()
    return a


def move_visit(
    session: Session, p: Principal, run_id: int, request_id: int, half_day: str
) -> list[VisitAssignment]:
    """Move a draft's visit (all its experts) to another half-day (locked after)."""
    run = editable_run(session, p, run_id)
    c = service.get_campaign(session, run.campaign_id)
    r = _visit(session, p, run, request_id)
    when = half_day_label(half_day)
    if half_day not in c.half_days:
        raise InvalidInput(f"{when}不在活动日期内", field="half_day")
    rows = _rows(session, run.id)
    mine = [a for a in rows if a.request_id == r.id]
    if not mine:
        raise Conflict(f"{r.org.name}的巡诊还没有安排专家，请先重新排班或换上专家")
    problems: list[str] = []
    if half_day not in r.preferred:
        offered = "、".join(half_day_label(h) for h in r.preferred) or "无"
        problems.append(f"{r.org.name}{when}不方便接待（企业可接待：{offered}）")
    others = [a for a in rows if a.request_id != r.id]
    for a in mine:
        expert = session.get(Expert, a.expert_id)
        assert expert is not None
        member = service.pool_member(session, c.id, expert.id)
        if member is None or half_day not in member.available:
            problems.append(f"专家{expert.name}{when}没有空闲")
        for b in others:
            if b.expert_id == expert.id and b.half_day == half_day:
                problems.append(
                    f"专家{expert.name}{when}已安排了{_company(session, b.request_id)}的巡诊"
                )
                break
    if problems:
        raise InvalidInput("不能这样修改：" + "；".join(problems), field="half_day")
    for a in mine:
        a.half_day, a.locked = half_day, True
    session.flush()
    return mine


def _alternates(run: AssignmentRun, request_id: int) -> list[tuple[int, float]]:
    found = (run.result or {}).get("alternates", {}).get(str(request_id), [])
    return [(int(e), float(s)) for e, s in found]


def _set_alternates(run: AssignmentRun, request_id: int, alts: list[tuple[int, float]]) -> None:
    # A new dict: the JSON column notices a reassignment, not an in-place change.
    result: dict[str, Any] = dict(run.result or {})
    result["alternates"] = {
        **result.get("alternates", {}),
        str(request_id): [[e, s] for e, s in alts],
    }
    run.result = result
