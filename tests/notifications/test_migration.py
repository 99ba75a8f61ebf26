"""Migration 0004: notifications written before it keep showing exactly the same text."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from matchmaking.db import make_engine, make_sessionmaker
from matchmaking.migrate import alembic_config, upgrade
from matchmaking.notifications import service as notifications
from tests.conftest import PG_ADMIN_URL

OLD_TEXT = "新单位“海门新材科技有限公司”注册，等待审核"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own, with no tables yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.sqlite3'}"
        return
    name = f"mm_migr_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_old_notifications_read_the_same_after_the_upgrade_and_back(empty_url: str) -> None:
    # Given a database at 0002 with a notification stored as finished text
    upgrade(empty_url, "0002")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (username, display_name, password_hash, role, town, phone,"
                " email, is_active) VALUES ('staffer', '', 'x', 'staff', '', '', '', true)"
            )
        )
        user_id = conn.execute(sa.text("SELECT id FROM users")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO notifications (user_id, text, link, created_at)"
                " VALUES (:u, :t, '/staff/organizations', CURRENT_TIMESTAMP)"
            ),
            {"u": user_id, "t": OLD_TEXT},
        )
    engine.dispose()

    # When it is migrated to structured notifications
    upgrade(empty_url, "0004")

    # Then the notifications page shows the same text and link
    engine = make_engine(empty_url)
    with make_sessionmaker(engine)() as session:
        found = notifications.list_page(session, user_id)
        rows, total = found.items, found.total
    assert total == 1
    assert (rows[0].text, rows[0].link, rows[0].kind) == (
        OLD_TEXT,
        "/staff/organizations",
        "legacy",
    )

    # And going back restores the text column
    command.downgrade(alembic_config(empty_url), "0002")
    with engine.connect() as conn:
        text = conn.execute(sa.text("SELECT text FROM notifications")).scalar_one()
    engine.dispose()
    assert text == OLD_TEXT
