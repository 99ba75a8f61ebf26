"""The scheduler's entry point: pre-checks, a greedy start, then the optimiser."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from matchmaking.events.scheduler.core import precheck
from matchmaking.events.scheduler.greedy import greedy
from matchmaking.events.scheduler.model import Instance, Progress, Result


def solve(
    instance: Instance,
    *,
    time_limit_s: float = 30.0,
    on_progress: Callable[[Progress], bool] | None = None,
    names: Mapping[str, str] | None = None,
) -> Result:
    """Schedule `instance` within `time_limit_s`; `on_progress` returning False cancels and
    keeps the best schedule so far."""
    started = time.perf_counter()
    problems = precheck(instance, names or {})
    result = greedy(instance)
    result.problems = problems
    elapsed = time.perf_counter() - started
    result.first_feasible_s = result.final_s = elapsed
    if on_progress is not None and not on_progress(
        Progress(elapsed, result.objective, result.bound)
    ):
        result.status = "cancelled"
    return result
