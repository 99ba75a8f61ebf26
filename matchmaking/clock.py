"""The district's clock: "today", month boundaries and local times, in one place.

Timestamps are stored in UTC. Whatever a user reads as a date — a deadline that
has or has not passed, the date on an export, "this month" in a report — is the
district's local date (``MATCHMAKING_TIMEZONE``, default ``Asia/Shanghai``).
Between 00:00 and 08:00 China time the UTC date is still yesterday's, so nothing
outside this module asks for a UTC date.

Tests pin the time with ``with clock.frozen(moment): ...``; every function here
(and ``models.base.utcnow``) then answers from that moment, in every thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from matchmaking.config import get_settings

_frozen: datetime | None = None


def zone() -> ZoneInfo:
    """The district's time zone (``MATCHMAKING_TIMEZONE``)."""
    return ZoneInfo(get_settings().timezone)


def now() -> datetime:
    """The current instant, timezone-aware in UTC (the pinned one inside ``frozen``)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def local_now() -> datetime:
    """The current local time in the district, timezone-aware."""
    return now().astimezone(zone())


def local_today() -> date:
    """The district's date today: what "deadline passed" and export dates mean."""
    return local_now().date()


def to_local(value: datetime) -> datetime:
    """A stored timestamp in the district's time; a naive one is taken as UTC (SQLite)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(zone())


def local_date(value: datetime) -> date:
    """The district's date of a stored timestamp."""
    return to_local(value).date()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """UTC instants of the local day's start and the next day's start (``>=`` / ``<``)."""
    tz = zone()
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """UTC instants of the local month's start and the next month's start (``>=`` / ``<``).

    For queries on UTC-stored timestamps: in China, December 2026 starts at
    2026-11-30 16:00 UTC.
    """
    tz = zone()
    start = datetime(year, month, 1, tzinfo=tz)
    following = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start.astimezone(UTC), following.astimezone(UTC)


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """Pin the clock at ``moment`` (timezone-aware) until the block ends; for tests."""
    global _frozen
    if moment.tzinfo is None:
        raise ValueError("frozen() needs a timezone-aware datetime")
    previous = _frozen
    _frozen = moment.astimezone(UTC)
    try:
        yield _frozen
    finally:
        _frozen = previous
