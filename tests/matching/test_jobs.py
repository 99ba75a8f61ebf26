"""Jobs leave the process only when the outermost transaction commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import jobs


def test_jobs_follow_the_transaction(factory: sessionmaker[Session]) -> None:
    sent: list[tuple[str, tuple[Any, ...]]] = []
    jobs.set_dispatcher(lambda name, args: sent.append((name, args)))
    with factory() as session:
        session.execute(text("SELECT 1"))
        jobs.enqueue(session, "t", 1)
        good = session.begin_nested()
        jobs.enqueue(session, "t", 2)
        good.commit()
        assert sent == []  # a savepoint commit is not the real commit
        bad = session.begin_nested()
        jobs.enqueue(session, "t", 3)
        bad.rollback()  # the failed row's job is dropped, the others kept
        session.commit()
    assert sent == [("t", (1,)), ("t", (2,))]

    with factory() as session:
        session.execute(text("SELECT 1"))
        jobs.enqueue(session, "t", 4)
        session.rollback()
        session.commit()
    assert sent == [("t", (1,)), ("t", (2,))]


def test_every_new_session_factory_sends_its_jobs() -> None:
    """A factory made where a collected one lived must still be hooked (tests make many)."""
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://")
    sent: list[tuple[str, tuple[Any, ...]]] = []
    jobs.set_dispatcher(lambda name, args: sent.append((name, args)))
    try:
        for i in range(200):
            factory = sessionmaker(bind=engine)
            jobs.install(factory)
            with factory() as session:
                session.execute(text("SELECT 1"))
                jobs.enqueue(session, "t", i)
                session.commit()
            del factory  # freed at once: the next one often gets its address
    finally:
        jobs.set_dispatcher(None)
    assert [args[0] for _, args in sent] == list(range(200))
