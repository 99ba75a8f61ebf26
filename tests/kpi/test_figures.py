"""KPI figures equal figures computed here from the raw rows.

The rules checked: only registered contracts count (by registration date), 输出 and 吸纳
apart, payments by the day received, needs by their China-time posting moment, town
scope, and targets' schedule (序时).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.enums import ContractFlow, ContractStatus
from matchmaking.exceptions import Forbidden, InvalidInput
from matchmaking.kpi import service, targets
from matchmaking.models import AuditLog, ContractPayment, TechContract
from tests.factories import make_need, make_org, make_user
from tests.kpi.helpers import agreement, contract, payment, principal, town_id

CST = ZoneInfo("Asia/Shanghai")
REGISTERED = {ContractStatus.REGISTERED, ContractStatus.PERFORMING, ContractStatus.COMPLETED}


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Session:
    return factory()


def _world(session: Session) -> dict[str, int]:
    sc, zy = town_id(session, "三厂街道"), town_id(session, "正余镇")
    ent_sc = make_org(session, kind="enterprise", town="三厂街道").id
    ent_zy = make_org(session, kind="enterprise", town="正余镇").id
    uni = make_org(session, kind="university").id
    other = make_org(session, kind="enterprise", town="正余镇").id
    agreement(session, company=ent_sc, partner=uni, town=sc, signed_on=date(2026, 3, 31))
    agreement(session, company=ent_sc, partner=uni, town=sc, signed_on=date(2026, 4, 1))
    agreement(session, company=ent_zy, partner=uni, town=zy, signed_on=date(2025, 3, 5))
    # Two companies: not 产学研, not counted.
    agreement(session, company=ent_zy, partner=other, town=zy, signed_on=date(2026, 3, 5))
    rows = [
        contract(session, town=sc, registered_on=date(2026, 3, 31), amount="500", tech="400"),
        contract(
            session,
            town=sc,
            registered_on=date(2026, 4, 1),
            amount="70.5",
            flow=ContractFlow.OUTFLOW,
        ),
        contract(
            session,
            town=zy,
            status=ContractStatus.PERFORMING,
            amount="30",
            flow=ContractFlow.LOCAL,
            registered_on=date(2026, 2, 28),
        ),
        contract(session, town=zy, registered_on=date(2025, 3, 2), amount="200"),
        # Signed or refused: never counted, whatever their amount.
        contract(session, town=sc, status=ContractStatus.SIGNED, amount="9999"),
        contract(session, town=zy, status=ContractStatus.NOT_REGISTERED, amount="8888"),
    ]
    payment(session, rows[0], date(2026, 3, 31), "100")
    payment(session, rows[0], date(2026, 4, 1), "50")
    payment(session, rows[2], date(2026, 1, 15), "30")
    return {"sc": sc, "zy": zy, "ent_sc": ent_sc}


def _expected_contracts(
    session: Session, year: int, month: int, town: int | None
) -> dict[str, Decimal]:
    """The contract figures of the year to ``month``, straight from the rows."""
    out = {k: Decimal(0) for k in ("contracts", "amount", "amount_out", "amount_in", "tech_amount")}
    for c in session.scalars(select(TechContract)):
        if c.status not in REGISTERED or c.registered_on is None:
            continue
        if c.registered_on.year != year or c.registered_on.month > month:
            continue
        if town is not None and c.town_id != town:
            continue
        out["contracts"] += 1
        out["amount"] += c.amount_wan
        out["tech_amount"] += c.tech_amount_wan or 0
        if c.flow in (ContractFlow.OUTFLOW, ContractFlow.LOCAL):
            out["amount_out"] += c.amount_wan
        if c.flow in (ContractFlow.INFLOW, ContractFlow.LOCAL):
            out["amount_in"] += c.amount_wan
    out["received"] = sum(
        (
            p.amount_wan
            for p, c in session.execute(
                select(ContractPayment, TechContract).join(
                    TechContract, TechContract.id == ContractPayment.contract_id
                )
            )
            if p.received_on.year == year
            and p.received_on.month <= month
            and (town is None or c.town_id == town)
        ),
        Decimal(0),
    )
    return out


@pytest.mark.parametrize("month", [3, 4, 12])
def test_contract_figures_equal_the_raw_rows(session: Session, month: int) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    for town in (None, ids["sc"], ids["zy"]):
        name = None if town is None else {ids["sc"]: "三厂街道", ids["zy"]: "正余镇"}[town]
        view = service.view_for(session, staff, year=2026, month=month, town=name)
        got = {f.code: f for f in service.summary(session, view)}
        want = _expected_contracts(session, 2026, month, town)
        for code, value in want.items():
            assert got[code].ytd == value, (code, town, month)
    view = service.view_for(session, staff, year=2026, month=3)
    got = {f.code: f for f in service.summary(session, view)}
    assert got["contracts"].month == 1  # 31 March; 1 April is April's
    assert got["amount"].month == Decimal("500")
    assert got["agreements"].ytd == 1
    assert got["agreements"].month == 1
    assert got["agreements"].prev_ytd == 1  # 5 March 2025, year on year
    assert got["received"].month == Decimal("100")
    assert got["amount"].prev_ytd == Decimal("200")


def test_needs_are_placed_by_china_time_midnight(session: Session) -> None:
    org = make_org(session, kind="enterprise", town="三厂街道").id
    with clock.frozen(datetime(2026, 11, 30, 23, 30, tzinfo=CST)):
        make_need(session, org_id=org)  # 15:30 UTC on 30 November: November
    with clock.frozen(datetime(2026, 12, 1, 0, 30, tzinfo=CST)):
        make_need(session, org_id=org)  # 16:30 UTC on 30 November: December in China
        staff = principal(make_user(session, role="staff"))
        december = {f.code: f for f in service.summary(session, service.view_for(session, staff))}
    assert december["needs_posted"].month == 1
    assert december["needs_posted"].ytd == 2
    november = service.view_for(session, staff, year=2026, month=11)
    assert {f.code: f for f in service.summary(session, november)}["needs_posted"].month == 1


def test_town_staff_see_only_their_town(session: Session) -> None:
    ids = _world(session)
    zy_staff = principal(make_user(session, role="staff", town_id=ids["zy"]))
    view = service.view_for(session, zy_staff, year=2026, month=12)
    got = {f.code: f for f in service.summary(session, view)}
    want = _expected_contracts(session, 2026, 12, ids["zy"])
    assert got["amount"].ytd == want["amount"] == Decimal("30")
    with pytest.raises(Forbidden):
        service.view_for(session, zy_staff, year=2026, town="三厂街道")
    ranking = service.ranking(session, view, "amount")
    assert [r["town"] for r in ranking] == ["正余镇"]
    records = service.records(session, view, "contracts", period="ytd")
    assert records.total == 1
    assert records.rows[0]["town"] == "正余镇"
    ent = principal(make_user(session, role="enterprise"))
    with pytest.raises(Forbidden):
        service.view_for(session, ent, year=2026)


def test_targets_give_the_schedule_and_are_audited(session: Session) -> None:
    ids = _world(session)
    staff_user = make_user(session, role="staff")
    staff = principal(staff_user)
    targets.set_target(
        session, staff, year=2026, indicator="amount", town_id=ids["sc"], annual=Decimal("1200")
    )
    targets.set_target(
        session, staff, year=2026, indicator="amount", town_id=ids["sc"], annual=Decimal("2400")
    )
    view = service.view_for(session, staff, year=2026, month=3, town="三厂街道")
    amount = {f.code: f for f in service.summary(session, view)}["amount"]
    assert amount.target == Decimal("2400")
    assert amount.schedule == Decimal("600")  # 序时: 2400 × 3 / 12
    assert amount.schedule_ratio == pytest.approx(500 / 600)
    assert service.rag(amount.schedule_ratio) == "amber"
    log = session.scalars(select(AuditLog).where(AuditLog.entity_kind == "kpi_target")).all()
    assert [(a.old_values or {}).get("annual") for a in log] == [None, "1200"]
    assert log[-1].new_values is not None
    assert log[-1].new_values["annual"] == "2400"
    assert log[-1].actor_user_id == staff_user.id
    # The district has no total of its own: the towns' targets add up.
    district = service.view_for(session, staff, year=2026, month=3)
    assert {f.code: f for f in service.summary(session, district)}["amount"].target == Decimal(
        "2400"
    )
    zy_staff = principal(make_user(session, role="staff", town_id=ids["zy"]))
    with pytest.raises(Forbidden):
        targets.set_target(
            session, zy_staff, year=2026, indicator="amount", town_id=ids["sc"], annual=Decimal(1)
        )


@pytest.mark.parametrize(
    "typed", ["-5", "1e30", "abc", "12\x00", "NaN", "Infinity", "1.123456", "9" * 30]
)
def test_hostile_targets_are_refused_in_chinese(typed: str) -> None:
    with pytest.raises(InvalidInput) as err:
        targets.parse_amount(typed, field="amount")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in err.value.message)


def test_quality_panel_finds_stale_records(session: Session) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    with clock.frozen(datetime(2026, 12, 2, 10, 0, tzinfo=CST)):
        view = service.view_for(session, staff, year=2026)
        checks = {q["check"]: q["count"] for q in service.quality(session, view)}
    # The signed one (1 March) is overdue; registered ones without payments: rows 2 and 4.
    assert checks["unregistered"] == 1
    assert checks["unpaid"] == 2
    assert ids
