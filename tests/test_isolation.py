"""Each test starts from empty tables, whichever way its database is reset."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.models import Organization
from tests.factories import make_org


def _commit_one_and_count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        before = session.scalar(select(func.count()).select_from(Organization))
        make_org(session, name="海门隔离测试有限公司")
        session.commit()
    with factory() as session:  # another session sees the commit
        assert session.scalar(select(func.count()).select_from(Organization)) == 1
    return int(before or 0)


@pytest.mark.parametrize("run", [1, 2])
def test_a_rolled_back_test_leaves_no_rows(factory: sessionmaker[Session], run: int) -> None:
    # The second run would find the first one's organization.
    assert _commit_one_and_count(factory) == 0


@pytest.mark.commits
@pytest.mark.parametrize("run", [1, 2])
def test_a_committing_test_leaves_no_rows_for_the_next(
    factory: sessionmaker[Session], run: int
) -> None:
    assert _commit_one_and_count(factory) == 0
