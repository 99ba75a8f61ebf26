"""One-to-one meeting scheduler for matchmaking events: a pure module (dataclasses in and out).

problems = precheck(instance, names)        # what cannot be met, in the bureau's words
result = solve(instance, time_limit_s=30, on_progress=callback)
errors = validate(instance, result.meetings)  # [] for every schedule solve returns
"""

from __future__ import annotations

from matchmaking.events.scheduler.core import figures, index, objective, precheck, validate
from matchmaking.events.scheduler.greedy import greedy
from matchmaking.events.scheduler.jsonio import InstanceError, from_json, solution_to_json, to_json
from matchmaking.events.scheduler.model import (
    Candidate,
    Instance,
    Meeting,
    Participant,
    Problem,
    Progress,
    Result,
    Slot,
)
from matchmaking.events.scheduler.solver import solve

__all__ = [
    "Candidate",
    "Instance",
    "InstanceError",
    "Meeting",
    "Participant",
    "Problem",
    "Progress",
    "Result",
    "Slot",
    "figures",
    "from_json",
    "greedy",
    "index",
    "objective",
    "precheck",
    "solution_to_json",
    "solve",
    "to_json",
    "validate",
]
