"""The district's clock: local dates, month boundaries, the pinned clock of the tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from matchmaking import clock
from matchmaking.config import Settings, get_settings
from matchmaking.models.base import utcnow

CST = ZoneInfo("Asia/Shanghai")
# 01:00 in China on 1 December is still 30 November in UTC.
ONE_AM = datetime(2026, 12, 1, 1, 0, tzinfo=CST)


def test_at_one_in_the_morning_china_time_today_is_already_the_new_day() -> None:
    with clock.frozen(ONE_AM):
        assert clock.now() == datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
        assert utcnow() == clock.now()  # stored timestamps come from the same clock
        assert clock.local_today() == date(2026, 12, 1)
        assert clock.local_now().strftime("%Y-%m-%d %H:%M") == "2026-12-01 01:00"
    assert clock.now() != datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # released


def test_month_bounds_are_the_local_month_in_utc() -> None:
    start, end = clock.month_bounds(2026, 12)
    assert start == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 31, 16, 0, tzinfo=UTC)
    # A timestamp stored at 2026-11-30 17:00 UTC was made in December, in China.
    assert start <= datetime(2026, 11, 30, 17, 0, tzinfo=UTC) < end
    assert clock.month_bounds(2026, 1)[0] == datetime(2025, 12, 31, 16, 0, tzinfo=UTC)


def test_day_bounds_and_stored_timestamps_in_local_time() -> None:
    start, end = clock.day_bounds(date(2026, 12, 1))
    assert (start, end) == (
        datetime(2026, 11, 30, 16, 0, tzinfo=UTC),
        datetime(2026, 12, 1, 16, 0, tzinfo=UTC),
    )
    # SQLite gives UTC back without a zone.
    naive_from_sqlite = datetime(2026, 11, 30, 17, 0)  # noqa: DTZ001
    assert clock.to_local(naive_from_sqlite) == ONE_AM
    assert clock.local_date(naive_from_sqlite) == date(2026, 12, 1)


def test_the_time_zone_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHMAKING_TIMEZONE", "UTC")
    get_settings.cache_clear()
    try:
        with clock.frozen(ONE_AM):
            assert clock.local_today() == date(2026, 11, 30)
    finally:
        monkeypatch.delenv("MATCHMAKING_TIMEZONE")
        get_settings.cache_clear()
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(timezone="Asia/Haimen")


def test_the_pinned_clock_needs_a_time_zone() -> None:
    naive = datetime(2026, 12, 1, 1, 0)  # noqa: DTZ001
    with pytest.raises(ValueError, match="timezone-aware"), clock.frozen(naive):
        pass
