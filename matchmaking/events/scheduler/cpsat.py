"""The two CP-SAT models of the scheduler.

1. `pair_model`: which pairs meet and when, x[pair, slot] booleans, maximising the first tier
   (requested, scores, minimums, kept published meetings). No idle terms: they make the model
   several times harder and its bound useless.
2. `idle_model`: the chosen pairs only, each placed exactly once (locked and kept published
   meetings stay put), minimising idle slots through each person's first and last slot.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from matchmaking.events.scheduler.core import Index, ordered
from matchmaking.events.scheduler.formulation import SHORT, Formulation
from matchmaking.events.scheduler.model import Meeting


@dataclass
class Model:
    keys: list[tuple[frozenset[str], str]]
    model: cp_model.CpModel
    x: list[cp_model.IntVar]

    def meetings(self, values: Sequence[bool]) -> list[Meeting]:
        return [Meeting(*ordered(p), s) for (p, s), on in zip(self.keys, values, strict=True) if on]


def _hint(m: Model, hint: Sequence[Meeting]) -> None:
    placed = {(h.pair, h.slot) for h in hint}
    for k, key in enumerate(m.keys):
        m.model.add_hint(m.x[k], key in placed)


def pair_model(f: Formulation, hint: Sequence[Meeting] = ()) -> Model:
    idx = f.idx
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in f.keys]
    for k in f.fixed:
        model.add(x[k] == 1)
    for ks in f.by_pair.values():
        if len(ks) > 1:
            model.add_at_most_one(x[k] for k in ks)
    for ks in f.by_person_slot.values():
        if len(ks) > 1:
            model.add_at_most_one(x[k] for k in ks)
    for slot, ks in f.by_slot.items():
        if len(ks) > idx.tables(slot):
            model.add(sum(x[k] for k in ks) <= idx.tables(slot))
    terms: list[cp_model.LinearExprT] = [
        f.value[k] * x[k] for k in range(len(f.keys)) if f.value[k]
    ]
    for pid, person in idx.people.items():
        ks = f.by_person.get(pid, [])
        count = sum(x[k] for k in ks)
        if ks and person.max < len(ks):
            model.add(count <= person.max)
        if person.min > 0:
            short = model.new_int_var(0, person.min, "")
            model.add(count + short >= person.min)
            terms.append(-SHORT * short)
    model.maximize(sum(terms))
    m = Model(list(f.keys), model, x)
    _hint(m, hint)
    return m


def idle_model(
    idx: Index, meetings: Sequence[Meeting], pinned: Mapping[frozenset[str], str]
) -> Model:
    """Re-slot `meetings` (same pairs) to minimise idle slots; `pinned` pairs keep their slot."""
    keys: list[tuple[frozenset[str], str]] = []
    for m in meetings:
        if m.pair in pinned:
            keys.append((m.pair, pinned[m.pair]))
        else:
            keys.extend((m.pair, s) for s in idx.common_slots(m.pair) if idx.tables(s) > 0)
    model = cp_model.CpModel()
    x = [model.new_bool_var("") for _ in keys]
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
    for ks in by_pair.values():
        model.add_exactly_one(x[k] for k in ks)
    for ks in by_ps.values():
        if len(ks) > 1:
            model.add_at_most_one(x[k] for k in ks)
    for slot, ks in by_slot.items():
        if len(ks) > idx.tables(slot):
            model.add(sum(x[k] for k in ks) <= idx.tables(slot))
    n = len(idx.slot_ids)
    hinted: dict[str, list[int]] = defaultdict(list)
    for m in meetings:
        for p in (m.a, m.b):
            hinted[p].append(idx.slot_pos[m.slot])
    gaps = []
    for pid, ks in by_person.items():
        count = len({keys[k][0] for k in ks})
        if count < 2:
            continue
        # A meeting at pos ⇒ first ≤ pos ≤ last; idle = last − first + 1 − count.
        first = model.new_int_var(0, n - 1, "")
        last = model.new_int_var(0, n - 1, "")
        for k in ks:
            pos = idx.slot_pos[keys[k][1]]
            model.add(first <= pos).only_enforce_if(x[k])
            model.add(last >= pos).only_enforce_if(x[k])
        gap = model.new_int_var(0, n, "")
        model.add(gap >= last - first + 1 - count)
        gaps.append(gap)
        mine = sorted(hinted[pid])
        model.add_hint(first, mine[0])
        model.add_hint(last, mine[-1])
        model.add_hint(gap, mine[-1] - mine[0] + 1 - len(mine))
    model.minimize(sum(gaps))
    out = Model(keys, model, x)
    _hint(out, meetings)
    return out
