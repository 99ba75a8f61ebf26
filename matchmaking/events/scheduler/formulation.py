"""The variables of the slot model, shared by the CP-SAT model and its LP relaxation.

x[pair, slot] exists only for candidate (or locked) pairs and the slots both people can make.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

from matchmaking.events.scheduler.core import (
    MUTUAL_FACTOR,
    W_COVER,
    W_MOVED,
    W_REQUESTED,
    W_SHORT,
    Index,
    keepable_published,
)

SCALE = 1000  # CP-SAT needs integer coefficients: objective units × 1000


def scaled_value(idx: Index, pair: frozenset[str]) -> int:
    """Rounded up, so the scaled objective of any schedule is ≥ its true objective × SCALE and
    a bound on the scaled objective is a bound on the true one."""
    c = idx.pairs.get(pair)
    if c is None:
        return 0
    value = (W_REQUESTED if c.requested else 0.0) + c.score * (MUTUAL_FACTOR if c.mutual else 1.0)
    return math.ceil(value * SCALE - 1e-9)


SHORT = round(W_SHORT * SCALE)
COVER = round(W_COVER * SCALE)
MOVED = round(W_MOVED * SCALE)


@dataclass
class Formulation:
    idx: Index
    keys: list[tuple[frozenset[str], str]]  # variable k = (pair, slot)
    value: list[int]  # scaled objective gain of variable k (placing + keeping published)
    fixed: list[int]  # variables forced to 1 (locks)
    by_pair: dict[frozenset[str], list[int]] = field(default_factory=dict)
    by_person_slot: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    by_slot: dict[str, list[int]] = field(default_factory=dict)
    by_person: dict[str, list[int]] = field(default_factory=dict)
    keep_bonus: int = 0  # = MOVED × keepable published; moved = keepable − kept
    infeasible_locks: bool = False
    cover: int = COVER  # scaled weight of a participant's first meeting


def formulate(idx: Index) -> Formulation:
    keys: list[tuple[frozenset[str], str]] = []
    value: list[int] = []
    pos: dict[tuple[frozenset[str], str], int] = {}
    for pair in sorted(idx.pairs, key=sorted):
        for slot in idx.common_slots(pair):
            if idx.tables(slot) <= 0:
                continue
            pos[(pair, slot)] = len(keys)
            keys.append((pair, slot))
            value.append(scaled_value(idx, pair))
    fixed: list[int] = []
    bad = False
    for m in idx.instance.locked:
        key = (m.pair, m.slot)
        if m.a not in idx.people or m.b not in idx.people or m.slot not in idx.slot_pos:
            bad = True
            continue
        if key not in pos:
            pos[key] = len(keys)
            keys.append(key)
            value.append(scaled_value(idx, m.pair))
        fixed.append(pos[key])
    keep = keepable_published(idx)
    for m in keep:
        k = pos.get((m.pair, m.slot))
        if k is not None:
            value[k] += MOVED
    f = Formulation(idx, keys, value, fixed, keep_bonus=MOVED * len(keep), infeasible_locks=bad)
    by_pair: dict[frozenset[str], list[int]] = defaultdict(list)
    by_ps: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_slot: dict[str, list[int]] = defaultdict(list)
    by_person: dict[str, list[int]] = defaultdict(list)
    for k, (pair, slot) in enumerate(keys):
        by_pair[pair].append(k)
        by_slot[slot].append(k)
        for p in pair:
            by_ps[(p, slot)].append(k)
            by_person[p].append(k)
    f.by_pair, f.by_person_slot, f.by_slot, f.by_person = (
        dict(by_pair),
        dict(by_ps),
        dict(by_slot),
        dict(by_person),
    )
    return f
