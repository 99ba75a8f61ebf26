"""Lookups shared by the pre-check, the solvers and the validator."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from matchmaking.visits.assignment.model import Expert, Instance, Visit


@dataclass
class Index:
    visits: dict[str, Visit]
    experts: dict[str, Expert]
    score: dict[tuple[str, str], float]  # every listed pair
    eligible: dict[str, list[tuple[str, float]]]  # visit -> (expert, score), best first
    by_expert: dict[str, list[str]]  # expert -> visits it is eligible for

    @classmethod
    def of(cls, instance: Instance) -> Index:
        score = {(a.visit, a.expert): a.score for a in instance.affinity}
        eligible: dict[str, list[tuple[str, float]]] = {v.id: [] for v in instance.visits}
        by_expert: dict[str, list[str]] = defaultdict(list)
        for (visit, expert), s in score.items():
            if (visit, expert) not in instance.conflicts:
                eligible[visit].append((expert, s))
                by_expert[expert].append(visit)
        for rows in eligible.values():
            rows.sort(key=lambda r: (-r[1], r[0]))
        return cls(
            visits={v.id: v for v in instance.visits},
            experts={e.id: e for e in instance.experts},
            score=score,
            eligible=eligible,
            by_expert=dict(by_expert),
        )
