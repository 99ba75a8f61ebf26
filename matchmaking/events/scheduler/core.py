"""Shared indexing, the objective, validation and pre-checks of a scheduling instance.

The objective is lexicographic in two tiers. The first tier is one weighted number, the
`objective` that results report with a proven `bound`:

    W_REQUESTED · requested meetings placed
  + Σ score of placed pairs (× MUTUAL_FACTOR when the interest is mutual)
  − W_SHORT · meetings missing below a participant's minimum
  + W_COVER · participants with at least one meeting (nobody who could meet someone is left out)
  − W_MOVED · published meetings moved or dropped (repair runs)

Scores are in [0, 1], so one requested meeting outweighs any score, and a missing minimum
meeting outweighs a requested one; a first meeting for someone counts like a good score.
The second tier is the number of idle slots (a slot between a person's first and last
meeting without a meeting), minimised with the first-tier meetings kept. Moves rank above
idle slots (the issue lists them the other way round): a moved meeting changes two published
agendas, an idle slot only lengthens a wait.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from matchmaking.events.scheduler.model import Candidate, Instance, Meeting, Participant, Problem

W_REQUESTED = 10.0
MUTUAL_FACTOR = 2.0
W_SHORT = 20.0
W_COVER = 1.0
W_MOVED = 0.3


def pair_of(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def ordered(pair: frozenset[str]) -> tuple[str, str]:
    a, b = sorted(pair)
    return a, b


@dataclass
class Index:
    """Lookups over an instance: slot order, availability, merged candidate pairs."""

    instance: Instance
    slot_ids: list[str]  # by start time
    slot_pos: dict[str, int]
    people: dict[str, Participant]
    available: dict[str, list[str]]  # person -> available slot ids, in time order
    pairs: dict[frozenset[str], Candidate]  # allowed candidate pairs, merged, forbidden removed
    by_person: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    locked_pairs: dict[frozenset[str], str] = field(default_factory=dict)  # pair -> slot

    def tables(self, slot: str) -> int:
        return max(0, int(self.instance.tables.get(slot, 0)))

    def cap(self, person: str) -> int:
        p = self.people[person]
        return max(0, min(p.max, len(self.available[person])))

    def common_slots(self, pair: frozenset[str]) -> list[str]:
        a, b = ordered(pair)
        sb = set(self.available[b])
        return [s for s in self.available[a] if s in sb]

    def value(self, pair: frozenset[str]) -> float:
        """What placing this pair adds to the objective (before idle, minimum and moves)."""
        c = self.pairs.get(pair)
        if c is None:
            return 0.0
        return (W_REQUESTED if c.requested else 0.0) + c.score * (
            MUTUAL_FACTOR if c.mutual else 1.0
        )


def index(instance: Instance) -> Index:
    slot_ids = [s.id for s in sorted(instance.slots, key=lambda s: (s.start, s.id))]
    slot_pos = {s: i for i, s in enumerate(slot_ids)}
    people = {p.id: p for p in instance.participants}
    available = {
        p.id: [s for s in slot_ids if s not in p.unavailable] for p in instance.participants
    }
    pairs: dict[frozenset[str], Candidate] = {}
    for c in instance.candidates:
        if c.a == c.b or c.a not in people or c.b not in people:
            continue
        key = pair_of(c.a, c.b)
        if key in instance.forbidden:
            continue
        old = pairs.get(key)
        if old is None:
            pairs[key] = c
        else:
            pairs[key] = Candidate(
                old.a,
                old.b,
                max(old.score, c.score),
                old.requested or c.requested,
                old.mutual or c.mutual,
            )
    by_person: dict[str, list[frozenset[str]]] = defaultdict(list)
    for key in pairs:
        for person in key:
            by_person[person].append(key)
    idx = Index(instance, slot_ids, slot_pos, people, available, pairs, dict(by_person))
    for m in instance.locked:
        idx.locked_pairs[m.pair] = m.slot
    for p in people:
        idx.by_person.setdefault(p, [])
    return idx


@dataclass
class Figures:
    """What a schedule achieves, in the terms of the objective and the benchmark."""

    placed: int
    requested_placed: int
    score_sum: float  # Σ score of placed candidate pairs (mutual counted once)
    shortfall: int
    below_min: int
    idle: int
    moved: int
    keepable: int
    min_meetings: int  # among people with at least one candidate they can meet
    mean_meetings: float  # the same people
    objective: float


def idle_slots(idx: Index, slots: Iterable[str]) -> int:
    pos = sorted(idx.slot_pos[s] for s in slots)
    if not pos:
        return 0
    return pos[-1] - pos[0] + 1 - len(pos)


def keepable_published(idx: Index) -> list[Meeting]:
    """Published meetings whose two people are still registered (the others cannot be kept)."""
    return [
        m
        for m in idx.instance.published
        if m.a in idx.people and m.b in idx.people and m.slot in idx.slot_pos
    ]


def figures(idx: Index, meetings: Sequence[Meeting]) -> Figures:
    count: dict[str, int] = defaultdict(int)
    slots_of: dict[str, list[str]] = defaultdict(list)
    placed_pairs = {}
    for m in meetings:
        for person in (m.a, m.b):
            count[person] += 1
            slots_of[person].append(m.slot)
        placed_pairs[m.pair] = m.slot
    requested = sum(1 for p in placed_pairs if p in idx.pairs and idx.pairs[p].requested)
    score = 0.0  # as weighted in the objective
    raw = 0.0  # as the matcher gave them
    for p in placed_pairs:
        c = idx.pairs.get(p)
        if c is not None:
            score += c.score * (MUTUAL_FACTOR if c.mutual else 1.0)
            raw += c.score
    shortfall = 0
    below = 0
    for pid, entry in idx.people.items():
        short = max(0, entry.min - count[pid])
        shortfall += short
        below += short > 0
    idle = sum(idle_slots(idx, slots_of[p]) for p in idx.people)
    keep = keepable_published(idx)
    moved = sum(1 for m in keep if placed_pairs.get(m.pair) != m.slot)
    # Per person, among those who have someone to meet: a participant whose every candidate
    # is unavailable (or who has none) would pin the minimum at 0 whatever the scheduler does.
    counts = [
        count[p]
        for p in idx.people
        if count[p] or any(idx.common_slots(q) for q in idx.by_person.get(p, []))
    ]
    covered = sum(1 for p in idx.people if count[p] > 0)
    objective = (
        W_REQUESTED * requested + score - W_SHORT * shortfall + W_COVER * covered - W_MOVED * moved
    )
    return Figures(
        placed=len(meetings),
        requested_placed=requested,
        score_sum=raw,
        shortfall=shortfall,
        below_min=below,
        idle=idle,
        moved=moved,
        keepable=len(keep),
        min_meetings=min(counts) if counts else 0,
        mean_meetings=(sum(counts) / len(counts)) if counts else 0.0,
        objective=objective,
    )


def objective(instance: Instance, meetings: Sequence[Meeting]) -> float:
    return figures(index(instance), meetings).objective


def simple_bound(idx: Index) -> float:
    """A cheap proven upper bound: every meeting counted at both ends, capped per person.

    Penalties are never positive, so leaving them out keeps the bound valid.
    """
    per_person = 0.0
    for pid in idx.people:
        values = sorted(
            (idx.value(p) for p in idx.by_person.get(pid, []) if idx.common_slots(p)),
            reverse=True,
        )
        per_person += sum(values[: idx.cap(pid)])
    total = sum(idx.value(p) for p in idx.pairs if idx.common_slots(p))
    capacity = sum(idx.tables(s) for s in idx.slot_ids)
    best = sorted((idx.value(p) for p in idx.pairs), reverse=True)[:capacity]
    reachable = sum(
        1 for pid in idx.people if any(idx.common_slots(p) for p in idx.by_person.get(pid, []))
    )
    return min(per_person / 2.0, total, sum(best)) + W_COVER * reachable


def gap(objective_value: float, bound: float) -> float:
    if bound <= objective_value + 1e-9:
        return 0.0
    return (bound - objective_value) / max(abs(bound), 1e-9)


def validate(instance: Instance, meetings: Sequence[Meeting]) -> list[str]:
    """Every hard-constraint violation of `meetings`, in Chinese; empty if the schedule is valid."""
    idx = index(instance)
    errors: list[str] = []
    busy: dict[tuple[str, str], int] = defaultdict(int)
    per_slot: dict[str, int] = defaultdict(int)
    tables_used: dict[str, set[int]] = defaultdict(set)
    pair_seen: dict[frozenset[str], int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    placed: dict[tuple[frozenset[str], str], bool] = {}
    for m in meetings:
        where = f"{m.a}–{m.b}（{m.slot}）"
        if m.a == m.b:
            errors.append(f"{where}：同一人不能与自己会谈")
            continue
        unknown = [p for p in (m.a, m.b) if p not in idx.people]
        if unknown:
            errors.append(f"{where}：参会人 {'、'.join(unknown)} 不存在")
            continue
        if m.slot not in idx.slot_pos:
            errors.append(f"{where}：时段 {m.slot} 不存在")
            continue
        placed[(m.pair, m.slot)] = True
        if m.pair in instance.forbidden:
            errors.append(f"{where}：这两人被禁止会谈")
        elif m.pair not in idx.pairs and idx.locked_pairs.get(m.pair) != m.slot:
            errors.append(f"{where}：这两人不在候选名单里")
        for person in (m.a, m.b):
            if m.slot in idx.people[person].unavailable:
                errors.append(f"{where}：{person} 在这个时段没空")
            busy[(person, m.slot)] += 1
            if busy[(person, m.slot)] == 2:
                errors.append(f"{person} 在时段 {m.slot} 有不止一场会谈")
            count[person] += 1
        pair_seen[m.pair] += 1
        if pair_seen[m.pair] == 2:
            errors.append(f"{m.a}–{m.b} 会谈了不止一次")
        per_slot[m.slot] += 1
        if m.table:
            if not 1 <= m.table <= idx.tables(m.slot):
                errors.append(f"{where}：桌号 {m.table} 超出 1–{idx.tables(m.slot)}")
            elif m.table in tables_used[m.slot]:
                errors.append(f"{where}：桌号 {m.table} 在这个时段已被占用")
            tables_used[m.slot].add(m.table)
    for slot, n in per_slot.items():
        if n > idx.tables(slot):
            errors.append(f"时段 {slot} 安排了 {n} 场会谈，只有 {idx.tables(slot)} 张桌子")
    for pid, n in count.items():
        if n > idx.people[pid].max:
            errors.append(f"{pid} 安排了 {n} 场会谈，超过上限 {idx.people[pid].max} 场")
    for m in instance.locked:
        if (m.pair, m.slot) not in placed:
            errors.append(f"锁定的会谈 {m.a}–{m.b}（{m.slot}）没有保留")
    return errors


def precheck(instance: Instance, names: Mapping[str, str] | None = None) -> list[Problem]:
    """Explain, before solving, what cannot be satisfied, in the bureau's words."""
    names = names or {}

    def name(pid: str) -> str:
        return names.get(pid, pid)

    idx = index(instance)
    problems: list[Problem] = []
    nslots = len(idx.slot_ids)
    if nslots == 0:
        problems.append(Problem("还没有设置会谈时段"))
        return problems
    # Locked meetings that cannot stay.
    locked_busy: dict[tuple[str, str], int] = defaultdict(int)
    locked_per_slot: dict[str, int] = defaultdict(int)
    for m in instance.locked:
        who = (m.a, m.b)
        if m.a not in idx.people or m.b not in idx.people or m.a == m.b:
            problems.append(Problem(f"锁定的会谈 {name(m.a)}–{name(m.b)} 中有人未报名", who))
            continue
        if m.slot not in idx.slot_pos:
            problems.append(
                Problem(f"锁定的会谈 {name(m.a)}–{name(m.b)} 所在时段 {m.slot} 不存在", who)
            )
            continue
        if m.pair in instance.forbidden:
            problems.append(Problem(f"锁定的会谈 {name(m.a)}–{name(m.b)} 是被禁止的配对", who))
        for person in who:
            if m.slot in idx.people[person].unavailable:
                problems.append(
                    Problem(f"{name(person)}在锁定会谈的时段没空（{m.slot}）", (person,))
                )
            locked_busy[(person, m.slot)] += 1
            if locked_busy[(person, m.slot)] == 2:
                problems.append(
                    Problem(f"{name(person)}在同一时段有两场锁定的会谈（{m.slot}）", (person,))
                )
        locked_per_slot[m.slot] += 1
    for slot, n in locked_per_slot.items():
        if n > idx.tables(slot):
            problems.append(
                Problem(f"时段 {slot} 锁定了 {n} 场会谈，只有 {idx.tables(slot)} 张桌子")
            )
    # Candidates, unavailability and tables that refer to nobody.
    dangling = sorted(
        {pid for c in instance.candidates for pid in (c.a, c.b) if pid not in idx.people}
    )
    if dangling:
        problems.append(
            Problem(
                f"候选配对里有 {len(dangling)} 位未报名的参会人："
                + "、".join(map(name, dangling[:5]))
                + ("等" if len(dangling) > 5 else "")
                + "，这些配对不会安排",
                tuple(dangling),
            )
        )
    for slot in idx.slot_ids:
        if idx.tables(slot) == 0:
            problems.append(Problem(f"时段 {slot} 没有设置桌数，这个时段不会安排会谈"))
    # Tables.
    requested = [p for p, c in idx.pairs.items() if c.requested]
    demand = max(len(requested), math.ceil(sum(p.min for p in instance.participants) / 2))
    capacity = sum(idx.tables(s) for s in idx.slot_ids)
    if demand > capacity:
        counts = {idx.tables(s) for s in idx.slot_ids}
        need = math.ceil(demand / nslots)
        if len(counts) == 1:
            problems.append(Problem(f"需要 {need} 张桌子，只有 {counts.pop()} 张"))
        else:
            problems.append(
                Problem(f"需要 {demand} 个桌次（约每时段 {need} 张桌子），只有 {capacity} 个")
            )
    # People.
    for pid, entry in idx.people.items():
        free = len(idx.available[pid])
        mine = idx.by_person.get(pid, [])
        wanted = sum(1 for p in mine if idx.pairs[p].requested)
        if wanted > free:
            problems.append(
                Problem(f"{name(pid)}只有 {free} 个空闲时段，却有 {wanted} 个必见请求", (pid,))
            )
        elif wanted > entry.max:
            problems.append(
                Problem(f"{name(pid)}最多参加 {entry.max} 场会谈，却有 {wanted} 个必见请求", (pid,))
            )
        if entry.min > entry.max:
            problems.append(
                Problem(f"{name(pid)}的最少会谈数 {entry.min} 大于最多会谈数 {entry.max}", (pid,))
            )
        elif entry.min > free:
            problems.append(
                Problem(f"{name(pid)}至少要 {entry.min} 场会谈，但只有 {free} 个空闲时段", (pid,))
            )
        else:
            reachable = sum(1 for p in mine if idx.common_slots(p))
            if entry.min > reachable:
                problems.append(
                    Problem(
                        f"{name(pid)}至少要 {entry.min} 场会谈，"
                        f"但只有 {reachable} 个时间对得上的候选对象",
                        (pid,),
                    )
                )
    for p in requested:
        if not idx.common_slots(p):
            a, b = ordered(p)
            problems.append(
                Problem(f"{name(a)}和{name(b)}的必见会谈找不到双方都有空的时段", (a, b))
            )
    return problems
