"""Idle-slot local search: move one meeting to another slot, or swap two meetings of one
person, whenever that shortens the waits of the people involved. Same pairs, so the first
tier of the objective does not change; pinned meetings (locks, kept published) never move."""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence

from matchmaking.events.scheduler.core import Index, ordered
from matchmaking.events.scheduler.model import Meeting


class _State:
    def __init__(self, idx: Index, meetings: Sequence[Meeting]) -> None:
        self.idx = idx
        self.slot: dict[frozenset[str], int] = {}
        self.at: dict[str, dict[int, frozenset[str]]] = defaultdict(dict)
        self.used: dict[int, int] = defaultdict(int)
        for m in meetings:
            pos = idx.slot_pos[m.slot]
            self.slot[m.pair] = pos
            for p in m.pair:
                self.at[p][pos] = m.pair
            self.used[pos] += 1
        self.options: dict[frozenset[str], list[int]] = {
            pair: [idx.slot_pos[s] for s in idx.common_slots(pair) if idx.tables(s) > 0]
            for pair in self.slot
        }
        self.limit = [idx.tables(s) for s in idx.slot_ids]

    def idle(self, person: str, drop: int = -1, add: int = -1) -> int:
        slots = [s for s in self.at[person] if s != drop]
        if add >= 0:
            slots.append(add)
        if not slots:
            return 0
        return max(slots) - min(slots) + 1 - len(slots)

    def move(self, pair: frozenset[str], to: int) -> None:
        old = self.slot[pair]
        for p in pair:
            del self.at[p][old]
            self.at[p][to] = pair
        self.used[old] -= 1
        self.used[to] += 1
        self.slot[pair] = to


def compact(
    idx: Index,
    meetings: Sequence[Meeting],
    pinned: Mapping[frozenset[str], str],
    deadline: float,
    seed: int = 0,
) -> list[Meeting]:
    """Return the same meetings, re-slotted to have fewer idle slots (never more)."""
    st = _State(idx, meetings)
    rng = random.Random(seed)
    movable = [p for p in st.slot if p not in pinned]
    improved = True
    while improved and time.perf_counter() < deadline:
        improved = False
        rng.shuffle(movable)
        for pair in movable:
            a, b = ordered(pair)
            old = st.slot[pair]
            before = st.idle(a) + st.idle(b)
            best, best_delta = -1, 0
            for to in st.options[pair]:
                if to == old or st.used[to] >= st.limit[to]:
                    continue
                if to in st.at[a] or to in st.at[b]:
                    continue
                delta = st.idle(a, old, to) + st.idle(b, old, to) - before
                if delta < best_delta:
                    best, best_delta = to, delta
            if best >= 0:
                st.move(pair, best)
                improved = True
                continue
            # Swap with another meeting of a (or b) whose partner is free at the other slot.
            for person, other in ((a, b), (b, a)):
                done = False
                for pos2, pair2 in list(st.at[person].items()):
                    if pair2 == pair or pair2 in pinned:
                        continue
                    (partner2,) = pair2 - {person}
                    if pos2 not in st.options[pair] or old not in st.options[pair2]:
                        continue
                    if pos2 in st.at[other] or old in st.at[partner2]:
                        continue
                    # person keeps the same set of slots; only `other` and `partner2` change.
                    before2 = st.idle(other) + st.idle(partner2)
                    after2 = st.idle(other, old, pos2) + st.idle(partner2, pos2, old)
                    if after2 < before2:
                        # Swap through a free slot of neither kind: do it in two steps.
                        for p in pair:
                            del st.at[p][old]
                        for p in pair2:
                            del st.at[p][pos2]
                        st.slot[pair], st.slot[pair2] = pos2, old
                        for p in pair:
                            st.at[p][pos2] = pair
                        for p in pair2:
                            st.at[p][old] = pair2
                        improved = done = True
                        break
                if done:
                    break
    return [Meeting(*ordered(p), idx.slot_ids[s]) for p, s in st.slot.items()]
