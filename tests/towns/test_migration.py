"""Migration 0003 moves every free-text town onto the towns table, on both databases."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from matchmaking.migrate import alembic_config, upgrade
from tests.conftest import PG_ADMIN_URL

ORGS = [
    # (name, town as typed before towns were rows)
    ("三厂氢能有限公司", "三厂街道"),
    ("三厂船舶有限公司", "三厂街道"),
    ("正余纺织有限公司", " 正余镇 "),
    ("不存在镇的企业", "不存在的镇"),
    ("同济大学", ""),
]
USERS = [
    # (username, role, town)
    ("staff_district", "staff", ""),
    ("staff_zhengyu", "staff", "正余镇"),
    ("staff_new", "staff", "海永镇"),  # a town no organization names
]


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tables yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
        return
    name = f"mm_migrate_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield sa.engine.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def test_free_text_towns_become_rows_and_nothing_is_lost(empty_url: str) -> None:
    # Given a database at 0002 with towns typed as text
    upgrade(empty_url, "0002")
    engine = sa.create_engine(empty_url)
    with engine.begin() as conn:
        for name, town in ORGS:
            conn.execute(
                sa.text(
                    "INSERT INTO organizations (name, kind, district, town, description, status,"
                    " contact_name, contact_phone, contact_email, created_at, updated_at)"
                    " VALUES (:name, 'enterprise', '海门区', :town, '', 'active', '', '', '',"
                    " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"name": name, "town": town},
            )
        for username, role, town in USERS:
            conn.execute(
                sa.text(
                    "INSERT INTO users (username, display_name, password_hash, role, town,"
                    " phone, email, is_active, created_at, updated_at) VALUES (:u, :u, 'x',"
                    " :role, :town, '', '', :active, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"u": username, "role": role, "town": town, "active": True},
            )

    # When it is upgraded to the newest revision
    upgrade(empty_url)

    # Then every distinct town is a row, once, and each row points at its own town
    with engine.connect() as conn:
        towns = dict(conn.execute(sa.text("SELECT name, id FROM towns")).all())
        assert set(towns) == {"三厂街道", "正余镇", "不存在的镇", "海永镇"}
        orgs = dict(
            conn.execute(
                sa.text(
                    "SELECT o.name, t.name FROM organizations o"
                    " LEFT JOIN towns t ON t.id = o.town_id"
                )
            ).all()
        )
        assert orgs == {name: (town.strip() or None) for name, town in ORGS}
        users = dict(
            conn.execute(
                sa.text(
                    "SELECT u.username, t.name FROM users u LEFT JOIN towns t ON t.id = u.town_id"
                )
            ).all()
        )
        assert users == {username: (town or None) for username, _, town in USERS}
        codes = conn.execute(sa.text("SELECT code FROM towns")).scalars().all()
        assert len(set(codes)) == len(codes) == 4
        columns = {c["name"] for c in sa.inspect(conn).get_columns("organizations")}
        assert "town" not in columns
        assert "town_id" in columns

    # And going back to 0002 restores the text towns
    downgrade(empty_url, "0002")
    with engine.connect() as conn:
        back = dict(conn.execute(sa.text("SELECT name, town FROM organizations")).all())
        assert back == {name: town.strip() for name, town in ORGS}
        assert "towns" not in sa.inspect(conn).get_table_names()
    engine.dispose()
