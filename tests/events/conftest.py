from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture
def session(factory: sessionmaker[Session], dispatcher: Any) -> Iterator[Session]:
    """A session of the test's transaction, with embed jobs run inline (vectors exist)."""
    with factory() as s:
        yield s
