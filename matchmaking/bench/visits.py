"""Expert-visit assignment benchmark (issue 13): stage timings and quality against the
plain optimum and a greedy baseline, on a "visits/1" file or a seeded size S/M/L."""

from __future__ import annotations

from typing import Any

from matchmaking.visits.assignment import Instance, Result, greedy, metrics, solve
from matchmaking.visits.assignment.generate import SIZES, sized

KEYS = (
    "stage1_s",
    "stage2_s",
    "staffed_share",
    "total_score",
    "optimum",
    "optimum_ratio",
    "min_visit_score",
    "load_spread",
    "conflict_violations",
    "scheduled_share",
)


def figures(instance: Instance, result: Result) -> dict[str, Any]:
    """The reported figures of one result, rounded for reading."""
    m = metrics(instance, result)
    return {
        "stage1_s": round(result.stage1_s, 4),
        "stage2_s": round(result.stage2_s, 4),
        "staffed_share": round(m.staffed_share, 4),
        "total_score": round(m.total_score, 4),
        "optimum": round(m.optimum, 4),
        "optimum_ratio": round(m.optimum_ratio, 6),
        "min_visit_score": None if m.min_visit_score is None else round(m.min_visit_score, 4),
        "load_spread": m.load_spread,
        "conflict_violations": m.conflict_violations,
        "scheduled_share": None if m.scheduled_share is None else round(m.scheduled_share, 4),
    }


def run(
    instance: Instance, *, fair: bool = True, time_limit_s: float = 10.0
) -> tuple[dict[str, Any], Result]:
    """Solve and solve greedily; the figures (keys as the issue lists) and the solution."""
    result = solve(instance, fair=fair, time_limit_s=time_limit_s)
    out = figures(instance, result)
    out["greedy"] = figures(instance, greedy(instance, optimum=result.optimum))
    return out, result


def generated(size: str, seed: int, candidates: int = 25) -> Instance:
    if size not in SIZES:
        raise ValueError(f"规模应为 {'、'.join(SIZES)} 之一")
    return sized(size, seed=seed, candidates=candidates)


def table(instance: Instance, figures: dict[str, Any], result: Result) -> str:
    """A plain-text summary, with what fairness cost and bought."""
    need = sum(v.experts_needed for v in instance.visits)
    lines = [
        f"{len(instance.visits)} 场巡诊（共需 {need} 人次），{len(instance.experts)} 位专家，"
        f"{len(instance.half_days)} 个半天，{len(instance.affinity)} 个候选配对",
        f"{'':<14}{'本算法':>12}{'贪心基线':>12}",
    ]
    rows = [
        ("第一阶段秒数", "stage1_s", "{:.3f}"),
        ("第二阶段秒数", "stage2_s", "{:.3f}"),
        ("配齐比例", "staffed_share", "{:.4f}"),
        ("总匹配度", "total_score", "{:.4f}"),
        ("占最优比例", "optimum_ratio", "{:.4f}"),
        ("最低单场匹配度", "min_visit_score", "{:.4f}"),
        ("负载极差", "load_spread", "{}"),
        ("回避违规", "conflict_violations", "{}"),
        ("排定时间比例", "scheduled_share", "{:.4f}"),
    ]
    for label, key, fmt in rows:
        ours, base = figures[key], figures["greedy"][key]
        lines.append(
            f"{label:<14}{'—' if ours is None else fmt.format(ours):>12}"
            f"{'—' if base is None else fmt.format(base):>12}"
        )
    lines.append(f"最优（不考虑公平性的最小费用流）：{figures['optimum']:.4f}")
    if result.plain_min_visit_score is not None:
        lines.append(
            f"公平性：最低单场匹配度 {figures['min_visit_score']}"
            f"（不考虑公平性时 {result.plain_min_visit_score:.4f}）"
        )
    lines.append(
        f"第二阶段状态：{result.stage2_status}；未配齐或未排时间 {len(result.unstaffed)} 场"
    )
    for problem in result.problems[:10]:
        lines.append(f"· {problem.message}")
    return "\n".join(lines)
