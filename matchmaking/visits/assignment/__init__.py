"""Expert-visit assignment (技术专家巡诊): who visits whom, then when. A pure module.

Dataclasses in, dataclasses out; no database and no web. ``solve`` runs stage 1
(a min-cost flow, fairness first) and stage 2 (CP-SAT timetable); ``precheck``
explains infeasibility in the bureau's words; ``validate`` lists hard-constraint
violations; ``from_json``/``solution_to_json`` read and write the "visits/1" format.

How a task uses it (the web/database layer builds on exactly this):

- Build an ``Instance`` from the campaign's rows: ids as strings; ``affinity`` only
  for pairs above the matching threshold (only listed pairs are ever assigned);
  ``conflicts`` for the expert's own organization and those staff declare;
  ``half_days`` in calendar order, ids ending in "am"/"pm" (``day_of``), or empty
  for no timetable. ``names`` maps ids to company and expert names for messages.
- ``precheck`` before the run to show what cannot be served; ``solve(...,
  on_progress=...)`` in the task, where ``on_progress(message, fraction)`` updates
  the job row and returns False when staff cancelled (the result then has status
  ``cancelled``); ``time_limit_s`` bounds the timetable.
- Re-runs after publishing: pass the published assignments that still stand as
  ``fixed`` (drop the declined or cancelled ones); they are kept with their
  half-days, and the rest is solved around them.
- Store ``Result.assignments`` (a draft), ``alternates`` (best three per visit),
  ``unstaffed`` and ``problems`` (Chinese, for the draft page) and ``metrics``.
- Malformed input raises ``matchmaking.exceptions.InvalidInput`` saying what to fix.
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
