"""Stage 1, who visits whom: a min-cost flow (exact; the LP is totally unimodular).

Network: source → expert → visit → sink.
- source → expert: two arcs, ``min`` units with a bonus B2 (minimums are met first,
  OpenReview MinMax's two passes in one solve) and ``max − min`` units at no bonus;
  an expert's capacity is also at most their free half-days.
- expert → visit: capacity 1 for each listed, non-conflicting pair, cost −score.
- visit → sink: ``experts_needed`` units with a bonus B1 (staffing first).
- "at least one senior" (needs_senior): seniors enter the visit through one node
  with the full capacity, the others through a node with capacity
  ``experts_needed − 1``, so a fully staffed visit always has a senior. A partly
  staffed visit without a senior is dropped afterwards (it would break the rule).
- source → sink: a bypass so that unservable demand costs nothing.
B1 ≫ B2 ≫ any score sum, so the optimum is lexicographic: most expert-visits,
then most minimum units, then the highest total score.

Fairness (``fair=True``), FairFlow-like: the lowest score of any assigned pair is
raised as far as it goes without losing staffing or minimums (a search over the
distinct scores, one flow each), then the total is maximised above that floor.
Every visit's mean score is then at least the floor. If that does not raise the
lowest per-visit mean over the plain optimum, the plain optimum is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow  # type: ignore[import-untyped]

from matchmaking.visits.assignment.index import Index
from matchmaking.visits.assignment.model import Assignment, Instance
from matchmaking.visits.assignment.precheck import capacity

SCALE = 10_000  # scores to integer costs: 4 decimals


@dataclass
class Flow:
    pairs: list[tuple[str, str]]  # new (visit, expert) pairs, fixed ones excluded
    staffed: int  # units through visits (new pairs)
    minimum: int  # units through the minimum arcs
    score: float  # sum of the new pairs' scores


class Network:
    """The flow network for one instance; solved repeatedly with different score floors."""

    def __init__(self, instance: Instance, index: Index, fixed: Sequence[Assignment]) -> None:
        timed = bool(instance.half_days)
        fixed_v: dict[str, list[str]] = {}
        fixed_e: dict[str, int] = {}
        used_days: dict[str, set[str]] = {}
        pinned: dict[str, str] = {}
        for f in fixed:
            fixed_v.setdefault(f.visit, []).append(f.expert)
            fixed_e[f.expert] = fixed_e.get(f.expert, 0) + 1
            if f.half_day is not None:
                used_days.setdefault(f.expert, set()).add(f.half_day)
                pinned[f.visit] = f.half_day
        fixed_pairs = {(f.visit, f.expert) for f in fixed}

        tails: list[int] = []
        heads: list[int] = []
        caps: list[int] = []
        costs: list[int] = []

        def arc(t: int, h: int, cap: int, cost: int) -> int:
            tails.append(t)
            heads.append(h)
            caps.append(cap)
            costs.append(cost)
            return len(tails) - 1

        expert_node: dict[str, int] = {}
        for i, e in enumerate(instance.experts):
            expert_node[e.id] = 2 + i
        node = 2 + len(instance.experts)
        demand = 0
        pair_arcs: list[tuple[int, str, str, float]] = []
        visit_arcs: list[int] = []
        entry: dict[str, tuple[int, int | None]] = {}  # visit -> (senior entry, other entry)
        for v in instance.visits:
            need = v.experts_needed - len(fixed_v.get(v.id, []))
            if need <= 0:
                continue
            sink_side = node
            node += 1
            visit_arcs.append(arc(sink_side, 1, need, 0))
            demand += need
            has_senior = any(index.experts[e].senior for e in fixed_v.get(v.id, []))
            if v.needs_senior and not has_senior:
                seniors, others = node, node + 1
                node += 2
                arc(seniors, sink_side, need, 0)
                if need > 1:
                    arc(others, sink_side, need - 1, 0)
                entry[v.id] = (seniors, others if need > 1 else None)
            else:
                entry[v.id] = (sink_side, sink_side)
        self.demand = demand
        top = max(
            (round(s * SCALE) for rows in index.eligible.values() for _, s in rows), default=0
        )
        score_bound = (top + 1) * (demand + 1)
        self.b2 = score_bound + 1
        self.b1 = self.b2 * (demand + 1) + score_bound + 1
        for a in visit_arcs:
            costs[a] = -self.b1
        # Feasibility probes need only the two lexicographic counts: small costs,
        # which the cost-scaling solver handles in fewer phases.
        probe = [0] * len(costs)
        for a in visit_arcs:
            probe[a] = -(demand + 2)
        min_arcs: list[int] = []
        for e in instance.experts:
            done = fixed_e.get(e.id, 0)
            free = e.available - used_days.get(e.id, set())
            cap = max(0, capacity(instance, e.max - done, free))
            low = min(max(0, e.min - done), cap)
            if low:
                min_arcs.append(arc(0, expert_node[e.id], low, -self.b2))
                probe.append(-1)
            if cap > low:
                arc(0, expert_node[e.id], cap - low, 0)
                probe.append(0)
        for v in instance.visits:
            if v.id not in entry:
                continue
            senior_in, other_in = entry[v.id]
            for expert_id, s in index.eligible[v.id]:
                e = index.experts[expert_id]
                if (v.id, expert_id) in fixed_pairs:
                    continue
                if timed:
                    if v.id in pinned:
                        day = pinned[v.id]
                        if day not in e.available or day in used_days.get(expert_id, ()):
                            continue
                    elif not (e.available & v.windows):
                        continue
                head = senior_in if e.senior else other_in
                if head is None:
                    continue
                pair_arcs.append(
                    (arc(expert_node[expert_id], head, 1, -round(s * SCALE)), v.id, expert_id, s)
                )
        arc(0, 1, demand, 0)  # bypass
        probe.extend([0] * (len(costs) - len(probe)))
        self.nodes = node
        self.tails = np.array(tails, dtype=np.int32)
        self.heads = np.array(heads, dtype=np.int32)
        self.caps = np.array(caps, dtype=np.int64)
        self.costs = np.array(costs, dtype=np.int64)
        self.probe_costs = np.array(probe, dtype=np.int64)
        self.pair_arcs = pair_arcs
        self.pair_idx = np.array([p[0] for p in pair_arcs], dtype=np.int32)
        self.pair_scores = np.array([p[3] for p in pair_arcs], dtype=np.float64)
        self.base = np.ones(len(pair_arcs), dtype=bool)  # pairs not banned
        self.position = {(p[1], p[2]): i for i, p in enumerate(pair_arcs)}
        visit_no = {v.id: i for i, v in enumerate(instance.visits)}
        self.pair_visit = np.array([visit_no[p[1]] for p in pair_arcs], dtype=np.int64)
        self.min_idx = np.array(min_arcs, dtype=np.int32)
        self.visit_idx = np.array(visit_arcs, dtype=np.int32)

    def ban(self, visit: str, expert: str, *, banned: bool = True) -> None:
        """Leave this pair out of every later solve (or take it back)."""
        if (visit, expert) in self.position:
            self.base[self.position[visit, expert]] = not banned

    def solve(self, allowed: np.ndarray | None = None, *, probe: bool = False) -> Flow:
        """Optimal flow using only the pairs ``allowed`` (a mask over ``pair_arcs``).

        ``probe``: only the staffing and minimum counts are right (scores ignored).
        """
        if self.demand == 0:
            return Flow([], 0, 0, 0.0)
        caps = self.caps.copy()
        mask = self.base if allowed is None else allowed & self.base
        if len(self.pair_idx):
            caps[self.pair_idx[~mask]] = 0
        smcf = min_cost_flow.SimpleMinCostFlow()
        costs = self.probe_costs if probe else self.costs
        smcf.add_arcs_with_capacity_and_unit_cost(self.tails, self.heads, caps, costs)
        supplies = np.zeros(self.nodes, dtype=np.int64)
        supplies[0], supplies[1] = self.demand, -self.demand
        smcf.set_nodes_supplies(np.arange(self.nodes, dtype=np.int32), supplies)
        status = smcf.solve()
        if status != smcf.OPTIMAL:  # cannot happen: the bypass makes every instance feasible
            raise RuntimeError(f"min-cost flow status {status}")
        flows = np.asarray(smcf.flows(np.arange(len(self.tails), dtype=np.int32)))
        used = np.flatnonzero(flows[self.pair_idx] > 0) if len(self.pair_idx) else ()
        chosen = [self.pair_arcs[i][1:] for i in used]
        return Flow(
            pairs=[(v, e) for v, e, _ in chosen],
            staffed=int(flows[self.visit_idx].sum()) if len(self.visit_idx) else 0,
            minimum=int(flows[self.min_idx].sum()) if len(self.min_idx) else 0,
            score=float(sum(s for _, _, s in chosen)),
        )

    def fairest(
        self, plain: Flow, on_step: Callable[[float], bool] | None = None, rounds: int = 1
    ) -> Flow | None:
        """Raise the lowest pair score, then the next lowest, keeping plain's staffing
        and minimums.

        Each round finds the highest floor every remaining visit's pairs can stay
        above (a galloping search over the distinct scores, one flow per step), then
        freezes the visits that sit on that floor and goes on with the others. None
        when ``on_step`` (progress 0–1) returns False. One round by default: on the
        benchmark instances further rounds (leximin) never raised the lowest
        per-visit score and cost up to 2 s more at size L.
        """
        if not plain.pairs or not len(self.pair_idx):
            return plain
        scores = np.unique(self.pair_scores)
        n_visits = int(self.pair_visit.max()) + 1
        frozen = np.zeros(n_visits, dtype=bool)
        floor_of = np.full(n_visits, -np.inf)
        chosen = set(plain.pairs)
        current = min(s for _, v, e, s in self.pair_arcs if (v, e) in chosen)
        best = plain
        steps = rounds * max(1, int(np.ceil(np.log2(max(2, len(scores))))))
        done = 0

        def mask(tau: float) -> np.ndarray:
            floors = np.where(frozen[self.pair_visit], floor_of[self.pair_visit], tau)
            return np.asarray(self.pair_scores >= floors)

        for _ in range(rounds):
            above = scores[scores >= current]
            lo, hi = 0, len(above) - 1  # above[lo] is feasible

            def holds(tau: float) -> bool:
                flow = self.solve(mask(tau), probe=True)
                return flow.staffed == plain.staffed and flow.minimum == plain.minimum

            # Galloping search from the current floor: the next floor is usually near.
            moved, step = False, 1
            while lo < hi:
                at = min(lo + step, hi)
                if holds(float(above[at])):
                    lo, moved, step = at, True, step * 2
                else:
                    hi, step = at - 1, 1
                done += 1
                if on_step is not None and on_step(min(1.0, done / steps)) is False:
                    return None
            if moved:
                current = float(above[lo])
                best = self.solve(mask(current))
            # The visits on the floor: keep them there, raise the others next round.
            in_best = set(best.pairs)
            on_floor = {
                int(self.pair_visit[i])
                for i, (_, v, e, s) in enumerate(self.pair_arcs)
                if s <= current and (v, e) in in_best
            }
            if not on_floor or frozen[list(on_floor)].all():
                break
            for i in on_floor:
                frozen[i] = True
                floor_of[i] = current
        return best
