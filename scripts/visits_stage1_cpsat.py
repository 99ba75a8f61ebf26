"""Measure CP-SAT on stage 1 of the visits assignment, against the min-cost flow.

The record of why stage 1 is a flow (docs/benchmarks.md, "Expert visits"):
    PYTHONPATH=. python scripts/visits_stage1_cpsat.py M L
Same plain problem and priorities (most expert-visits, then expert minimums, then
the best total; the senior rule for full teams), no fairness; CP-SAT gets 60 s.
"""

from __future__ import annotations

import sys
import time

from ortools.sat.python import cp_model

from matchmaking.visits.assignment.generate import sized
from matchmaking.visits.assignment.index import Index
from matchmaking.visits.assignment.stage1 import SCALE, Network


def main(sizes: list[str]) -> None:
    for size in sizes:
        inst = sized(size)
        index = Index.of(inst)
        started = time.perf_counter()
        flow = Network(inst, index, ()).solve()
        flow_s = time.perf_counter() - started

        started = time.perf_counter()
        model = cp_model.CpModel()
        x = {}
        for v in inst.visits:
            for e, _s in index.eligible[v.id]:
                if inst.half_days and not (index.experts[e].available & v.windows):
                    continue
                x[v.id, e] = model.new_bool_var(f"{v.id},{e}")
        for v in inst.visits:
            mine = [x[v.id, e] for e, _ in index.eligible[v.id] if (v.id, e) in x]
            model.add(sum(mine) <= v.experts_needed)
            seniors = [x[v.id, e] for e, _ in index.eligible[v.id]
                       if (v.id, e) in x and index.experts[e].senior]  # fmt: skip
            if v.needs_senior:
                # a full team has a senior (as the flow's split node guarantees)
                model.add(sum(mine) - sum(seniors) <= v.experts_needed - 1)
        reached = []
        for e in inst.experts:
            mine = [x[v, e.id] for v in index.by_expert.get(e.id, []) if (v, e.id) in x]
            cap = min(e.max, len(e.available)) if inst.half_days else e.max
            model.add(sum(mine) <= cap)
            met = model.new_int_var(0, min(e.min, cap), f"min {e.id}")
            model.add(met <= sum(mine))
            reached.append(met)
        units = sum(x.values())
        score = sum(round(index.score[p] * SCALE) * var for p, var in x.items())
        b2 = SCALE * (len(x) + 1)
        b1 = b2 * (sum(e.min for e in inst.experts) + 1) + b2
        # Lexicographic as the flow: expert-visits, then minimum units, then score.
        model.maximize(b1 * units + b2 * sum(reached) + score)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 2
        solver.parameters.max_time_in_seconds = 60
        status = solver.solve(model)
        cp_s = time.perf_counter() - started
        total = sum(index.score[p] for p, var in x.items() if solver.boolean_value(var))
        sys.stdout.write(
            f"{size}: flow {flow_s:.3f} s total {flow.score:.4f} units {flow.staffed}; "
            f"CP-SAT {cp_s:.3f} s {solver.status_name(status)} total {total:.4f} "
            f"units {sum(solver.boolean_value(v) for v in x.values())}\n"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["M"])
