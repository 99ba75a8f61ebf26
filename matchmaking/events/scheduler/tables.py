"""Table numbers, given after solving: tables in a slot are interchangeable, so a greedy pass
that gives each host one table for the whole event (where it can) is enough."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from matchmaking.events.scheduler.core import Index
from matchmaking.events.scheduler.model import Meeting


def _host(idx: Index, m: Meeting, count: dict[str, int]) -> str:
    """The one who sits at the table: the academic side of a company meeting, else the busier."""
    sa, sb = idx.people[m.a].side, idx.people[m.b].side
    if sa == "enterprise" and sb != "enterprise":
        return m.b
    if sb == "enterprise" and sa != "enterprise":
        return m.a
    return max((m.a, m.b), key=lambda p: (count[p], p))


def number_tables(idx: Index, meetings: Sequence[Meeting]) -> list[Meeting]:
    """Number tables from 1 within each slot; keep given tables of locked/published meetings
    at the same slot, and otherwise seat each host at the same table where possible."""
    count: dict[str, int] = defaultdict(int)
    for m in meetings:
        count[m.a] += 1
        count[m.b] += 1
    sticky: dict[tuple[frozenset[str], str], int] = {}
    for m in (*idx.instance.published, *idx.instance.locked):
        if m.table:
            sticky[(m.pair, m.slot)] = m.table
    hosts: dict[str, list[Meeting]] = defaultdict(list)
    host_of: dict[int, str] = {}
    for i, m in enumerate(meetings):
        h = _host(idx, m, count)
        hosts[h].append(m)
        host_of[i] = h
    # Preferred table per host: the lowest table with the fewest clashes with earlier hosts.
    max_tables = max((idx.tables(s) for s in idx.slot_ids), default=0)
    claimed: list[set[str]] = [set() for _ in range(max_tables + 1)]
    preferred: dict[str, int] = {}
    for h in sorted(hosts, key=lambda h: (-len(hosts[h]), h)):
        slots = {m.slot for m in hosts[h]}
        best, best_clash = 0, None
        for t in range(1, max_tables + 1):
            clash = sum(1 for s in slots if s in claimed[t] or t > idx.tables(s))
            if best_clash is None or clash < best_clash:
                best, best_clash = t, clash
                if clash == 0:
                    break
        if best:
            preferred[h] = best
            claimed[best] |= slots
    by_slot: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(meetings):
        by_slot[m.slot].append(i)
    tables: dict[int, int] = {}
    for slot, items in by_slot.items():
        limit = idx.tables(slot)
        used: set[int] = set()
        rest: list[int] = []
        for i in items:  # given tables first
            t = sticky.get((meetings[i].pair, slot), 0)
            if 1 <= t <= limit and t not in used:
                tables[i] = t
                used.add(t)
            else:
                rest.append(i)
        later: list[int] = []
        for i in sorted(rest, key=lambda i: (-count[host_of[i]], host_of[i])):
            t = preferred.get(host_of[i], 0)
            if 1 <= t <= limit and t not in used:
                tables[i] = t
                used.add(t)
            else:
                later.append(i)
        free = (t for t in range(1, limit + 1) if t not in used)
        for i in later:
            tables[i] = next(free, 0)
    out = [Meeting(m.a, m.b, m.slot, tables.get(i, 0)) for i, m in enumerate(meetings)]
    return sorted(out, key=lambda m: (idx.slot_pos.get(m.slot, 0), m.table, m.a, m.b))
