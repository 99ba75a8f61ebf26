"""Migration 0015: the contest tables come and go cleanly on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.outcomes.test_migration import empty_url

__all__ = ["empty_url"]


def test_contest_tables_come_and_go(empty_url: str) -> None:
    upgrade(empty_url, "0015")
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert {"contest_rules", "contest_bonuses"} <= set(inspector.get_table_names())
        indexes = {i["name"] for i in inspector.get_indexes("contest_bonuses")}
        assert {"ix_contest_bonuses_year_quarter", "ix_contest_bonuses_town_id"} <= indexes
        unique = inspector.get_unique_constraints("contest_rules")
        assert [u["column_names"] for u in unique] == [["year"]]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO contest_rules (year, weights, completion_cap_pct, bonus_cap)"
                " VALUES (2026, '{\"amount\": 100}', 120, 10)"
            )
        )
    # One year, one set of rules.
    with engine.connect() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.text(
                "INSERT INTO contest_rules (year, weights, completion_cap_pct, bonus_cap)"
                " VALUES (2026, '{}', 120, 10)"
            )
        )
    command.downgrade(alembic_config(empty_url), "0014")
    with engine.connect() as conn:
        names = set(sa.inspect(conn).get_table_names())
        assert "contest_rules" not in names
        assert "contest_bonuses" not in names
    upgrade(empty_url, "0015")
    engine.dispose()
