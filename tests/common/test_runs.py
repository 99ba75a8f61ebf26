"""``common.runs``: the versioned-run machinery events and visits share, on one run table.

Each behaviour is also covered through its concept (tests/events, tests/visits); here it
is checked on its own, with the visits' table (its failure text is in ``message``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import RunStatus
from matchmaking.exceptions import Conflict
from matchmaking.models import AssignmentRun, Campaign
from matchmaking.models.base import utcnow
from matchmaking.visits.service import RUNS


def _campaign(session: Session) -> int:
    c = Campaign(title="共用排班机制", half_days=["2030-03-04am"])
    session.add(c)
    session.flush()
    return c.id


def _run(session: Session, campaign_id: int, **values: object) -> AssignmentRun:
    run = AssignmentRun(campaign_id=campaign_id, version=1, **values)
    session.add(run)
    session.flush()
    return run


def test_a_queued_run_is_claimed_once(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        run = _run(session, _campaign(session), status=RunStatus.QUEUED)
        assert RUNS.claim(session, run.id, progress=0.0, message="正在计算匹配度")
        # A redelivered message finds it running and leaves it alone.
        assert not RUNS.claim(session, run.id)
        assert not RUNS.claim(session, 999_999)
        session.commit()
        session.refresh(run)
        assert run.status is RunStatus.RUNNING
        assert run.message == "正在计算匹配度"
        assert run.heartbeat_at is not None


def test_a_report_commits_progress_and_says_whether_to_stop(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        run_id = _run(session, _campaign(session), status=RunStatus.RUNNING).id
        session.commit()
    assert RUNS.report(factory, run_id, progress=0.5, message="开始排班") is False
    with factory() as session:
        run = session.get(AssignmentRun, run_id)
        assert run is not None
        assert (run.progress, run.message) == (0.5, "开始排班")
        assert run.heartbeat_at is not None
        run.cancel_requested = True
        session.commit()
    assert RUNS.report(factory, run_id, progress=0.6) is True
    # A run that is gone stops its solver too.
    assert RUNS.report(factory, 999_999, progress=0.1) is True


def test_a_silent_run_is_failed_and_frees_its_owner(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        campaign_id = _campaign(session)
        silent = _run(
            session,
            campaign_id,
            status=RunStatus.RUNNING,
            heartbeat_at=utcnow() - timedelta(minutes=20),
        )
        other = _campaign(session)
        # Queued just now and not picked up yet: not silent for long enough.
        waiting = _run(session, other, status=RunStatus.QUEUED)
        assert RUNS.live(session, campaign_id) is silent
        assert RUNS.next_version(session, campaign_id) == 2

        after = timedelta(minutes=10)
        assert RUNS.recover_stale(session, campaign_id, after=after, message="计算中断") == 1
        assert silent.status is RunStatus.FAILED
        assert silent.message == "计算中断"
        assert silent.finished_at is not None
        assert RUNS.live(session, campaign_id) is None
        assert RUNS.recover_stale(session, campaign_id, after=after, message="计算中断") == 0
        assert RUNS.recover_stale(session, other, after=after, message="计算中断") == 0
        assert waiting.status is RunStatus.QUEUED


def test_cancel_stops_a_queued_run_at_once_and_asks_a_running_one(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        queued = _run(session, _campaign(session), status=RunStatus.QUEUED)
        RUNS.cancel(session, queued, refused="该排班{status}，不能取消", message="已取消")
        assert (queued.status, queued.message) == (RunStatus.CANCELLED, "已取消")
        assert queued.cancel_requested
        assert queued.finished_at is not None
        with pytest.raises(Conflict, match="该排班已取消，不能取消"):
            RUNS.cancel(session, queued, refused="该排班{status}，不能取消")

        running = _run(session, _campaign(session), status=RunStatus.RUNNING, message="排班中")
        RUNS.cancel(session, running, refused="该排班{status}，不能取消", message="已取消")
        # It stops at its solver's next report, which ends it.
        assert (running.status, running.message) == (RunStatus.RUNNING, "排班中")
        assert running.cancel_requested


def test_fail_ends_a_run_with_its_message(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        campaign_id = _campaign(session)
        run_id = _run(session, campaign_id, status=RunStatus.RUNNING).id
        session.commit()
    RUNS.fail(factory, run_id, "计算出错，请重新运行")
    with factory() as session:
        run = session.get(AssignmentRun, run_id)
        assert run is not None
        assert (run.status, run.message) == (RunStatus.FAILED, "计算出错，请重新运行")
        assert run.finished_at is not None
