"""The MeetMax-style baseline: round-robin passes, one new meeting per person per pass,
best candidate first (requested, then mutual, then score), earliest slot that suits both."""

from __future__ import annotations

import time
from collections import defaultdict

from matchmaking.events.scheduler.core import (
    Index,
    figures,
    gap,
    index,
    ordered,
    simple_bound,
    validate,
)
from matchmaking.events.scheduler.model import Instance, Meeting, Result
from matchmaking.events.scheduler.tables import number_tables


class Board:
    """Who is busy when, how many tables are taken, who has how many meetings."""

    def __init__(self, idx: Index) -> None:
        self.idx = idx
        self.busy: dict[str, set[str]] = defaultdict(set)
        self.used: dict[str, int] = defaultdict(int)
        self.count: dict[str, int] = defaultdict(int)
        self.placed: dict[frozenset[str], str] = {}

    def fits(self, pair: frozenset[str], slot: str) -> bool:
        a, b = ordered(pair)
        idx = self.idx
        return (
            pair not in self.placed
            and self.used[slot] < idx.tables(slot)
            and slot not in self.busy[a]
            and slot not in self.busy[b]
            and slot not in idx.people[a].unavailable
            and slot not in idx.people[b].unavailable
            and self.count[a] < idx.people[a].max
            and self.count[b] < idx.people[b].max
        )

    def place(self, pair: frozenset[str], slot: str) -> None:
        for p in pair:
            self.busy[p].add(slot)
            self.count[p] += 1
        self.used[slot] += 1
        self.placed[pair] = slot

    def meetings(self) -> list[Meeting]:
        return [Meeting(*ordered(p), s) for p, s in self.placed.items()]


def seed(idx: Index, board: Board) -> None:
    """Locked meetings as given; then published meetings where they still fit (repair)."""
    for m in idx.instance.locked:
        if m.a in idx.people and m.b in idx.people and m.slot in idx.slot_pos:
            if m.pair not in board.placed:
                board.place(m.pair, m.slot)
    for m in idx.instance.published:
        if m.pair in idx.pairs and m.slot in idx.slot_pos and board.fits(m.pair, m.slot):
            board.place(m.pair, m.slot)


def round_robin(idx: Index, board: Board) -> None:
    def rank(p: frozenset[str]) -> tuple[bool, bool, float, tuple[str, str]]:
        c = idx.pairs[p]
        return (not c.requested, not c.mutual, -c.score, ordered(p))

    queues = {pid: sorted(idx.by_person.get(pid, []), key=rank) for pid in idx.people}
    order = [p.id for p in idx.instance.participants]
    progress = True
    while progress:
        progress = False
        for pid in order:
            queue = queues[pid]
            while queue:
                pair = queue.pop(0)
                if pair in board.placed:
                    continue
                slot = next((s for s in idx.common_slots(pair) if board.fits(pair, s)), None)
                if slot is not None:
                    board.place(pair, slot)
                    progress = True
                    break


def greedy(instance: Instance) -> Result:
    """The round-robin baseline (as MeetMax does), with locked meetings kept."""
    started = time.perf_counter()
    idx = index(instance)
    board = Board(idx)
    seed(idx, board)
    round_robin(idx, board)
    meetings = number_tables(idx, board.meetings())
    fig = figures(idx, meetings)
    bound = simple_bound(idx)
    elapsed = time.perf_counter() - started
    return Result(
        status="infeasible" if validate(instance, meetings) else "feasible",
        meetings=meetings,
        objective=fig.objective,
        bound=bound,
        gap=gap(fig.objective, bound),
        problems=[],
        first_feasible_s=elapsed,
        final_s=elapsed,
    )


def rounded(idx: Index, keys: list[tuple[frozenset[str], str]], x: list[float]) -> list[Meeting]:
    """A schedule from an LP solution: locks and published meetings first, then the variables
    by decreasing LP value where they still fit, then the round robin for what is left."""
    board = Board(idx)
    seed(idx, board)
    order = sorted(
        (k for k in range(len(keys)) if x[k] > 1e-6), key=lambda k: (-x[k], -idx.value(keys[k][0]))
    )
    for k in order:
        pair, slot = keys[k]
        if board.fits(pair, slot):
            board.place(pair, slot)
    round_robin(idx, board)
    return board.meetings()
