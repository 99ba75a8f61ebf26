"""The "schedule/1" JSON format of issue 12 (instance in, solution out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from math import isfinite
from typing import Any

from matchmaking.events.scheduler.model import (
    SIDES,
    Candidate,
    Instance,
    Meeting,
    Participant,
    Slot,
)

FORMAT = "schedule/1"


class InstanceError(ValueError):
    """The JSON is not a valid schedule/1 instance; the message says what to fix (Chinese)."""


def _list(data: Mapping[str, Any], key: str, required: bool = True) -> list[Any]:
    value = data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list):
        raise InstanceError(f"“{key}”应为列表")
    return value


def _str(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key) if isinstance(item, Mapping) else None
    if not isinstance(value, str) or not value:
        raise InstanceError(f"{where}缺少“{key}”（应为非空字符串）")
    return value


def _int(item: Mapping[str, Any], key: str, where: str, default: int | None = None) -> int:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InstanceError(f"{where}的“{key}”应为非负整数")
    return value


def _meetings(items: list[Any], where: str) -> tuple[Meeting, ...]:
    out = []
    for i, item in enumerate(items, 1):
        label = f"{where}第 {i} 项"
        slot = _str(item, "slot", label)
        table = _int(item, "table", label, 0)
        out.append(Meeting(_str(item, "a", label), _str(item, "b", label), slot, table))
    return tuple(out)


def from_json(data: Mapping[str, Any]) -> Instance:
    """Read a schedule/1 instance; raise InstanceError (Chinese) on anything malformed.

    Types are checked strictly; dangling ids are not an error here (see `precheck`)."""
    if not isinstance(data, Mapping):
        raise InstanceError("排程数据应为 JSON 对象")
    if data.get("format") != FORMAT:
        raise InstanceError(f"“format”应为“{FORMAT}”")
    slots = []
    for i, item in enumerate(_list(data, "slots"), 1):
        label = f"时段第 {i} 项"
        sid = _str(item, "id", label)
        try:
            start = datetime.fromisoformat(_str(item, "start", label))
        except ValueError as exc:
            raise InstanceError(f"{label}的开始时间不是 ISO 8601 格式") from exc
        if start.tzinfo is None:
            raise InstanceError(f"{label}的开始时间缺少时区（如 +08:00）")
        minutes = _int(item, "minutes", label)
        if minutes == 0:
            raise InstanceError(f"{label}的时长应大于 0 分钟")
        slots.append(Slot(sid, start, minutes))
    slot_ids = {s.id for s in slots}
    if len(slot_ids) != len(slots):
        raise InstanceError("时段编号有重复")
    raw_tables = data.get("tables")
    if not isinstance(raw_tables, Mapping):
        raise InstanceError("“tables”应为对象：时段编号 → 桌数")
    tables: dict[str, int] = {}
    for sid, n in raw_tables.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise InstanceError(f"时段“{sid}”的桌数应为非负整数")
        tables[sid] = n
    people = []
    for i, item in enumerate(_list(data, "participants"), 1):
        label = f"参会人第 {i} 项"
        side = _str(item, "side", label)
        if side not in SIDES:
            raise InstanceError(f"{label}的“side”应为 {'、'.join(SIDES)} 之一")
        unavailable = item.get("unavailable", [])
        if not isinstance(unavailable, list) or not all(isinstance(s, str) for s in unavailable):
            raise InstanceError(f"{label}的“unavailable”应为时段编号列表")
        people.append(
            Participant(
                _str(item, "id", label),
                side,
                _int(item, "min", label, 0),
                _int(item, "max", label, 1000),
                frozenset(unavailable),
            )
        )
    ids = {p.id for p in people}
    if len(ids) != len(people):
        raise InstanceError("参会人编号有重复")

    # References to people or slots that are not listed are kept as given: `precheck` names
    # them and the solver leaves them out (the issue's own example refers to such ids).
    def known(a: str, b: str, label: str) -> None:
        if a == b:
            raise InstanceError(f"{label}的两人相同")

    candidates = []
    for i, item in enumerate(_list(data, "candidates"), 1):
        label = f"候选配对第 {i} 项"
        a, b = _str(item, "a", label), _str(item, "b", label)
        known(a, b, label)
        score = item.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not isfinite(score):
            raise InstanceError(f"{label}的“score”应为数字")
        flags = []
        for key in ("requested", "mutual"):
            flag = item.get(key, False)
            if not isinstance(flag, bool):
                raise InstanceError(f"{label}的“{key}”应为 true 或 false")
            flags.append(flag)
        candidates.append(Candidate(a, b, float(score), flags[0], flags[1]))
    locked = _meetings(_list(data, "locked", required=False), "锁定会谈")
    published = _meetings(_list(data, "published", required=False), "已发布会谈")
    for m in locked:
        known(m.a, m.b, "锁定会谈")
    forbidden = set()
    for i, item in enumerate(_list(data, "forbidden", required=False), 1):
        label = f"禁止配对第 {i} 项"
        a, b = _str(item, "a", label), _str(item, "b", label)
        if a == b:
            raise InstanceError(f"{label}的两人相同")
        forbidden.add(frozenset((a, b)))
    return Instance(
        slots=tuple(slots),
        tables=tables,
        participants=tuple(people),
        candidates=tuple(candidates),
        locked=locked,
        forbidden=frozenset(forbidden),
        published=published,
    )


def _meeting_json(m: Meeting) -> dict[str, Any]:
    return {"a": m.a, "b": m.b, "slot": m.slot, "table": m.table}


def solution_to_json(meetings: Iterable[Meeting]) -> dict[str, Any]:
    return {"meetings": [_meeting_json(m) for m in meetings]}


def to_json(instance: Instance) -> dict[str, Any]:
    """Write an instance in the schedule/1 format (what `from_json` reads)."""
    out: dict[str, Any] = {
        "format": FORMAT,
        "slots": [
            {"id": s.id, "start": s.start.isoformat(), "minutes": s.minutes} for s in instance.slots
        ],
        "tables": dict(instance.tables),
        "participants": [
            {
                "id": p.id,
                "side": p.side,
                "min": p.min,
                "max": p.max,
                "unavailable": sorted(p.unavailable),
            }
            for p in instance.participants
        ],
        "candidates": [
            {"a": c.a, "b": c.b, "score": c.score, "requested": c.requested}
            | ({"mutual": True} if c.mutual else {})
            for c in instance.candidates
        ],
        "locked": [
            {"a": m.a, "b": m.b, "slot": m.slot} | ({"table": m.table} if m.table else {})
            for m in instance.locked
        ],
        "forbidden": [dict(zip(("a", "b"), sorted(p), strict=True)) for p in instance.forbidden],
    }
    if instance.published:
        out["published"] = [_meeting_json(m) for m in instance.published]
    return out
