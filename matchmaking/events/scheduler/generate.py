"""Seeded synthetic instances of issue 12's sizes, for the benchmark and the tests.

Two-sided (companies meet universities, institutes and experts), skewed popularity (a few
professors are wanted by many), 15 % of slots unavailable, some locks and forbidden pairs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from matchmaking.events.scheduler.model import Candidate, Instance, Meeting, Participant, Slot

CHINA = timezone(timedelta(hours=8))


@dataclass(frozen=True)
class Size:
    people: int
    slots: int
    tables: int
    candidates: int


SIZES = {
    "S": Size(40, 6, 10, 60),
    "M": Size(200, 12, 40, 600),
    "L": Size(1000, 20, 200, 5000),
}


def generate(
    size: Size,
    seed: int = 0,
    *,
    unavailable: float = 0.15,
    requested: float = 0.25,
    mutual: float = 0.2,
    locks: float = 0.01,
    forbidden: float = 0.02,
) -> Instance:
    rng = random.Random(seed)
    start = datetime(2026, 5, 20, 9, 0, tzinfo=CHINA)
    slots = []
    for i in range(size.slots):
        # A 20-minute grid with a lunch break after the first half.
        minutes = 20 * i + (90 if i >= size.slots // 2 else 0)
        slots.append(Slot(f"s{i + 1}", start + timedelta(minutes=minutes), 20))
    slot_ids = [s.id for s in slots]
    n_ent = size.people // 2
    sides = ["enterprise"] * n_ent + [
        rng.choice(("university", "university", "institute", "expert"))
        for _ in range(size.people - n_ent)
    ]
    ids = [f"p{i + 1}" for i in range(size.people)]
    unav = {pid: frozenset(s for s in slot_ids if rng.random() < unavailable) for pid in ids}
    companies = ids[:n_ent]
    academics = ids[n_ent:]
    # Skewed popularity: Zipf-like weights on both sides (academics more skewed).
    w_acad = [1.0 / (i + 1) ** 0.8 for i in range(len(academics))]
    w_comp = [1.0 / (i + 1) ** 0.3 for i in range(len(companies))]
    pairs: dict[frozenset[str], Candidate] = {}
    guard = 0
    while len(pairs) < size.candidates and guard < size.candidates * 50:
        guard += 1
        a = rng.choices(companies, w_comp)[0]
        b = rng.choices(academics, w_acad)[0]
        key = frozenset((a, b))
        if key in pairs:
            continue
        score = round(rng.betavariate(2, 3), 3)
        req = rng.random() < requested
        mut = rng.random() < mutual
        if rng.random() < 0.5:
            a, b = b, a  # pairs come in either order
        pairs[key] = Candidate(a, b, score, req, mut)
    degree: dict[str, int] = dict.fromkeys(ids, 0)
    for key in pairs:
        for p in key:
            degree[p] += 1
    people = []
    for pid, side in zip(ids, sides, strict=True):
        free = size.slots - len(unav[pid])
        hi = rng.randint(max(2, size.slots // 2), size.slots)
        lo = min(rng.choice((0, 1, 1, 2)), degree[pid], free, hi)
        people.append(Participant(pid, side, lo, hi, unav[pid]))
    cands = list(pairs.values())
    forbid = {frozenset((c.a, c.b)) for c in cands if rng.random() < forbidden}
    # Locks: a few pairs fixed at a slot both can make, never clashing.
    busy: set[tuple[str, str]] = set()
    per_slot: dict[str, int] = dict.fromkeys(slot_ids, 0)
    locked = []
    for c in cands:
        key = frozenset((c.a, c.b))
        if key in forbid or rng.random() >= locks:
            continue
        options = [
            s
            for s in slot_ids
            if s not in unav[c.a]
            and s not in unav[c.b]
            and (c.a, s) not in busy
            and (c.b, s) not in busy
            and per_slot[s] < size.tables
        ]
        if options:
            s = rng.choice(options)
            busy.update({(c.a, s), (c.b, s)})
            per_slot[s] += 1
            locked.append(Meeting(c.a, c.b, s))
    return Instance(
        slots=tuple(slots),
        tables=dict.fromkeys(slot_ids, size.tables),
        participants=tuple(people),
        candidates=tuple(cands),
        locked=tuple(locked),
        forbidden=frozenset(forbid),
    )


def cancel(instance: Instance, published: list[Meeting], share: float, seed: int = 0) -> Instance:
    """The repair scenario: `share` of the people cancel after `published` went out."""
    rng = random.Random(seed)
    gone = {p.id for p in instance.participants if rng.random() < share}
    return Instance(
        slots=instance.slots,
        tables=instance.tables,
        participants=tuple(p for p in instance.participants if p.id not in gone),
        candidates=tuple(c for c in instance.candidates if c.a not in gone and c.b not in gone),
        locked=tuple(m for m in instance.locked if m.a not in gone and m.b not in gone),
        forbidden=instance.forbidden,
        published=tuple(published),
    )
