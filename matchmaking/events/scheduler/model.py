"""Plain data in and out of the scheduler: no database, no web, no ORM models."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

SIDES = ("enterprise", "university", "institute", "expert")

STATUSES = ("optimal", "feasible", "infeasible", "cancelled", "timeout_no_solution")


@dataclass(frozen=True)
class Slot:
    id: str
    start: datetime
    minutes: int


@dataclass(frozen=True)
class Participant:
    id: str
    side: str  # enterprise | university | institute | expert
    min: int = 0
    max: int = 1000
    unavailable: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """A pair that may meet; unordered. `requested` = an accepted request or a 必见 mark."""

    a: str
    b: str
    score: float
    requested: bool = False
    mutual: bool = False


@dataclass(frozen=True)
class Meeting:
    """One meeting; the pair is unordered. Table 0 = not numbered yet."""

    a: str
    b: str
    slot: str
    table: int = 0

    @property
    def pair(self) -> frozenset[str]:
        return frozenset((self.a, self.b))


@dataclass(frozen=True)
class Instance:
    slots: tuple[Slot, ...]
    tables: Mapping[str, int]
    participants: tuple[Participant, ...]
    candidates: tuple[Candidate, ...]
    locked: tuple[Meeting, ...] = ()
    forbidden: frozenset[frozenset[str]] = frozenset()
    # For a repair run: the published meetings, to move as few of them as possible.
    published: tuple[Meeting, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Why an instance cannot be scheduled as asked, in the bureau's words (Chinese)."""

    message: str
    participants: tuple[str, ...] = ()


@dataclass
class Progress:
    elapsed_s: float
    objective: float | None
    bound: float | None


@dataclass
class Result:
    status: str  # one of STATUSES
    meetings: list[Meeting]
    objective: float
    bound: float
    gap: float
    problems: list[Problem] = field(default_factory=list)
    first_feasible_s: float = 0.0
    final_s: float = 0.0
