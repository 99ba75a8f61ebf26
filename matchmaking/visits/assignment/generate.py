"""Seeded synthetic campaigns for the benchmark and the tests.

Shaped like a district campaign: towns, 1–3 experts per visit (mostly 1), a
third of the experts senior, about one visit in five asking for a senior,
skewed expert popularity, ~25 candidate experts per visit (the matcher's top
list above the threshold), a few declared conflicts, windows of a few days per
company and each expert free on about 60 % of the half-days.
"""

from __future__ import annotations

import random

from matchmaking.visits.assignment.model import Affinity, Expert, Instance, Visit

TOWNS = ("海门街道", "三厂街道", "正余镇", "包场镇", "临江镇", "悦来镇", "常乐镇", "四甲镇")
SIZES = {"S": (30, 10, 10), "M": (300, 100, 20), "L": (1000, 300, 20)}


def half_days(n: int) -> tuple[str, ...]:
    return tuple(f"d{d + 1}{p}" for d in range((n + 1) // 2) for p in ("am", "pm"))[:n]


def generate(
    visits: int, experts: int, n_half_days: int, *, seed: int = 0, candidates: int = 25
) -> Instance:
    """A random instance; the same arguments give the same instance."""
    rng = random.Random(seed)
    hds = half_days(n_half_days)
    vs = []
    for i in range(visits):
        need = rng.choices((1, 2, 3), weights=(70, 25, 5))[0]
        if hds:
            start = rng.randrange(len(hds))
            width = rng.randint(max(2, len(hds) // 4), max(3, len(hds) // 2))
            windows = frozenset(hds[(start + j) % len(hds)] for j in range(width))
        else:
            windows = frozenset()
        vs.append(Visit(f"v{i + 1}", rng.choice(TOWNS), need, windows, rng.random() < 0.2))
    demand = sum(v.experts_needed for v in vs)
    avg = demand / max(1, experts)
    es = []
    for i in range(experts):
        top = max(1, round(avg * rng.uniform(1.0, 2.0)))
        free = frozenset(h for h in hds if rng.random() < 0.6)
        es.append(
            Expert(
                f"e{i + 1}",
                min=1 if rng.random() < 0.3 else 0,
                max=top,
                senior=rng.random() < 0.35,
                town=rng.choice(TOWNS),
                available=free,
            )
        )
    popularity = [rng.paretovariate(1.5) for _ in es]
    affinity = []
    conflicts = set()
    k = min(candidates, len(es))
    for v in vs:
        chosen: set[int] = set()
        while len(chosen) < k:
            chosen.add(rng.choices(range(len(es)), weights=popularity)[0])
        for j in sorted(chosen):
            score = round(min(1.0, 0.3 + 0.7 * rng.betavariate(2, 3)), 4)
            affinity.append(Affinity(v.id, es[j].id, score))
            if rng.random() < 0.02:
                conflicts.add((v.id, es[j].id))
    return Instance(
        half_days=hds,
        visits=tuple(vs),
        experts=tuple(es),
        affinity=tuple(affinity),
        conflicts=frozenset(conflicts),
    )


def sized(size: str, *, seed: int = 0, candidates: int = 25) -> Instance:
    """The benchmark sizes: S 30×10×10, M 300×100×20, L 1000×300×20."""
    visits, experts, n = SIZES[size]
    return generate(visits, experts, n, seed=seed, candidates=candidates)
