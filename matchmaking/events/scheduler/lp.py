"""A proven upper bound: the LP relaxation of the slot model (GLOP), idle slots left out.

Idle slots and missed minimums only subtract, so relaxing x to [0, 1] and dropping the idle
term can only raise the optimum: the LP value is an upper bound on every schedule's objective.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.linear_solver.python import model_builder as mb

from matchmaking.events.scheduler.formulation import SCALE, SHORT, Formulation


@dataclass
class Relaxation:
    bound: float  # objective units
    x: list[float]  # the LP value of every variable of the formulation


def relax(f: Formulation, time_limit_s: float) -> Relaxation | None:
    """The LP relaxation, or None when GLOP did not finish in time."""
    model = mb.Model()  # type: ignore[no-untyped-call]
    fixed = set(f.fixed)
    x = [model.new_num_var(1.0 if k in fixed else 0.0, 1.0, None) for k in range(len(f.keys))]

    def total(ks: list[int]) -> mb.LinearExpr:
        expr: mb.LinearExpr = mb.LinearExpr.sum([x[k] for k in ks])
        return expr

    for ks in f.by_pair.values():
        if len(ks) > 1:
            model.add(total(ks) <= 1)
    for ks in f.by_person_slot.values():
        if len(ks) > 1:
            model.add(total(ks) <= 1)
    idx = f.idx
    for slot, ks in f.by_slot.items():
        if len(ks) > idx.tables(slot):
            model.add(total(ks) <= idx.tables(slot))
    shorts: list[mb.Variable] = []
    covers: list[mb.Variable] = []
    for pid, person in idx.people.items():
        ks = f.by_person.get(pid, [])
        if ks and person.max < len(ks):
            model.add(total(ks) <= person.max)
        if person.min > 0:
            short = model.new_num_var(0.0, float(person.min), None)
            model.add(total(ks) + short >= person.min)
            shorts.append(short)
        if ks and f.cover:
            covered = model.new_num_var(0.0, 1.0, None)
            model.add(covered - total(ks) <= 0)
            covers.append(covered)
    model.maximize(
        mb.LinearExpr.weighted_sum(x, [float(v) for v in f.value])
        - SHORT * mb.LinearExpr.sum(shorts)
        + f.cover * mb.LinearExpr.sum(covers)
    )
    solver = mb.Solver("glop")
    solver.set_time_limit_in_seconds(max(1.0, time_limit_s))
    if solver.solve(model) != mb.SolveStatus.OPTIMAL:
        return None
    values = solver.values(x)
    return Relaxation(
        bound=(float(solver.objective_value) - f.keep_bonus) / SCALE,
        x=[float(v) for v in values],
    )
