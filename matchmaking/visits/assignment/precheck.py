"""Pre-checks that explain, in the bureau's words, why a campaign cannot be fully served.

As OpenReview's matcher does with supply and demand, but also per visit and per
expert, so staff know which request or which expert to look at.
"""

from __future__ import annotations

from collections.abc import Mapping

from matchmaking.visits.assignment.index import Index
from matchmaking.visits.assignment.model import Instance, Problem, label


def capacity(instance: Instance, expert_max: int, available: frozenset[str]) -> int:
    """Visits an expert can make: their maximum, and one per free half-day."""
    return min(expert_max, len(available)) if instance.half_days else expert_max


def precheck(instance: Instance, names: Mapping[str, str] | None = None) -> list[Problem]:
    """Problems that make a full assignment impossible (empty when none is found)."""
    names = names or {}
    index = Index.of(instance)
    out: list[str] = []
    need = sum(v.experts_needed for v in instance.visits)
    supply = sum(capacity(instance, e.max, e.available) for e in instance.experts)
    floor = sum(e.min for e in instance.experts)
    if need > supply:
        out.append(f"需要 {need} 人次专家，专家可提供的上限合计 {supply} 人次")
    if floor > need:
        out.append(f"专家最少巡诊次数合计 {floor} 人次，超过了需要的 {need} 人次")
    timed = bool(instance.half_days)
    for v in instance.visits:
        name = label(names, v.id)
        rows = index.eligible[v.id]
        if timed:
            if not v.windows:
                out.append(f"{name} 没有可以接待的时间")
                continue
            rows = [(e, s) for e, s in rows if index.experts[e].available & v.windows]
        if not index.eligible[v.id]:
            out.append(f"{name} 的问题没有匹配度高于阈值的专家")
        elif not rows:
            out.append(f"{name} 的可选专家在其可接待的时间都没有空")
        elif len(rows) < v.experts_needed:
            out.append(f"{name} 需要 {v.experts_needed} 位专家，只有 {len(rows)} 位可选")
        if rows and v.needs_senior and not any(index.experts[e].senior for e, _ in rows):
            out.append(f"{name} 要求正高专家，但可选的专家中没有正高")
    for e in instance.experts:
        if e.min == 0:
            continue
        name = label(names, e.id)
        reachable = index.by_expert.get(e.id, [])
        if timed:
            reachable = [v for v in reachable if index.visits[v].windows & e.available]
        if len(reachable) < e.min:
            out.append(f"{name} 至少要巡诊 {e.min} 家，但只有 {len(reachable)} 家企业可选")
        elif timed and len(e.available) < e.min:
            out.append(f"{name} 至少要巡诊 {e.min} 家，但只有 {len(e.available)} 个半天有空")
    return [Problem(m) for m in out]
