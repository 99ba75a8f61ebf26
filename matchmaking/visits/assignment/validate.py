"""Every hard-constraint violation of a set of assignments, in Chinese.

Shortfalls are not violations: a visit with fewer experts than it needs, an
expert below their minimum or a visit without a half-day are reported by the
solver as ``unstaffed`` / ``problems``, because the data may make them
unavoidable. Everything below the solver never does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from matchmaking.visits.assignment.model import Assignment, Instance, label


def validate(
    instance: Instance, assignments: Sequence[Assignment], names: Mapping[str, str] | None = None
) -> list[str]:
    """Messages for every broken hard constraint; empty when the assignments are valid."""
    names = names or {}
    visits = {v.id: v for v in instance.visits}
    experts = {e.id: e for e in instance.experts}
    listed = {(a.visit, a.expert) for a in instance.affinity}
    half_days = set(instance.half_days)
    out: list[str] = []
    rows = []
    for a in assignments:
        if a.visit not in visits or a.expert not in experts:
            out.append(f"安排 {a.visit}–{a.expert} 指向不存在的巡诊或专家")
        else:
            rows.append(a)
    for (v, e), n in Counter((a.visit, a.expert) for a in rows).items():
        if n > 1:
            out.append(f"{label(names, e)} 被重复安排到 {label(names, v)}")
    per_visit: dict[str, list[Assignment]] = defaultdict(list)
    per_expert: dict[str, list[Assignment]] = defaultdict(list)
    for a in rows:
        per_visit[a.visit].append(a)
        per_expert[a.expert].append(a)
        who, where = label(names, a.expert), label(names, a.visit)
        if (a.visit, a.expert) not in listed:
            out.append(f"{who} 与 {where} 没有匹配度，不能安排")
        if (a.visit, a.expert) in instance.conflicts:
            out.append(f"{who} 需要回避 {where}，却被安排了")
        if a.half_day is not None:
            if not half_days:
                out.append(f"本次活动不排时间，{where} 却有时间 {a.half_day}")
            elif a.half_day not in half_days:
                out.append(f"{where} 的时间 {a.half_day} 不在活动日期内")
            else:
                if a.half_day not in visits[a.visit].windows:
                    out.append(f"{where} 在 {a.half_day} 不方便接待")
                if a.half_day not in experts[a.expert].available:
                    out.append(f"{who} 在 {a.half_day} 没有空")
    for v, group in per_visit.items():
        visit = visits[v]
        if len(group) > visit.experts_needed:
            out.append(
                f"{label(names, v)} 需要 {visit.experts_needed} 位专家，安排了 {len(group)} 位"
            )
        if visit.needs_senior and not any(experts[a.expert].senior for a in group):
            out.append(f"{label(names, v)} 要求至少一位正高专家，安排中没有")
        if len({a.half_day for a in group}) > 1:
            out.append(f"{label(names, v)} 的专家被安排在不同的时间")
    for e, group in per_expert.items():
        expert = experts[e]
        if len(group) > expert.max:
            out.append(f"{label(names, e)} 最多 {expert.max} 次，安排了 {len(group)} 次")
        for h, n in Counter(a.half_day for a in group if a.half_day is not None).items():
            if n > 1:
                out.append(f"{label(names, e)} 在 {h} 被安排了 {n} 场巡诊")
    return out
