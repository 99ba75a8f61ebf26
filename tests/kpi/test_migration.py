"""Migration 0008: the targets and reports tables and the dashboard's indexes, up and down."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.outcomes.test_migration import empty_url

__all__ = ["empty_url"]


def test_kpi_tables_come_and_go(empty_url: str) -> None:
    upgrade(empty_url, "0012")
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert {"kpi_targets", "monthly_reports"} <= set(inspector.get_table_names())
        indexes = {i["name"] for i in inspector.get_indexes("tech_contracts")}
        assert "ix_tech_contracts_registered_town" in indexes
    command.downgrade(alembic_config(empty_url), "0011")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "kpi_targets" not in inspector.get_table_names()
        indexes = {i["name"] for i in inspector.get_indexes("tech_contracts")}
        assert "ix_tech_contracts_registered_town" not in indexes
    upgrade(empty_url, "0012")
    engine.dispose()
