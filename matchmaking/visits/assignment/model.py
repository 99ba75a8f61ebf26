"""The data the assignment reads and writes, and the "visits/1" JSON format.

Plain frozen dataclasses: the web layer builds an ``Instance`` from its rows and
stores the ``Result``; nothing here touches a database.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from matchmaking.exceptions import InvalidInput

FORMAT = "visits/1"
MAX_SCORE = 100


@dataclass(frozen=True)
class Visit:
    id: str
    town: str
    experts_needed: int
    windows: frozenset[str]  # half-days the company can receive the visit
    needs_senior: bool = False  # at least one 正高 among the experts


@dataclass(frozen=True)
class Expert:
    id: str
    min: int
    max: int
    senior: bool
    town: str
    available: frozenset[str]


@dataclass(frozen=True)
class Affinity:
    visit: str
    expert: str
    score: float


@dataclass(frozen=True)
class Instance:
    half_days: tuple[str, ...]  # in calendar order; empty: no timetable (stage 2 skipped)
    visits: tuple[Visit, ...]
    experts: tuple[Expert, ...]
    affinity: tuple[Affinity, ...]  # only these (visit, expert) pairs may be assigned
    conflicts: frozenset[tuple[str, str]] = frozenset()  # (visit, expert) pairs never assigned


@dataclass(frozen=True)
class Assignment:
    visit: str
    expert: str
    half_day: str | None = None


@dataclass(frozen=True)
class Problem:
    """A reason the campaign cannot be fully served, in the bureau's words."""

    message: str


@dataclass(frozen=True)
class Unstaffed:
    """A visit that did not get all its experts, or no half-day."""

    visit: str
    reason: str


class Status(StrEnum):
    COMPLETE = "complete"  # every visit staffed (and timetabled), every minimum met
    PARTIAL = "partial"  # a valid result with shortfalls, listed in unstaffed / problems
    CANCELLED = "cancelled"  # on_progress asked to stop; the result holds what was done


@dataclass(frozen=True)
class Result:
    status: Status
    assignments: tuple[Assignment, ...]
    alternates: dict[str, list[tuple[str, float]]]  # visit -> best 3 eligible, unassigned
    stage1_s: float
    stage2_s: float
    total_score: float
    optimum: float  # total score of the plain problem's optimum (LP = min-cost flow)
    problems: tuple[Problem, ...] = ()
    unstaffed: tuple[Unstaffed, ...] = ()
    # What fairness cost and bought: the plain optimum's lowest per-visit score.
    plain_min_visit_score: float | None = None
    # "optimal", "feasible" (time limit), "greedy" (CP-SAT found nothing in time),
    # "skipped" (no half-days) or "cancelled".
    stage2_status: str = "skipped"


@dataclass(frozen=True)
class Metrics:
    """The figures the benchmark and the draft page show for one result."""

    staffed_share: float  # visits given all their experts
    total_score: float
    optimum: float
    optimum_ratio: float
    min_visit_score: float | None  # lowest mean score over visits with any expert
    load_spread: int  # max - min visits per expert, over the whole pool
    conflict_violations: int
    scheduled_share: float | None  # visits given a half-day; None without half-days
    loads: dict[str, int] = field(default_factory=dict)


def day_of(half_day: str) -> str:
    """The day a half-day belongs to: the id without a trailing "am"/"pm".

    "d1am" and "d1pm" are both day "d1"; "2026-12-03am" is "2026-12-03". An id
    without that suffix is a day of its own.
    """
    for suffix in ("am", "pm", "AM", "PM", "上午", "下午"):
        if half_day.endswith(suffix) and len(half_day) > len(suffix):
            return half_day[: -len(suffix)]
    return half_day


def check(instance: Instance, fixed: Sequence[Assignment] = ()) -> None:
    """Raise InvalidInput naming what to fix when the instance is malformed."""
    errors: list[str] = []
    half_days = set(instance.half_days)
    if len(half_days) != len(instance.half_days):
        errors.append("半天列表中有重复")
    visits: dict[str, Visit] = {}
    for v in instance.visits:
        if not v.id:
            errors.append("有巡诊没有编号")
        elif v.id in visits:
            errors.append(f"巡诊编号 {v.id} 重复")
        visits[v.id] = v
        if v.experts_needed < 1:
            errors.append(f"巡诊 {v.id} 需要的专家人数应至少为 1")
        if half_days and not v.windows <= half_days:
            errors.append(
                f"巡诊 {v.id} 的可选时间不在活动日期内：{'、'.join(sorted(v.windows - half_days))}"
            )
    experts: dict[str, Expert] = {}
    for e in instance.experts:
        if not e.id:
            errors.append("有专家没有编号")
        elif e.id in experts:
            errors.append(f"专家编号 {e.id} 重复")
        experts[e.id] = e
        if e.min < 0 or e.max < e.min:
            errors.append(f"专家 {e.id} 的次数范围应满足 0 ≤ 最少 ≤ 最多（现为 {e.min}–{e.max}）")
        if half_days and not e.available <= half_days:
            extra = "、".join(sorted(e.available - half_days))
            errors.append(f"专家 {e.id} 的空闲时间不在活动日期内：{extra}")
    seen: set[tuple[str, str]] = set()
    for a in instance.affinity:
        if a.visit not in visits or a.expert not in experts:
            errors.append(f"匹配度 {a.visit}–{a.expert} 指向不存在的巡诊或专家")
        if (a.visit, a.expert) in seen:
            errors.append(f"匹配度 {a.visit}–{a.expert} 重复")
        seen.add((a.visit, a.expert))
        # 0–1 from the matcher; up to 100 accepted (a percentage), which keeps the
        # flow's integer costs far from overflowing.
        if not (isinstance(a.score, int | float) and math.isfinite(a.score)) or not (
            0 <= a.score <= MAX_SCORE
        ):
            errors.append(f"匹配度 {a.visit}–{a.expert} 应为 0 到 {MAX_SCORE} 之间的数")
    # Conflicts naming a visit or expert not in this campaign are harmless (the
    # issue's own example has one): they only ever exclude pairs.
    pinned: dict[str, set[str | None]] = {}
    busy: set[tuple[str, str]] = set()
    pairs: set[tuple[str, str]] = set()
    for f in fixed:
        if f.visit not in visits or f.expert not in experts:
            errors.append(f"保留的安排 {f.visit}–{f.expert} 指向不存在的巡诊或专家")
            continue
        if (f.visit, f.expert) in pairs:
            errors.append(f"保留的安排 {f.visit}–{f.expert} 重复")
        pairs.add((f.visit, f.expert))
        if (f.visit, f.expert) not in seen:  # seen: every listed pair
            errors.append(f"保留的安排 {f.visit}–{f.expert} 没有匹配度，请先补上")
        if (f.visit, f.expert) in instance.conflicts:
            errors.append(f"保留的安排 {f.visit}–{f.expert} 属于需要回避的关系，请先取消")
        pinned.setdefault(f.visit, set()).add(f.half_day)
        if f.half_day is not None:
            if f.half_day not in half_days:
                errors.append(f"保留的安排 {f.visit}–{f.expert} 的时间 {f.half_day} 不在活动日期内")
            if (f.expert, f.half_day) in busy:
                errors.append(f"专家 {f.expert} 在 {f.half_day} 被保留了两场巡诊")
            busy.add((f.expert, f.half_day))
    per_visit = Counter(v for v, _ in pairs)
    per_expert = Counter(e for _, e in pairs)
    for visit_id, days in pinned.items():
        if len(days) > 1:
            errors.append(f"巡诊 {visit_id} 保留的安排时间不一致")
        if per_visit[visit_id] > visits[visit_id].experts_needed:
            errors.append(f"巡诊 {visit_id} 保留的专家多于需要的人数")
    for expert_id, n in per_expert.items():
        if n > experts[expert_id].max:
            errors.append(f"专家 {expert_id} 保留的巡诊多于其最多次数")
    if errors:
        raise InvalidInput("；".join(errors[:20]) + ("等" if len(errors) > 20 else ""))


# --- JSON ------------------------------------------------------------------------------


def _obj(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} 应为 JSON 对象")
    return value


def _str(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} 应为非空字符串")
    return value


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**6:
        raise InvalidInput(f"{what} 应为 0 到 1000000 之间的整数")
    return value


def _bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{what} 应为 true 或 false")
    return value


def _strs(value: Any, what: str) -> frozenset[str]:
    if not isinstance(value, list):
        raise InvalidInput(f"{what} 应为字符串列表")
    return frozenset(_str(x, what) for x in value)


def _list(doc: dict[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InvalidInput(f"{key} 应为列表")
    return value


def from_json(doc: Any) -> Instance:
    """Read a "visits/1" instance (a parsed JSON document); InvalidInput says what is wrong.

    A visit without "windows" or an expert without "available" is free on every
    half-day; "min" defaults to 0, "needs_senior" and "senior" to false.
    """
    doc = _obj(doc, "实例")
    if doc.get("format") != FORMAT:
        raise InvalidInput(f'实例的 format 应为 "{FORMAT}"')
    half_days = tuple(_str(h, "half_days 的元素") for h in _list(doc, "half_days"))
    visits = []
    for i, raw in enumerate(_list(doc, "visits")):
        raw = _obj(raw, f"visits 第 {i + 1} 项")
        vid = _str(raw.get("id"), f"visits 第 {i + 1} 项的 id")
        visits.append(
            Visit(
                id=vid,
                town=_str(raw.get("town"), f"巡诊 {vid} 的 town"),
                experts_needed=_int(raw.get("experts_needed"), f"巡诊 {vid} 的 experts_needed"),
                windows=_strs(raw.get("windows", list(half_days)), f"巡诊 {vid} 的 windows"),
                needs_senior=_bool(raw.get("needs_senior", False), f"巡诊 {vid} 的 needs_senior"),
            )
        )
    experts = []
    for i, raw in enumerate(_list(doc, "experts")):
        raw = _obj(raw, f"experts 第 {i + 1} 项")
        eid = _str(raw.get("id"), f"experts 第 {i + 1} 项的 id")
        experts.append(
            Expert(
                id=eid,
                min=_int(raw.get("min", 0), f"专家 {eid} 的 min"),
                max=_int(raw.get("max"), f"专家 {eid} 的 max"),
                senior=_bool(raw.get("senior", False), f"专家 {eid} 的 senior"),
                town=_str(raw.get("town"), f"专家 {eid} 的 town"),
                available=_strs(raw.get("available", list(half_days)), f"专家 {eid} 的 available"),
            )
        )
    affinity = []
    for i, raw in enumerate(_list(doc, "affinity")):
        raw = _obj(raw, f"affinity 第 {i + 1} 项")
        score = raw.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise InvalidInput(f"affinity 第 {i + 1} 项的 score 应为数字")
        affinity.append(
            Affinity(
                visit=_str(raw.get("visit"), f"affinity 第 {i + 1} 项的 visit"),
                expert=_str(raw.get("expert"), f"affinity 第 {i + 1} 项的 expert"),
                score=float(score),
            )
        )
    conflicts = set()
    for i, raw in enumerate(_list(doc, "conflicts")):
        raw = _obj(raw, f"conflicts 第 {i + 1} 项")
        conflicts.add(
            (
                _str(raw.get("visit"), f"conflicts 第 {i + 1} 项的 visit"),
                _str(raw.get("expert"), f"conflicts 第 {i + 1} 项的 expert"),
            )
        )
    instance = Instance(
        half_days=half_days,
        visits=tuple(visits),
        experts=tuple(experts),
        affinity=tuple(affinity),
        conflicts=frozenset(conflicts),
    )
    check(instance)
    return instance


def to_json(instance: Instance) -> dict[str, Any]:
    """The instance as a "visits/1" document (sets written sorted, in half-day order)."""
    order = {h: i for i, h in enumerate(instance.half_days)}

    def ordered(hs: frozenset[str]) -> list[str]:
        return sorted(hs, key=lambda h: (order.get(h, len(order)), h))

    return {
        "format": FORMAT,
        "half_days": list(instance.half_days),
        "visits": [
            {
                "id": v.id,
                "town": v.town,
                "experts_needed": v.experts_needed,
                "windows": ordered(v.windows),
                "needs_senior": v.needs_senior,
            }
            for v in instance.visits
        ],
        "experts": [
            {
                "id": e.id,
                "min": e.min,
                "max": e.max,
                "senior": e.senior,
                "town": e.town,
                "available": ordered(e.available),
            }
            for e in instance.experts
        ],
        "affinity": [
            {"visit": a.visit, "expert": a.expert, "score": a.score} for a in instance.affinity
        ],
        "conflicts": [{"visit": v, "expert": e} for v, e in sorted(instance.conflicts)],
    }


def solution_to_json(assignments: Sequence[Assignment] | Result) -> dict[str, Any]:
    """{"assignments": [{"visit", "expert", "half_day"}]} as the issue specifies."""
    rows = assignments.assignments if isinstance(assignments, Result) else assignments
    return {
        "assignments": [
            {"visit": a.visit, "expert": a.expert, "half_day": a.half_day} for a in rows
        ]
    }


def solution_from_json(doc: Any) -> list[Assignment]:
    """Read a solution document (for re-runs and for checking one with validate)."""
    doc = _obj(doc, "方案")
    rows = []
    for i, raw in enumerate(_list(doc, "assignments")):
        raw = _obj(raw, f"assignments 第 {i + 1} 项")
        half_day = raw.get("half_day")
        rows.append(
            Assignment(
                visit=_str(raw.get("visit"), f"assignments 第 {i + 1} 项的 visit"),
                expert=_str(raw.get("expert"), f"assignments 第 {i + 1} 项的 expert"),
                half_day=None if half_day is None else _str(half_day, "half_day"),
            )
        )
    return rows


def label(names: Mapping[str, str], key: str) -> str:
    return names.get(key) or key
