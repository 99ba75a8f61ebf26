"""The ``visits.assign`` task: registered with the worker, and idempotent on its run id."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.config import Settings
from matchmaking.enums import RunStatus
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_tokenizer
from matchmaking.models import AssignmentRun, Campaign
from matchmaking.visits import runner


def test_the_worker_knows_the_task() -> None:
    import workers.tasks.visits  # noqa: F401  (what the worker's include list imports)
    from workers.celery_app import app

    assert "visits.assign" in app.tasks


def test_a_missing_or_finished_run_is_left_alone(
    settings: Settings, factory: sessionmaker[Session], encoder: Encoder
) -> None:
    manager = IndexManager(settings, factory, encoder, get_tokenizer())
    assert runner.execute(factory, manager, 999_999) == "missing"
    with factory() as session:
        c = Campaign(title="已取消的巡诊排班", half_days=["2030-03-04am"])
        session.add(c)
        session.flush()
        run = AssignmentRun(campaign_id=c.id, version=1, status=RunStatus.CANCELLED)
        session.add(run)
        session.commit()
        run_id = run.id
    # A retried message for a run staff cancelled does not start it again.
    assert runner.execute(factory, manager, run_id) == "cancelled"
    with factory() as session:
        again = session.get(AssignmentRun, run_id)
        assert again is not None
        assert again.status is RunStatus.CANCELLED
