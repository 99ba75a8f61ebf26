"""Migration 0007: dockings made before it are "unknown"; the audit log refuses changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.conftest import PG_ADMIN_URL


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


def _old_docking(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO users (username, display_name, password_hash, role, phone, email,"
            " is_active, session_epoch) VALUES ('u1', '', 'x', 'enterprise', '', '', true, 0)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO organizations (name, kind, district, description, status,"
            " contact_name, contact_phone, contact_email)"
            " VALUES ('甲公司', 'enterprise', '', '', 'active', '', '', '')"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO needs (org_id, title, description, indicators, industry_field,"
            " cooperation_mode, status, contact_name, text_hash, embedding_status,"
            " created_at, updated_at) VALUES (1, '需求', '描述', '', 'new_materials',"
            " 'transfer', 'open', '', '', 'ready', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        sa.text(
            "INSERT INTO dockings (need_id, target_kind, target_id, requester_user_id,"
            " requester_org_id, responder_org_id, status, message, decline_reason)"
            " VALUES (1, 'experts', 1, 1, 1, 1, 'requested', '', '')"
        )
    )


def test_old_dockings_become_unknown_and_the_way_back_drops_the_new_tables(
    empty_url: str,
) -> None:
    # Given a database at 0006 with a docking
    upgrade(empty_url, "0006")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        _old_docking(conn)

    # When it is upgraded
    upgrade(empty_url, "0007")

    # Then the docking's origin is "unknown", not guessed
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT origin FROM dockings")).scalar_one() == "unknown"
        names = set(sa.inspect(conn).get_table_names())
    assert {"cooperation_agreements", "tech_contracts", "contract_payments", "audit_log"} <= names

    # And going back removes the tables and the column, keeping the docking
    command.downgrade(alembic_config(empty_url), "0006")
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        assert "tech_contracts" not in inspector.get_table_names()
        assert "origin" not in {c["name"] for c in inspector.get_columns("dockings")}
        assert conn.execute(sa.text("SELECT count(*) FROM dockings")).scalar_one() == 1
    # And up again works (the triggers were dropped with it)
    upgrade(empty_url, "0007")
    engine.dispose()


def test_the_database_refuses_to_change_an_audit_row(empty_url: str) -> None:
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_log (at, entity_kind, entity_id, action)"
                " VALUES (CURRENT_TIMESTAMP, 'contract', 1, 'create')"
            )
        )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_log SET action = 'update'"))
    if engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM audit_log"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT action FROM audit_log")).scalar_one() == "create"
    engine.dispose()
