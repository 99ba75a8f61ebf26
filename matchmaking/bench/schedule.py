"""The event scheduler benchmark: a generated or given schedule/1 instance, solved by the
scheduler and by the greedy baseline side by side, then a repair run after 10 % cancel."""

from __future__ import annotations

import json
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from matchmaking.events.scheduler import Instance, Result, from_json, greedy, solve
from matchmaking.events.scheduler.core import figures, gap, index
from matchmaking.events.scheduler.cpsat import pair_model
from matchmaking.events.scheduler.formulation import SCALE, formulate
from matchmaking.events.scheduler.generate import SIZES, cancel, generate
from matchmaking.events.scheduler.jsonio import solution_to_json
from matchmaking.events.scheduler.lp import relax

REPAIR_SHARE = 0.1


def load(path: Path) -> Instance:
    """Read a schedule/1 file; InstanceError (Chinese) when it is malformed."""
    return from_json(json.loads(path.read_text(encoding="utf-8")))


def requested_feasible(instance: Instance, time_limit_s: float) -> int:
    """How many requested meetings can be placed at once (locks kept, minimums ignored): the
    best proven bound of the LP relaxation and CP-SAT, so `requested_placed /
    requested_feasible` never flatters the scheduler."""
    idx = index(instance)
    for pid, p in list(idx.people.items()):  # minimums do not limit what is feasible
        idx.people[pid] = replace(p, min=0)
    f = formulate(idx)
    f.value = [SCALE if p in idx.pairs and idx.pairs[p].requested else 0 for p, _ in f.keys]
    f.keep_bonus = 0
    f.cover = 0
    best = sum(1 for c in idx.pairs.values() if c.requested)
    if not best:
        return 0
    lp = relax(f, time_limit_s)
    if lp is not None:
        best = min(best, math.floor(lp.bound + 1e-6))
    model = pair_model(f)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2
    solver.parameters.max_time_in_seconds = time_limit_s
    if solver.solve(model.model) in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        best = min(best, math.floor(solver.best_objective_bound / SCALE + 1e-6))
    return best


def figures_of(instance: Instance, result: Result, feasible: int) -> dict[str, Any]:
    idx = index(instance)
    fig = figures(idx, result.meetings)
    people = max(1, len(idx.people))
    return {
        "status": result.status,
        "first_feasible_s": round(result.first_feasible_s, 3),
        "final_s": round(result.final_s, 3),
        "objective": round(result.objective, 3),
        "bound": round(result.bound, 3),
        "gap": round(result.gap, 5),
        "placed": fig.placed,
        "requested_placed": fig.requested_placed,
        "requested_feasible": feasible,
        "score_sum": round(fig.score_sum, 3),
        "min_meetings": fig.min_meetings,
        "mean_meetings": round(fig.mean_meetings, 3),
        "below_min": fig.below_min,
        "idle_per_person": round(fig.idle / people, 3),
    }


def run(
    instance: Instance,
    *,
    time_limit_s: float,
    out: Path | None = None,
    repair: bool = True,
    seed: int = 0,
) -> dict[str, Any]:
    result = solve(instance, time_limit_s=time_limit_s)
    if out is not None:
        out.write_text(
            json.dumps(solution_to_json(result.meetings), ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
    started = time.perf_counter()
    base = greedy(instance)
    base.final_s = base.first_feasible_s = time.perf_counter() - started
    base.bound = result.bound  # a proven bound holds for every schedule of the instance
    base.gap = gap(base.objective, base.bound)
    feasible = requested_feasible(instance, time_limit_s=min(30.0, time_limit_s))
    report = figures_of(instance, result, feasible)
    report["greedy"] = figures_of(instance, base, feasible)
    if repair:
        after = cancel(instance, result.meetings, REPAIR_SHARE, seed=seed + 1)
        repaired = solve(after, time_limit_s=time_limit_s)
        fig = figures(index(after), repaired.meetings)
        report["repair_moved_share"] = round(fig.moved / fig.keepable, 4) if fig.keepable else 0.0
    return report


def generated(size: str, seed: int) -> Instance:
    return generate(SIZES[size], seed)


LABELS = {
    "status": "状态",
    "first_feasible_s": "首个可行解（秒）",
    "final_s": "最终解（秒）",
    "objective": "目标值",
    "bound": "上界",
    "gap": "差距",
    "placed": "会谈数",
    "requested_placed": "已排必见",
    "requested_feasible": "可排必见上限",
    "score_sum": "匹配分合计",
    "min_meetings": "每人最少",
    "mean_meetings": "每人平均",
    "below_min": "未达最少人数",
    "idle_per_person": "人均空等时段",
}


def table(report: dict[str, Any]) -> str:
    lines = [f"{'排程器':>10}  {'贪心基线':>10}"]
    for key, label in LABELS.items():
        lines.append(f"{report[key]!s:>13}  {report['greedy'][key]!s:>12}  {label}")
    if "repair_moved_share" in report:
        lines.append(
            f"取消 10% 参会人后重排，已发布会谈被移动的比例：{report['repair_moved_share']:.1%}"
        )
    return "\n".join(lines)
