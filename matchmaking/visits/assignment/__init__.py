"""Expert-visit assignment (技术专家巡诊): who visits whom, then when. A pure module.

Dataclasses in, dataclasses out; no database and no web. ``solve`` runs stage 1
(a min-cost flow, fairness first) and stage 2 (CP-SAT timetable); ``precheck``
explains infeasibility in the bureau's words; ``validate`` lists hard-constraint
violations; ``from_json``/``solution_to_json`` read and write the "visits/1" format.
"""

from matchmaking.visits.assignment.model import (
    FORMAT,
    Affinity,
    Assignment,
    Expert,
    Instance,
    Metrics,
    Problem,
    Result,
    Status,
    Unstaffed,
    Visit,
    check,
    day_of,
    from_json,
    solution_from_json,
    solution_to_json,
    to_json,
)
from matchmaking.visits.assignment.precheck import precheck
from matchmaking.visits.assignment.solve import OnProgress, greedy, metrics, solve
from matchmaking.visits.assignment.validate import validate

__all__ = [
    "FORMAT",
    "Affinity",
    "Assignment",
    "Expert",
    "Instance",
    "Metrics",
    "OnProgress",
    "Problem",
    "Result",
    "Status",
    "Unstaffed",
    "Visit",
    "check",
    "day_of",
    "from_json",
    "greedy",
    "metrics",
    "precheck",
    "solution_from_json",
    "solution_to_json",
    "solve",
    "to_json",
    "validate",
]
