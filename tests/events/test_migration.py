"""Migration 0007 (events) goes up and down cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.notifications.test_migration import empty_url  # noqa: F401  (the fixture)

EVENT_TABLES = {
    "events",
    "event_logs",
    "event_sessions",
    "event_slots",
    "event_registrations",
    "event_wishes",
    "schedule_runs",
    "scheduled_meetings",
}


def test_events_migration_up_and_down(empty_url: str) -> None:  # noqa: F811
    upgrade(empty_url, "0011")
    engine = sa.create_engine(empty_url)
    assert EVENT_TABLES <= set(sa.inspect(engine).get_table_names())
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO events (title, kind, theme, held_on, venue, organiser,"
                " registration_opens, registration_closes, capacity, status, created_at,"
                " updated_at) VALUES ('氢能专场', 'by_industry', '', '2027-01-10', '', '',"
                " '2026-12-01', '2027-01-05', 50, 'draft', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        event_id = conn.execute(sa.text("SELECT id FROM events")).scalar_one()
        insert_run = sa.text(
            "INSERT INTO schedule_runs (event_id, version, status, published, cancel_requested,"
            " progress, solver_status, problems, error, created_at)"
            " VALUES (:e, :v, 'done', :p, false, 1, '', '[]', '', CURRENT_TIMESTAMP)"
        )
        conn.execute(insert_run, {"e": event_id, "v": 1, "p": True})
        conn.execute(insert_run, {"e": event_id, "v": 2, "p": False})
    # A second published version of the same event is refused by the database itself.
    with engine.connect() as conn, conn.begin():
        try:
            conn.execute(insert_run, {"e": event_id, "v": 3, "p": True})
        except sa.exc.IntegrityError:
            refused = True
        else:
            refused = False
    assert refused
    engine.dispose()

    command.downgrade(alembic_config(empty_url), "0010")
    engine = sa.create_engine(empty_url)
    assert not EVENT_TABLES & set(sa.inspect(engine).get_table_names())
    engine.dispose()
