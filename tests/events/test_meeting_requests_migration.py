"""Migration 0017 (meeting requests) goes up and down cleanly on SQLite and PostgreSQL, and
the database itself refuses a second request of the same ordered pair."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.outcomes.test_migration import empty_url

__all__ = ["empty_url"]

REVISION = "0017"


def test_meeting_requests_table_comes_and_goes(empty_url: str) -> None:
    upgrade(empty_url, REVISION)
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "event_meeting_requests" in inspector.get_table_names()
        indexes = {i["name"] for i in inspector.get_indexes("event_meeting_requests")}
        assert {"ix_event_meeting_requests_event_id", "ix_event_meeting_requests_to_id"} <= indexes
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO events (title, kind, theme, held_on, venue, organiser,"
                " registration_opens, registration_closes, capacity, status, created_at,"
                " updated_at) VALUES ('氢能专场', 'by_industry', '', '2027-01-10', '', '',"
                " '2026-12-01', '2027-01-05', 50, 'open', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        event_id = conn.execute(sa.text("SELECT id FROM events")).scalar_one()
        insert_reg = sa.text(
            "INSERT INTO event_registrations (event_id, participant, side, name, status,"
            " invited, need_ids, achievement_ids, unavailable_slot_ids, min_meetings,"
            " max_meetings, checkin_token, created_at, updated_at) VALUES (:e, :k, 'enterprise',"
            " :k, 'registered', false, '[]', '[]', '[]', 0, 6, :k, CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP)"
        )
        for key in ("org:1", "org:2"):
            conn.execute(insert_reg, {"e": event_id, "k": key})
        a, b = conn.execute(sa.text("SELECT id FROM event_registrations ORDER BY id")).scalars()
    insert_request = sa.text(
        "INSERT INTO event_meeting_requests (event_id, from_id, to_id, message, status, reason,"
        " created_at, updated_at) VALUES (:e, :f, :t, '你好', 'pending', '', CURRENT_TIMESTAMP,"
        " CURRENT_TIMESTAMP)"
    )
    with engine.begin() as conn:
        conn.execute(insert_request, {"e": event_id, "f": a, "t": b})
        conn.execute(insert_request, {"e": event_id, "f": b, "t": a})  # the other direction
    with engine.connect() as conn, conn.begin():
        try:
            conn.execute(insert_request, {"e": event_id, "f": a, "t": b})
        except sa.exc.IntegrityError:
            refused = True
        else:
            refused = False
    assert refused
    engine.dispose()

    command.downgrade(alembic_config(empty_url), "-1")
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        assert "event_meeting_requests" not in sa.inspect(conn).get_table_names()
        assert "event_registrations" in sa.inspect(conn).get_table_names()
    engine.dispose()
    upgrade(empty_url, REVISION)
