"""One assignment run, as the ``visits.assign`` task does it: rows → Instance → solve → rows.

The instance is built from the campaign's rows: a visit per open request (its preferred
half-days, a senior if asked), an expert per pool member still published (others are
dropped with a note), affinity from the hybrid matcher above its threshold, conflicts for
the expert's own organization. Published assignments that still stand, and locked
draft ones, are passed as ``fixed``: a re-run never silently moves them.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from matchmaking.enums import ItemStatus, Kind, OrgStatus, RunStatus
from matchmaking.exceptions import MatchmakingError
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import (
    AssignmentRun,
    Campaign,
    CampaignExpert,
    DiagnosisRequest,
    Expert,
    VisitAssignment,
)
from matchmaking.models.base import utcnow
from matchmaking.visits import assignment as solver
from matchmaking.visits.matching import AFFINITY_THRESHOLD, expert_fits
from matchmaking.visits.service import RUNS, TIME_LIMIT_S, published_run
from matchmaking.visits.states import AssignmentStatus, InviteStatus, RequestStatus

log = logging.getLogger(__name__)

# 正高级: 教授, 研究员, 正高级工程师 … but not 副教授 / 副研究员.
SENIOR = re.compile(r"(教授|研究员|正高)")


def is_senior(title: str) -> bool:
    return bool(SENIOR.search(title)) and "副" not in title


@dataclass
class Built:
    instance: solver.Instance
    names: dict[str, str]
    terms: dict[tuple[str, str], list[str]]
    fixed: list[solver.Assignment]
    notes: list[str] = field(default_factory=list)


def build_instance(
    session: Session,
    manager: IndexManager,
    campaign: Campaign,
    *,
    threshold: float = AFFINITY_THRESHOLD,
    previous: AssignmentRun | None = None,
) -> Built:
    """The solver's instance for this campaign now (ids are the rows' ids as strings)."""
    requests = list(
        session.scalars(
            select(DiagnosisRequest)
            .where(
                DiagnosisRequest.campaign_id == campaign.id,
                DiagnosisRequest.status == RequestStatus.REQUESTED,
            )
            .options(selectinload(DiagnosisRequest.org))
            .order_by(DiagnosisRequest.id)
        )
    )
    members = list(
        session.scalars(
            select(CampaignExpert)
            .where(CampaignExpert.campaign_id == campaign.id)
            .options(selectinload(CampaignExpert.expert).selectinload(Expert.org))
            .order_by(CampaignExpert.id)
        )
    )
    notes: list[str] = []
    names: dict[str, str] = {}
    experts: list[solver.Expert] = []
    expert_org: dict[str, int] = {}
    in_pool: list[Expert] = []
    for m in members:
        e = m.expert
        if e.status is not ItemStatus.ACTIVE or e.org.status is not OrgStatus.ACTIVE:
            notes.append(f"专家{e.name}的信息已关闭，本次排班不再安排")
            continue
        if m.status is InviteStatus.DECLINED:
            notes.append(f"专家{e.name}谢绝了本次巡诊邀请")
            continue
        key = f"e{e.id}"
        names[key] = e.name
        expert_org[key] = e.org_id
        in_pool.append(e)
        experts.append(
            solver.Expert(
                id=key,
                min=m.min_visits,
                max=m.max_visits,
                senior=is_senior(e.title),
                town=e.org.town,
                available=frozenset(m.available),
            )
        )
    # The pool's experts as pair sides once (vectors, tokens), with the indexes caught up
    # once: every request is scored against the same pool.
    manager.sync()
    pool = pairs.item_sides(session, manager, Kind.EXPERTS, in_pool)
    visits: list[solver.Visit] = []
    affinity: list[solver.Affinity] = []
    terms: dict[tuple[str, str], list[str]] = {}
    conflicts: set[tuple[str, str]] = set()
    for r in requests:
        key = f"r{r.id}"
        names[key] = r.org.name
        visits.append(
            solver.Visit(
                id=key,
                town=r.org.town,
                experts_needed=campaign.experts_per_visit,
                windows=frozenset(h for h in r.preferred if h in campaign.half_days),
                needs_senior=r.wants_senior,
            )
        )
        for expert_id, fit in expert_fits(session, manager, r, pool, threshold=threshold).items():
            pair = (key, f"e{expert_id}")
            affinity.append(solver.Affinity(visit=key, expert=pair[1], score=fit.score))
            terms[pair] = fit.shared_terms
        for e_key, org_id in expert_org.items():
            if org_id == r.org_id:
                conflicts.add((key, e_key))
    published = published_run(session, campaign.id)
    if published is not None:
        # An expert who declined a visit is not sent there again.
        declined = session.execute(
            select(VisitAssignment.request_id, VisitAssignment.expert_id).where(
                VisitAssignment.run_id == published.id,
                VisitAssignment.status == AssignmentStatus.DECLINED,
            )
        ).all()
        conflicts.update((f"r{rid}", f"e{eid}") for rid, eid in declined)
    fixed = _fixed(session, campaign, previous, {v.id for v in visits}, {e.id for e in experts})
    listed = {(a.visit, a.expert) for a in affinity}
    for f in fixed:
        # A kept assignment stays assignable even if the scores moved below the threshold.
        if (f.visit, f.expert) not in listed and (f.visit, f.expert) not in conflicts:
            affinity.append(solver.Affinity(visit=f.visit, expert=f.expert, score=0.0))
    fixed = [f for f in fixed if (f.visit, f.expert) not in conflicts]
    instance = solver.Instance(
        half_days=tuple(campaign.half_days),
        visits=tuple(visits),
        experts=tuple(experts),
        affinity=tuple(affinity),
        conflicts=frozenset(conflicts),
    )
    return Built(instance=instance, names=names, terms=terms, fixed=fixed, notes=notes)


def _fixed(
    session: Session,
    campaign: Campaign,
    previous: AssignmentRun | None,
    visits: set[str],
    experts: set[str],
) -> list[solver.Assignment]:
    """Published assignments still standing (not declined) and locked draft ones."""
    kept: dict[tuple[str, str], solver.Assignment] = {}
    published = published_run(session, campaign.id)
    sources: list[tuple[AssignmentRun, bool]] = []
    if published is not None:
        sources.append((published, False))
    if previous is not None and previous is not published:
        sources.append((previous, True))
    for run, locked_only in sources:
        stmt = select(VisitAssignment).where(
            VisitAssignment.run_id == run.id,
            VisitAssignment.status != AssignmentStatus.DECLINED,
        )
        if locked_only:
            stmt = stmt.where(VisitAssignment.locked.is_(True))
        for a in session.scalars(stmt):
            v, e = f"r{a.request_id}", f"e{a.expert_id}"
            if v in visits and e in experts:
                kept.setdefault((v, e), solver.Assignment(visit=v, expert=e, half_day=a.half_day))
    # A visit kept on two half-days (a lock that disagrees with the published run) is
    # kept on the published one only.
    day: dict[str, str | None] = {}
    out = []
    for f in kept.values():
        if f.visit in day and day[f.visit] != f.half_day:
            continue
        day.setdefault(f.visit, f.half_day)
        out.append(f)
    return out


def execute(factory: sessionmaker[Session], manager: IndexManager, run_id: int) -> str:
    """Run one queued run to the end; idempotent (a run no longer queued is left alone).

    Progress and heartbeat are committed as the solver reports; a cancel asked by staff
    stops it; any error leaves the run failed with a Chinese message, never running.
    """
    with factory() as session:
        if not RUNS.claim(session, run_id, progress=0.0, message="正在计算匹配度"):
            status = session.scalar(select(AssignmentRun.status).where(AssignmentRun.id == run_id))
            if status is None:
                log.info("visits.assign: run %s no longer exists", run_id)
                return "missing"
            return status.value
        session.commit()
    try:
        return _solve_and_store(factory, manager, run_id)
    except Exception as exc:
        log.exception("visits.assign: run %s failed", run_id)
        message = exc.message if isinstance(exc, MatchmakingError) else "计算出错，请重新运行"
        RUNS.fail(factory, run_id, message)
        return RunStatus.FAILED.value


def _progress(factory: sessionmaker[Session], run_id: int) -> solver.OnProgress:
    def report(message: str, fraction: float) -> bool:
        progress = round(0.2 + 0.8 * fraction, 3)
        return not RUNS.report(factory, run_id, message=message, progress=progress)

    return report


def _solve_and_store(factory: sessionmaker[Session], manager: IndexManager, run_id: int) -> str:
    with factory() as session:
        run = session.get(AssignmentRun, run_id)
        assert run is not None
        campaign = session.get(Campaign, run.campaign_id)
        assert campaign is not None
        previous = session.scalar(
            select(AssignmentRun)
            .where(
                AssignmentRun.campaign_id == campaign.id,
                AssignmentRun.version < run.version,
                AssignmentRun.status == RunStatus.DONE,
            )
            .order_by(AssignmentRun.version.desc())
        )
        built = build_instance(session, manager, campaign, previous=previous)
    report = _progress(factory, run_id)
    if not report("匹配度已算好，开始排班", 0.0):
        return _cancelled(factory, run_id)
    result = solver.solve(
        built.instance,
        fair=True,
        time_limit_s=TIME_LIMIT_S,
        on_progress=report,
        names=built.names,
        fixed=built.fixed,
    )
    if result.status is solver.Status.CANCELLED:
        return _cancelled(factory, run_id)
    scores = {(a.visit, a.expert): a.score for a in built.instance.affinity}
    metrics = solver.metrics(built.instance, result)
    with factory() as session:
        run = session.get(AssignmentRun, run_id)
        assert run is not None
        for a in result.assignments:
            session.add(
                VisitAssignment(
                    run_id=run.id,
                    request_id=int(a.visit[1:]),
                    expert_id=int(a.expert[1:]),
                    half_day=a.half_day,
                    score=scores.get((a.visit, a.expert), 0.0),
                    shared_terms=built.terms.get((a.visit, a.expert), []),
                    locked=any(f.visit == a.visit and f.expert == a.expert for f in built.fixed),
                )
            )
        run.result = {
            "solver_status": result.status.value,
            # Stored by row id: {request id: [[expert id, score], …]}.
            "alternates": {
                v[1:]: [[int(e[1:]), s] for e, s in alts] for v, alts in result.alternates.items()
            },
            "unstaffed": [
                {
                    "request_id": int(u.visit[1:]),
                    "company": built.names.get(u.visit, u.visit),
                    "reason": u.reason,
                }
                for u in result.unstaffed
            ],
            "problems": built.notes + [p.message for p in result.problems],
            "metrics": {
                "staffed_share": metrics.staffed_share,
                "total_score": round(metrics.total_score, 4),
                "optimum": round(metrics.optimum, 4),
                "min_visit_score": metrics.min_visit_score,
                "load_spread": metrics.load_spread,
                "scheduled_share": metrics.scheduled_share,
                "visits": len(built.instance.visits),
                "experts": len(built.instance.experts),
                "pairs": len(built.instance.affinity),
                "kept": len(built.fixed),
            },
        }
        run.status, run.progress, run.finished_at = RunStatus.DONE, 1.0, utcnow()
        run.heartbeat_at = utcnow()
        run.message = (
            "排班完成" if result.status is solver.Status.COMPLETE else "排班完成，部分巡诊未能安排"
        )
        session.commit()
    return RunStatus.DONE.value


def _cancelled(factory: sessionmaker[Session], run_id: int) -> str:
    RUNS.finish(factory, run_id, RunStatus.CANCELLED, "已取消")
    return RunStatus.CANCELLED.value
