"""Stage 2, when: a half-day for every staffed visit (CP-SAT, with a greedy fallback).

Variables y[v, h] only where h is in the visit's windows and every expert of the
visit is free at h. Hard: at most one half-day per visit; an expert makes at most
one visit per half-day; kept (published) half-days stay. Objective: most visits
timetabled, then fewest (expert, day, town) combinations, which puts an expert's
visits in one town on the same day (less travel). A day is the half-day id
without its trailing "am"/"pm" (see ``day_of``).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping

from ortools.sat.python import cp_model

from matchmaking.visits.assignment.model import Instance, day_of


def candidates(
    instance: Instance, team: Mapping[str, list[str]], pinned: Mapping[str, str]
) -> dict[str, list[str]]:
    """Visit -> half-days (in order) when the company and all its experts are free."""
    experts = {e.id: e for e in instance.experts}
    visits = {v.id: v for v in instance.visits}
    out: dict[str, list[str]] = {}
    for v, members in team.items():
        if not members:
            continue
        if v in pinned:
            out[v] = [pinned[v]]
            continue
        out[v] = [
            h
            for h in instance.half_days
            if h in visits[v].windows and all(h in experts[e].available for e in members)
        ]
    return out


def greedy(
    instance: Instance,
    team: Mapping[str, list[str]],
    pinned: Mapping[str, str],
) -> dict[str, str]:
    """Most constrained visit first; its first free half-day, preferring a day on
    which its experts are already in that town."""
    towns = {v.id: v.town for v in instance.visits}
    cands = candidates(instance, team, pinned)
    busy: set[tuple[str, str]] = set()
    where: dict[tuple[str, str], set[str]] = defaultdict(set)  # (expert, day) -> towns
    out: dict[str, str] = {}
    order = sorted(cands, key=lambda v: (v not in pinned, len(cands[v]), v))
    for v in order:
        free = [h for h in cands[v] if v in pinned or all((e, h) not in busy for e in team[v])]
        if not free:
            continue
        near = [h for h in free if any(towns[v] in where[(e, day_of(h))] for e in team[v])]
        h = (near or free)[0]
        out[v] = h
        for e in team[v]:
            busy.add((e, h))
            where[(e, day_of(h))].add(towns[v])
    return out


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, report: Callable[[float], bool]) -> None:
        super().__init__()
        self.report = report
        self.cancelled = False

    def on_solution_callback(self) -> None:
        low, high = sorted((abs(self.objective_value), abs(self.best_objective_bound)))
        done = 1.0 if high == 0 else low / high
        if self.report(done) is False:
            self.cancelled = True
            self.stop_search()


def schedule(
    instance: Instance,
    team: Mapping[str, list[str]],
    pinned: Mapping[str, str],
    *,
    time_limit_s: float,
    report: Callable[[float], bool] | None = None,
    workers: int = 2,
    placing_only: bool = False,
) -> tuple[dict[str, str], str]:
    """Visit -> half-day, and "optimal", "feasible", "greedy" or "cancelled".

    ``placing_only`` stops after the most visits are placed (no travel objective).
    """
    towns = {v.id: v.town for v in instance.visits}
    cands = candidates(instance, team, pinned)
    hint = greedy(instance, team, pinned)
    model = cp_model.CpModel()
    y: dict[tuple[str, str], cp_model.IntVar] = {}
    for v, hs in cands.items():
        for h in hs:
            y[v, h] = model.new_bool_var(f"y[{v},{h}]")
        if v in pinned:
            model.add(y[v, pinned[v]] == 1)
        elif hs:
            model.add_at_most_one(y[v, h] for h in hs)
    days = {h: day_of(h) for h in instance.half_days}
    per_slot: dict[tuple[str, str], list[cp_model.IntVar]] = defaultdict(list)
    per_trip: dict[tuple[str, str, str], list[cp_model.IntVar]] = defaultdict(list)
    visits_of: dict[str, int] = defaultdict(int)
    for v in cands:
        for e in team[v]:
            visits_of[e] += 1
    for (v, h), var in y.items():
        for e in team[v]:
            per_slot[e, h].append(var)
            if visits_of[e] > 1:  # one visit: always exactly one trip when timetabled
                per_trip[e, days[h], towns[v]].append(var)
    for vars_ in per_slot.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    trips = []
    for key, vars_ in per_trip.items():
        z = model.new_bool_var(f"z[{key}]")
        for var in vars_:
            model.add_implication(var, z)
        trips.append(z)
    for (v, h), var in y.items():
        model.add_hint(var, hint.get(v) == h)
    # Lexicographic, in two solves: most visits timetabled (fast to prove), then,
    # with that count kept, fewest trips in the time left. One weighted objective
    # took the whole limit on M without proving anything.
    deadline = time.perf_counter() + max(0.1, time_limit_s)
    # Progress: the first solve fills the bar's first half, the second the rest.
    callback = _Progress(lambda f: report(f / 2)) if report is not None else None
    placed = sum(y.values())
    model.maximize(placed)
    solver = _solver(deadline, workers)
    status = solver.solve(model, callback)
    if callback is not None and callback.cancelled:
        return hint, "cancelled"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint, "greedy"
    proven = status == cp_model.OPTIMAL
    chosen = {v: h for (v, h), var in y.items() if solver.boolean_value(var)}
    if placing_only or not trips or deadline - time.perf_counter() < 0.05:
        return chosen, "optimal" if proven and (placing_only or not trips) else "feasible"
    model.add(placed >= round(solver.objective_value))
    model.clear_hints()  # type: ignore[no-untyped-call]
    for (v, h), var in y.items():
        model.add_hint(var, chosen.get(v) == h)
    model.minimize(sum(trips))
    if report is not None:
        callback = _Progress(lambda f: report(0.5 + f / 2))
    solver = _solver(deadline, workers)
    status = solver.solve(model, callback)
    if callback is not None and callback.cancelled:
        return chosen, "cancelled"
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return chosen, "feasible"
    chosen = {v: h for (v, h), var in y.items() if solver.boolean_value(var)}
    return chosen, "optimal" if proven and status == cp_model.OPTIMAL else "feasible"


def _solver(deadline: float, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, deadline - time.perf_counter())
    solver.parameters.num_workers = workers
    return solver
