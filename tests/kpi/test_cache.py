"""The dashboard's cached aggregates follow every write, in this process and in another.

These tests use committing sessions from the application's own session factory (the
one the web process and the worker use), so the cache and the table stamps are live.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import db
from matchmaking.accounts.permissions import DISTRICT
from matchmaking.enums import ContractStatus
from matchmaking.kpi import cache, service
from matchmaking.kpi.indicators import DOCKING_SOURCE, REGISTRY
from matchmaking.migrate import upgrade
from matchmaking.models import Base, Organization, TableVersion, TechContract
from tests.factories import make_org
from tests.kpi.helpers import contract, payment, town_id
from tests.outcomes.test_migration import empty_url

__all__ = ["empty_url"]
pytestmark = pytest.mark.commits

VIEW = service.View(year=2026, month=12, scope=DISTRICT)


@pytest.fixture
def stamped(factory: sessionmaker[Session]) -> Iterator[sessionmaker[Session]]:
    """The application's factory, every table stamped (as after the migration)."""
    engine = factory.kw["bind"]
    cache.stamp(engine, [t.name for t in Base.metadata.sorted_tables])
    cache.clear()
    yield factory
    cache.clear()


def _figures(factory: sessionmaker[Session]) -> dict[str, Decimal]:
    with factory() as session:
        return {f.code: f.ytd for f in service.summary(session, VIEW)}


def _sanchang(factory: sessionmaker[Session]) -> tuple[int, int]:
    with factory() as session:
        sc = town_id(session, "三厂街道")
        ent = make_org(session, kind="enterprise", town="三厂街道").id
        session.commit()
    return sc, ent


def test_a_contract_registered_shows_on_the_next_reading(stamped: sessionmaker[Session]) -> None:
    sc, _ent = _sanchang(stamped)
    before = _figures(stamped)
    assert before["contracts"] == 0
    with stamped() as session:
        contract(session, town=sc, registered_on=date(2026, 5, 6), amount="250")
        session.commit()
    after = _figures(stamped)
    assert after["contracts"] == 1
    assert after["amount"] == Decimal("250")
    # A correction (refused at registration) takes it out again.
    with stamped() as session:
        session.execute(update(TechContract).values(status=ContractStatus.NOT_REGISTERED))
        session.commit()
    assert _figures(stamped)["amount"] == 0


def test_bulk_inserts_and_payments_reach_every_figure(stamped: sessionmaker[Session]) -> None:
    sc, _ent = _sanchang(stamped)
    with stamped() as session:
        row = contract(session, town=sc, registered_on=date(2026, 3, 1), amount="80")
        session.commit()
        contract_id = row.id
    with stamped() as session:
        steps = {s["code"]: s["count"] for s in service.funnel(session, VIEW)}
        unpaid = service.quality_count(session, VIEW, "unpaid")
    assert steps["received"] == 0
    assert unpaid == 1
    with stamped() as session:
        payment(session, session.get(TechContract, contract_id), date(2026, 4, 2), "30")  # type: ignore[arg-type]
        session.commit()
    with stamped() as session:
        steps = {s["code"]: s["count"] for s in service.funnel(session, VIEW)}
        assert steps["received"] == 1
        assert service.quality_count(session, VIEW, "unpaid") == 0
        assert {f.code: f.ytd for f in service.summary(session, VIEW)}["received"] == 30
    # A bulk insert (as the import and the benchmark write) is a write like any other.
    with stamped() as session:
        session.execute(insert(TechContract), [_bulk_row(sc, 9001, "1000")])
        session.commit()
    assert _figures(stamped)["amount"] == Decimal("1080")


def _bulk_row(town: int, n: int, amount: str) -> dict[str, object]:
    with_model = {c.name for c in TechContract.__table__.columns}
    row: dict[str, object] = {
        "name": f"批量导入合同{n}",
        "contract_type": "development",
        "contract_subtype": "dev_commissioned",
        "seller_name": "江海理工大学",
        "seller_nature": "university",
        "seller_region": "320600",
        "buyer_name": "海门精密制造有限公司",
        "buyer_nature": "enterprise",
        "buyer_region": "320684",
        "signed_on": date(2026, 6, 1),
        "amount_wan": Decimal(amount),
        "tech_amount_wan": Decimal(amount),
        "tech_field": "new_materials",
        "ip_type": "none",
        "town_id": town,
        "flow": "inflow",
        "registration_no": f"{n:014d}",
        "registered_on": date(2026, 6, 2),
        "authority": "",
        "status": "registered",
        "note": "",
        "origin": "direct",
    }
    return {k: v for k, v in row.items() if k in with_model}


def test_another_process_sees_a_write_made_here(
    stamped: sessionmaker[Session], settings: object
) -> None:
    """The web's second process (its own engine and cache entries) sees the new stamp."""
    sc, _ent = _sanchang(stamped)
    url = stamped.kw["bind"].url.render_as_string(hide_password=False)
    other = db.make_sessionmaker(db.make_engine(url))
    with other() as session:
        assert {f.code: f.ytd for f in service.summary(session, VIEW)}["contracts"] == 0
    with stamped() as session:
        contract(session, town=sc, registered_on=date(2026, 7, 7))
        session.commit()
    with other() as session:
        assert {f.code: f.ytd for f in service.summary(session, VIEW)}["contracts"] == 1
    other.kw["bind"].dispose()


def test_a_company_moving_town_moves_its_needs(stamped: sessionmaker[Session]) -> None:
    from tests.factories import make_need

    with stamped() as session:
        org = make_org(session, kind="enterprise", town="三厂街道")
        make_need(session, org_id=org.id)
        session.commit()
        org_id = org.id
        zy = town_id(session, "正余镇")
    sanchang = service.View(year=VIEW.year, month=VIEW.month, scope=DISTRICT, town_id=org.town_id)
    with stamped() as session:
        assert service.records(session, sanchang, "needs_posted").total == 1
    with stamped() as session:
        session.execute(update(Organization).where(Organization.id == org_id).values(town_id=zy))
        session.commit()
    with stamped() as session:
        assert service.records(session, sanchang, "needs_posted").total == 0


def test_own_uncommitted_writes_are_read_not_the_cache(stamped: sessionmaker[Session]) -> None:
    sc, _ent = _sanchang(stamped)
    assert _figures(stamped)["contracts"] == 0
    with stamped() as session:
        contract(session, town=sc, registered_on=date(2026, 8, 8))
        assert {f.code: f.ytd for f in service.summary(session, VIEW)}["contracts"] == 1
        session.rollback()
    assert _figures(stamped)["contracts"] == 0


def test_a_write_behind_the_applications_back_is_seen_after_the_age_limit(
    stamped: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    sc, _ent = _sanchang(stamped)
    assert _figures(stamped)["amount"] == 0
    engine = stamped.kw["bind"]
    with engine.begin() as conn:  # raw SQL, as another program would write
        conn.execute(insert(TechContract), [_bulk_row(sc, 9002, "40")])
    # Within the age limit the cached figure stands (the documented price of the cache)…
    assert _figures(stamped)["amount"] == 0
    # …and once it has passed, the rows are read again.
    later = cache.time.monotonic() + 301
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert _figures(stamped)["amount"] == Decimal("40")


def test_every_table_behind_a_figure_is_stamped_by_the_migration(empty_url: str) -> None:
    upgrade(empty_url)
    engine = sa.create_engine(empty_url)
    with engine.connect() as conn:
        stamped_tables = set(conn.scalars(select(TableVersion.table_name)))
    engine.dispose()
    behind = service.source_tables(DOCKING_SOURCE, *(i.source for i in REGISTRY.values()))
    for tables in service.QUALITY_TABLES.values():
        behind |= tables
    assert behind <= stamped_tables, behind - stamped_tables
