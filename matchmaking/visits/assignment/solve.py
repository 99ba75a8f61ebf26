"""The two-stage assignment, the greedy baseline and the figures reported for a result."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from matchmaking.visits.assignment import stage2
from matchmaking.visits.assignment.index import Index
from matchmaking.visits.assignment.model import (
    Assignment,
    Instance,
    Metrics,
    Problem,
    Result,
    Status,
    Unstaffed,
    check,
    label,
)
from matchmaking.visits.assignment.precheck import capacity, precheck
from matchmaking.visits.assignment.stage1 import Network

# on_progress(message, fraction 0–1) -> False to cancel
OnProgress = Callable[[str, float], bool | None]

STAGE1_SHARE = 0.3  # of the progress bar
REPAIR_ROUNDS = 5
TIMETABLE_REPAIRS = 3


def solve(
    instance: Instance,
    *,
    fair: bool = True,
    time_limit_s: float = 30.0,
    on_progress: OnProgress | None = None,
    names: Mapping[str, str] | None = None,
    fixed: Sequence[Assignment] = (),
) -> Result:
    """Who visits whom (min-cost flow, fairness first if asked), then when (CP-SAT).

    ``fixed`` assignments (published visits) are kept as they are: their experts,
    and their half-day when it is set; the rest is solved around them. They are
    never dropped, even when what is left of a team no longer has its senior and
    none can be added (then ``unstaffed`` says so and ``validate`` lists it).
    ``time_limit_s`` bounds the timetable search; stage 1 takes well under a second
    at district size. Raises InvalidInput for a malformed instance.
    """
    names = names or {}
    check(instance, fixed)
    index = Index.of(instance)
    problems = precheck(instance, names)

    def report(message: str, fraction: float) -> bool:
        return on_progress is None or on_progress(message, fraction) is not False

    if not report("第一阶段：确定每场巡诊的专家", 0.0):
        return _cancelled(instance, index, fixed, 0.0, 0.0, problems)
    started = time.perf_counter()
    timed = bool(instance.half_days)
    pinned = {f.visit: f.half_day for f in fixed if f.half_day is not None}
    fixed_pairs = [(f.visit, f.expert) for f in fixed]
    network = Network(instance, index, fixed)
    plain = network.solve()
    optimum = sum(index.score[p] for p in fixed_pairs) + plain.score
    # Stage 1 sees each expert's free half-days but not whether a team of two or
    # three shares one: ban the least available member of a team with no common
    # half-day and solve again (a few flows; the optimum above stays the bound).
    kept = set(fixed_pairs)
    for _ in range(REPAIR_ROUNDS if timed else 0):
        teams = _teams(instance, index, fixed_pairs + plain.pairs)
        cands = stage2.candidates(instance, teams, pinned)
        stuck = [v for v, hs in cands.items() if not hs and v not in pinned]
        if not stuck:
            break
        for v in stuck:
            free = [e for e in teams[v] if (v, e) not in kept]
            if free:
                windows = index.visits[v].windows
                worst = min(free, key=lambda e: len(index.experts[e].available & windows))
                network.ban(v, worst)
        plain = network.solve()
    # The same when experts' visits collide: a visit the timetable cannot place
    # loses its busiest member, as long as staffing and minimums hold. This is
    # timetable work, so its time is counted in stage 2 (and within its limit).
    stage1_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(TIMETABLE_REPAIRS if timed else 0):
        if not report("第一阶段：调整排不进时间的专家", 0.05):
            return _cancelled(instance, index, fixed, stage1_s, 0.0, problems)
        teams = _teams(instance, index, fixed_pairs + plain.pairs)
        placed, _ = stage2.schedule(
            instance, teams, pinned, time_limit_s=time_limit_s / 8, placing_only=True
        )
        unplaced = [v for v, members in teams.items() if members and v not in placed]
        if not unplaced:
            break
        load: dict[str, int] = defaultdict(int)
        for members in teams.values():
            for e in members:
                load[e] += 1
        bans = []
        for v in unplaced:
            free = [e for e in teams[v] if (v, e) not in kept]
            if free:
                windows = index.visits[v].windows
                busiest = max(
                    free,
                    key=lambda e: load[e] / max(1, len(index.experts[e].available & windows)),
                )
                network.ban(v, busiest)
                bans.append((v, busiest))
        trial = network.solve()
        if trial.staffed < plain.staffed or trial.minimum < plain.minimum:
            for v, e in bans:
                network.ban(v, e, banned=False)
            break
        plain = trial
    repair_s = time.perf_counter() - started
    started = time.perf_counter()
    plain_teams = _teams(instance, index, fixed_pairs + plain.pairs)
    plain_min = _min_visit_score(index, plain_teams)
    chosen = plain
    if fair:
        fairest = network.fairest(
            plain, lambda f: report("第一阶段：提高最低匹配度", 0.1 + (STAGE1_SHARE - 0.1) * f)
        )
        if fairest is None:
            spent = stage1_s + time.perf_counter() - started
            return _cancelled(instance, index, fixed, spent, repair_s, problems)
        fair_min = _min_visit_score(index, _teams(instance, index, fixed_pairs + fairest.pairs))
        if fair_min is not None and (plain_min is None or fair_min > plain_min):
            chosen = fairest
    teams = _teams(instance, index, fixed_pairs + chosen.pairs)
    _pinned_clashes(teams, pinned, set(fixed_pairs))
    dropped = _senior_rule(instance, index, teams, {f.visit for f in fixed})
    stage1_s += time.perf_counter() - started

    started = time.perf_counter()
    when: dict[str, str] = {}
    stage2_status = "skipped"
    if timed:
        if not report("第二阶段：排定巡诊时间", STAGE1_SHARE):
            return _cancelled(instance, index, fixed, stage1_s, 0.0, problems)
        when, stage2_status = stage2.schedule(
            instance,
            teams,
            pinned,
            time_limit_s=max(0.1, time_limit_s - repair_s),
            report=lambda f: report(
                "第二阶段：排定巡诊时间", STAGE1_SHARE + (1 - STAGE1_SHARE) * f
            ),
        )
    stage2_s = repair_s + time.perf_counter() - started
    result = _result(
        instance,
        index,
        teams,
        when,
        names,
        problems,
        dropped=dropped,
        stage1_s=stage1_s,
        stage2_s=stage2_s,
        optimum=optimum,
        plain_min=plain_min,
        stage2_status=stage2_status,
    )
    if stage2_status == "cancelled":
        return replace(result, status=Status.CANCELLED)
    report("完成", 1.0)
    return result


def greedy(instance: Instance, *, optimum: float | None = None) -> Result:
    """The baseline: best pairs first while the visit needs experts and the expert has room;
    then the first free half-day. ``optimum`` is computed (a flow) when not given."""
    check(instance)
    index = Index.of(instance)
    started = time.perf_counter()
    timed = bool(instance.half_days)
    room = {e.id: capacity(instance, e.max, e.available) for e in instance.experts}
    team: dict[str, list[str]] = {v.id: [] for v in instance.visits}
    pairs = sorted(
        (
            (s, v, e)
            for v, rows in index.eligible.items()
            for e, s in rows
            if not timed or index.experts[e].available & index.visits[v].windows
        ),
        key=lambda r: (-r[0], r[1], r[2]),
    )
    for _, v, e in pairs:
        visit, expert = index.visits[v], index.experts[e]
        members = team[v]
        if len(members) >= visit.experts_needed or room[e] == 0:
            continue
        last = len(members) == visit.experts_needed - 1
        if visit.needs_senior and last and not expert.senior:
            if not any(index.experts[m].senior for m in members):
                continue  # keep the last place for a senior
        members.append(e)
        room[e] -= 1
    dropped = _senior_rule(instance, index, team, set())
    stage1_s = time.perf_counter() - started
    started = time.perf_counter()
    when = stage2.greedy(instance, team, {}) if timed else {}
    stage2_s = time.perf_counter() - started
    if optimum is None:
        optimum = Network(instance, index, ()).solve().score
    return _result(
        instance,
        index,
        team,
        when,
        {},
        [],
        dropped=dropped,
        stage1_s=stage1_s,
        stage2_s=stage2_s,
        optimum=optimum,
        plain_min=None,
        stage2_status="greedy" if timed else "skipped",
    )


def metrics(instance: Instance, result: Result) -> Metrics:
    """Shares, scores, load spread and conflict count of one result."""
    score = {(a.visit, a.expert): a.score for a in instance.affinity}
    teams: dict[str, list[str]] = defaultdict(list)
    scheduled: set[str] = set()
    loads = {e.id: 0 for e in instance.experts}
    for a in result.assignments:
        teams[a.visit].append(a.expert)
        if a.expert in loads:
            loads[a.expert] += 1
        if a.half_day is not None:
            scheduled.add(a.visit)
    n = len(instance.visits) or 1
    staffed = sum(1 for v in instance.visits if len(teams[v.id]) >= v.experts_needed)
    means = [
        sum(score.get((v, e), 0.0) for e in members) / len(members)
        for v, members in teams.items()
        if members
    ]
    return Metrics(
        staffed_share=staffed / n,
        total_score=result.total_score,
        optimum=result.optimum,
        optimum_ratio=result.total_score / result.optimum if result.optimum > 0 else 1.0,
        min_visit_score=min(means) if means else None,
        load_spread=(max(loads.values()) - min(loads.values())) if loads else 0,
        conflict_violations=sum(
            1 for a in result.assignments if (a.visit, a.expert) in instance.conflicts
        ),
        scheduled_share=len(scheduled) / n if instance.half_days else None,
        loads=loads,
    )


# --- helpers --------------------------------------------------------------------------


def _teams(
    instance: Instance, index: Index, pairs: Sequence[tuple[str, str]]
) -> dict[str, list[str]]:
    teams: dict[str, list[str]] = {v.id: [] for v in instance.visits}
    for v, e in pairs:
        teams[v].append(e)
    return teams


def _min_visit_score(index: Index, teams: Mapping[str, list[str]]) -> float | None:
    means = [
        sum(index.score[v, e] for e in members) / len(members)
        for v, members in teams.items()
        if members
    ]
    return min(means) if means else None


def _pinned_clashes(
    teams: dict[str, list[str]], pinned: Mapping[str, str], kept: set[tuple[str, str]]
) -> None:
    """An expert added to two kept visits on the same half-day stays on the first only."""
    busy = {(e, pinned[v]) for v, e in kept if v in pinned}
    for v, day in pinned.items():
        members = []
        for e in teams[v]:
            if (v, e) in kept:
                members.append(e)
            elif (e, day) not in busy:
                busy.add((e, day))
                members.append(e)
        teams[v] = members


def _senior_rule(
    instance: Instance, index: Index, teams: dict[str, list[str]], kept: set[str]
) -> set[str]:
    """Drop the experts of a partly staffed needs_senior visit that got no senior."""
    dropped = set()
    for v in instance.visits:
        members = teams[v.id]
        if v.needs_senior and members and not any(index.experts[e].senior for e in members):
            if v.id not in kept:
                teams[v.id] = []
                dropped.add(v.id)
    return dropped


def _result(
    instance: Instance,
    index: Index,
    teams: Mapping[str, list[str]],
    when: Mapping[str, str],
    names: Mapping[str, str],
    problems: Sequence[Problem],
    *,
    dropped: set[str],
    stage1_s: float,
    stage2_s: float,
    optimum: float,
    plain_min: float | None,
    stage2_status: str,
) -> Result:
    timed = bool(instance.half_days)
    assignments = tuple(
        Assignment(v.id, e, when.get(v.id)) for v in instance.visits for e in teams[v.id]
    )
    loads: dict[str, int] = defaultdict(int)
    for a in assignments:
        loads[a.expert] += 1
    unstaffed: list[Unstaffed] = []
    for v in instance.visits:
        members = teams[v.id]
        got, need = len(members), v.experts_needed
        if got < need:
            rows = index.eligible[v.id]
            if timed:
                rows = [(e, s) for e, s in rows if index.experts[e].available & v.windows]
            if not index.eligible[v.id]:
                cause = "没有匹配度高于阈值的专家"
            elif len(rows) < need:
                cause = f"只有 {len(rows)} 位专家可选（匹配、无需回避且时间合适）"
            elif v.id in dropped or (
                v.needs_senior and not any(index.experts[e].senior for e, _ in rows)
            ):
                cause = "没有可安排的正高专家"
            else:
                cause = "可选专家的巡诊次数已经排满"
            unstaffed.append(Unstaffed(v.id, f"需要 {need} 位专家，安排了 {got} 位：{cause}"))
        elif v.needs_senior and not any(index.experts[e].senior for e in members):
            # Only a kept (published) team can get here: it is kept, and said.
            unstaffed.append(Unstaffed(v.id, "保留的专家中没有正高，也没有可以补上的正高专家"))
        elif timed and members and v.id not in when:
            unstaffed.append(Unstaffed(v.id, "已安排专家，但找不到企业和专家都有空的半天"))
    notes = list(problems)
    for e in instance.experts:
        if loads[e.id] < e.min:
            notes.append(
                Problem(f"{label(names, e.id)} 至少巡诊 {e.min} 次，只安排了 {loads[e.id]} 次")
            )
    alternates = {
        v.id: [(e, s) for e, s in index.eligible[v.id] if e not in teams[v.id]][:3]
        for v in instance.visits
    }
    total = sum(index.score.get((a.visit, a.expert), 0.0) for a in assignments)
    complete = not unstaffed and len(notes) == len(problems)  # no expert below minimum
    return Result(
        status=Status.COMPLETE if complete else Status.PARTIAL,
        assignments=assignments,
        alternates=alternates,
        stage1_s=stage1_s,
        stage2_s=stage2_s,
        total_score=total,
        optimum=optimum,
        problems=tuple(notes),
        unstaffed=tuple(unstaffed),
        plain_min_visit_score=plain_min,
        stage2_status=stage2_status,
    )


def _cancelled(
    instance: Instance,
    index: Index,
    fixed: Sequence[Assignment],
    stage1_s: float,
    stage2_s: float,
    problems: Sequence[Problem],
) -> Result:
    return Result(
        status=Status.CANCELLED,
        assignments=tuple(fixed),
        alternates={},
        stage1_s=stage1_s,
        stage2_s=stage2_s,
        total_score=sum(index.score.get((f.visit, f.expert), 0.0) for f in fixed),
        optimum=0.0,
        problems=tuple(problems),
        stage2_status="cancelled",
    )
