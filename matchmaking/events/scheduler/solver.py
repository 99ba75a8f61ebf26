"""The scheduler's entry point, chosen by measurement (docs/benchmarks.md, "Event scheduler"):

1. pre-checks; the greedy round robin gives a first schedule at once;
2. the LP relaxation of the slot model (GLOP) gives the proven bound, and its rounding a
   second, usually far better, start;
3. CP-SAT on the pair model (no idle terms), hinted with the better start, stopped early once
   it is within GAP_STOP of the bound;
4. a local search, then CP-SAT on small neighbourhoods (a dozen connected people at a time),
   re-slot the chosen meetings to minimise idle slots (the second tier), keeping locked and
   kept published meetings where they are;
5. tables are numbered.

`on_progress` is called from the caller's thread about twice a second and after each phase;
returning False stops the search and keeps the best schedule found so far.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence

from ortools.sat.python import cp_model

from matchmaking.events.scheduler import cpsat
from matchmaking.events.scheduler.compact import compact, neighbourhood_search
from matchmaking.events.scheduler.core import (
    Index,
    figures,
    gap,
    idle_slots,
    index,
    keepable_published,
    precheck,
    simple_bound,
    validate,
)
from matchmaking.events.scheduler.formulation import SCALE, formulate
from matchmaking.events.scheduler.greedy import greedy, rounded
from matchmaking.events.scheduler.lp import relax
from matchmaking.events.scheduler.model import Instance, Meeting, Problem, Progress, Result
from matchmaking.events.scheduler.tables import number_tables

POLL_S = 0.5
GAP_STOP = 1e-4  # stop the pair search within 0.01 % of the proven bound
IDLE_STALL_S = 5.0  # stop minimising idle slots after this long without an improvement
PAIR_SHARE = 0.6  # of the time left after the LP, for the pair search; the rest for idle slots
MARGIN_S = 0.5  # at least, kept for building the result after the last search


class _Watch(cp_model.CpSolverSolutionCallback):
    """Keeps the latest incumbent's values and objective for progress reports."""

    def __init__(self, x: list[cp_model.IntVar]) -> None:
        super().__init__()
        self._x = x
        self.lock = threading.Lock()
        self.values: list[bool] | None = None
        self.objective: float | None = None

    def on_solution_callback(self) -> None:
        values = [bool(self.boolean_value(v)) for v in self._x]
        with self.lock:
            self.values = values
            self.objective = self.objective_value


def _run(
    m: cpsat.Model,
    seconds: float,
    poll: Callable[[float | None, float | None], str],
) -> tuple[cp_model.CpSolverStatus, list[bool] | None, float | None, bool]:
    """Solve in a worker thread; `poll(objective, cp_bound)` answers "go", "stop" or "cancel".
    Returns the status, the last incumbent, CP-SAT's final bound and whether the caller
    cancelled."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    watch = _Watch(m.x)
    bound: list[float] = []
    solver.best_bound_callback = bound.append
    outcome: list[cp_model.CpSolverStatus] = []
    thread = threading.Thread(
        target=lambda: outcome.append(solver.solve(m.model, watch)), daemon=True
    )
    thread.start()
    cancelled = False
    while True:
        thread.join(POLL_S)
        if not thread.is_alive():
            break
        with watch.lock:
            objective = watch.objective
        answer = poll(objective, bound[-1] if bound else None)
        if answer != "go":
            cancelled = answer == "cancel"
            solver.stop_search()
            thread.join()
            break
    with watch.lock:
        values = watch.values
    status = outcome[0] if outcome else cp_model.UNKNOWN
    final: float | None = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        final = float(solver.best_objective_bound)
    return status, values, final, cancelled


def solve(
    instance: Instance,
    *,
    time_limit_s: float = 30.0,
    on_progress: Callable[[Progress], bool] | None = None,
    names: Mapping[str, str] | None = None,
) -> Result:
    """Schedule `instance` within about `time_limit_s` seconds of wall clock."""
    started = time.perf_counter()

    def elapsed() -> float:
        return time.perf_counter() - started

    margin = max(MARGIN_S, 0.025 * time_limit_s)

    def left() -> float:
        return time_limit_s - elapsed()

    def report(objective: float | None, bound: float | None) -> bool:
        if on_progress is None:
            return True
        return on_progress(Progress(elapsed(), objective, bound)) is not False

    problems = precheck(instance, names or {})
    idx = index(instance)
    base = greedy(instance)
    if base.status == "infeasible":  # locked meetings that cannot all stay
        return Result("infeasible", [], 0.0, 0.0, 0.0, problems, elapsed(), elapsed())
    first_s = elapsed()
    best: list[Meeting] = base.meetings
    best_obj = base.objective
    bound = simple_bound(idx)

    def done(status: str) -> Result:
        return _result(status, idx, best, bound, problems, first_s, elapsed())

    def offer(meetings: Sequence[Meeting]) -> None:
        nonlocal best, best_obj
        if validate(instance, meetings):
            return
        value = figures(idx, meetings).objective
        if value > best_obj + 1e-9:
            best, best_obj = list(meetings), value

    if not report(best_obj, bound):
        return done("cancelled")

    # 2. LP bound and LP rounding.
    f = formulate(idx)
    relaxation = relax(f, time_limit_s=max(1.0, left() / 3))
    if relaxation is not None:
        bound = min(bound, relaxation.bound + 1e-6 * max(1.0, abs(relaxation.bound)))
        offer(rounded(idx, f.keys, relaxation.x))
    if not report(best_obj, bound):
        return done("cancelled")

    # 3. The pair model.
    if gap(best_obj, bound) > GAP_STOP and left() > 0.2:
        offset = f.keep_bonus
        model = cpsat.pair_model(f, best)

        def poll(objective: float | None, cp_bound: float | None) -> str:
            nonlocal bound
            if cp_bound is not None:
                bound = min(bound, (cp_bound - offset) / SCALE)
            shown = best_obj if objective is None else max(best_obj, (objective - offset) / SCALE)
            if not report(shown, bound):
                return "cancel"
            return "stop" if gap(shown, bound) <= GAP_STOP else "go"

        status, values, cp_final, cancelled = _run(model, left() * PAIR_SHARE, poll)
        if values is not None:
            offer(model.meetings(values))
        if cp_final is not None:
            bound = min(bound, (cp_final - offset) / SCALE)
        if cancelled:
            return done("cancelled")
    # Optimal = equal to the proven bound within the LP's tolerance and CP-SAT's rounding.
    proven = best_obj >= bound - 1e-5 * max(1.0, abs(bound))

    # 4. Idle slots: re-slot the chosen meetings, keeping the first tier as it is: a local
    # search first (fast on any size), then CP-SAT on small neighbourhoods in turn.
    if left() > margin + 0.2 and _idle(idx, best) > 0:
        pinned = {m.pair: m.slot for m in instance.locked}
        kept = {(m.pair, m.slot) for m in keepable_published(idx)}
        pinned.update({m.pair: m.slot for m in best if (m.pair, m.slot) in kept})
        deadline = started + time_limit_s - margin
        tighter = compact(idx, best, pinned, deadline=deadline)
        if not validate(instance, tighter) and _idle(idx, tighter) < _idle(idx, best):
            best = tighter
        if not report(best_obj, bound):
            return done("cancelled")
        cancelled = False
        seen, seen_at, shown_at = _idle(idx, best), elapsed(), elapsed()

        def keep_going(idle: int) -> bool:
            nonlocal seen, seen_at, shown_at, cancelled
            if idle < seen:
                seen, seen_at = idle, elapsed()
            if elapsed() - shown_at >= POLL_S:
                shown_at = elapsed()
                if not report(best_obj, bound):
                    cancelled = True
                    return False
            return idle > 0 and elapsed() - seen_at < IDLE_STALL_S

        tighter = neighbourhood_search(idx, best, pinned, deadline, keep_going=keep_going)
        if (
            not validate(instance, tighter)
            and abs(figures(idx, tighter).objective - best_obj) < 1e-6
            and _idle(idx, tighter) < _idle(idx, best)
        ):
            best = tighter
        if cancelled:
            return done("cancelled")

    best = number_tables(idx, best)
    report(best_obj, bound)
    return done("optimal" if proven else "feasible")


def _idle(idx: Index, meetings: Sequence[Meeting]) -> int:
    slots: dict[str, list[str]] = {}
    for m in meetings:
        slots.setdefault(m.a, []).append(m.slot)
        slots.setdefault(m.b, []).append(m.slot)
    return sum(idle_slots(idx, s) for s in slots.values())


def _result(
    status: str,
    idx: Index,
    meetings: list[Meeting],
    bound: float,
    problems: list[Problem],
    first_s: float,
    final_s: float,
) -> Result:
    meetings = meetings if all(m.table for m in meetings) else number_tables(idx, meetings)
    objective = figures(idx, meetings).objective
    return Result(
        status=status,
        meetings=meetings,
        objective=objective,
        bound=max(bound, objective) if bound >= objective - 1e-6 else bound,
        gap=gap(objective, bound),
        problems=problems,
        first_feasible_s=first_s,
        final_s=final_s,
    )
