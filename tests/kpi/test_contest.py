"""季度竞赛 scores equal scores computed here from the raw rows, the targets and the rules.

The rules checked: weight × min(cap, year to date ÷ schedule at the quarter's end); an
indicator without a target scores nothing; a split with nothing due yet counts as met;
bonus points are counted up to the cap; rules and bonus items are the district's, audited.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.enums import ContractStatus, NeedStatus, OrgKind
from matchmaking.exceptions import Forbidden, InvalidInput, NotFound
from matchmaking.kpi import contest, targets
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import (
    AuditLog,
    ContractPayment,
    CooperationAgreement,
    Need,
    Organization,
    TechContract,
    Town,
)
from tests.factories import make_org, make_user
from tests.kpi.helpers import agreement, contract, payment, principal, town_id

REGISTERED = {ContractStatus.REGISTERED, ContractStatus.PERFORMING, ContractStatus.COMPLETED}
D = Decimal


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Session:
    return factory()


def _world(session: Session) -> dict[str, int]:
    """Q1 2026: 三厂街道 ahead on money, 正余镇 behind; other towns have no targets."""
    sc, zy = town_id(session, "三厂街道"), town_id(session, "正余镇")
    ent_sc = make_org(session, kind="enterprise", town="三厂街道").id
    uni = make_org(session, kind="university").id
    agreement(session, company=ent_sc, partner=uni, town=sc, signed_on=date(2026, 1, 10))
    agreement(session, company=ent_sc, partner=uni, town=sc, signed_on=date(2026, 3, 31))
    agreement(session, company=ent_sc, partner=uni, town=sc, signed_on=date(2026, 4, 1))
    big = contract(session, town=sc, registered_on=date(2026, 3, 31), amount="500", tech="400")
    contract(session, town=sc, registered_on=date(2026, 4, 1), amount="70.5")  # Q2
    contract(session, town=sc, status=ContractStatus.SIGNED, amount="9999")  # not registered
    contract(
        session,
        town=zy,
        status=ContractStatus.PERFORMING,
        registered_on=date(2026, 2, 28),
        amount="30",
        tech=None,
    )
    payment(session, big, date(2026, 3, 31), "100")
    payment(session, big, date(2026, 4, 2), "900")  # Q2
    staff = principal(make_user(session, role="staff"))
    for town, code, annual in (
        (sc, "agreements", "8"),  # due 2 by March: 2 signed, 100 %
        (sc, "amount", "1200"),  # due 300: 500 is 167 %, counted 120 %
        (sc, "tech_amount", "1000"),  # due 250: 400 is 160 %, counted 120 %
        (sc, "received", "2000"),  # due 500: 100 is 20 %
        (zy, "amount", "240"),  # due 60: 30 is 50 %
        (zy, "agreements", "4"),  # due 1: none
    ):
        targets.set_target(
            session, staff, year=2026, indicator=code, town_id=town, annual=D(annual)
        )
    # 正余镇's contracts: a split with nothing due before April.
    targets.set_target(
        session,
        staff,
        year=2026,
        indicator="contracts",
        town_id=zy,
        annual=D(9),
        monthly=[D(0), D(0), D(0), *[D(1)] * 9],
    )
    return {"sc": sc, "zy": zy}


def _ytd(session: Session, code: str, town: int, year: int, month: int) -> Decimal:
    """The year to the end of ``month``, straight from the rows (the registry's 口径)."""
    total = D(0)
    if code == "agreements":
        company = {o.id: o for o in session.scalars(select(Organization))}
        for a in session.scalars(select(CooperationAgreement)):
            academic = a.partner_org_id is not None and company[a.partner_org_id].kind in (
                OrgKind.UNIVERSITY,
                OrgKind.INSTITUTE,
            )
            if (
                a.town_id == town
                and academic
                and company[a.company_org_id].kind == OrgKind.ENTERPRISE
                and a.signed_on.year == year
                and a.signed_on.month <= month
            ):
                total += 1
    elif code in ("contracts", "amount", "tech_amount"):
        for c in session.scalars(select(TechContract)):
            if c.status not in REGISTERED or c.registered_on is None or c.town_id != town:
                continue
            if c.registered_on.year != year or c.registered_on.month > month:
                continue
            total += {
                "contracts": D(1),
                "amount": c.amount_wan,
                "tech_amount": c.tech_amount_wan or D(0),
            }[code]
    elif code == "received":
        for p, c in session.execute(
            select(ContractPayment, TechContract).join(
                TechContract, TechContract.id == ContractPayment.contract_id
            )
        ):
            if c.town_id == town and p.received_on.year == year and p.received_on.month <= month:
                total += p.amount_wan
    elif code in ("needs_posted", "needs_solved"):
        for n, org in session.execute(
            select(Need, Organization).join(Organization, Organization.id == Need.org_id)
        ):
            when = clock.to_local(n.updated_at if code == "needs_solved" else n.created_at)
            solved_ok = code == "needs_posted" or n.status == NeedStatus.SOLVED
            if org.town_id == town and solved_ok and when.year == year and when.month <= month:
                total += 1
    else:  # an indicator added later: not in this world
        return D(0)
    return total


def _expected(session: Session, year: int, quarter: int) -> dict[int, Decimal]:
    """Every town's score computed here: targets as stored, the rules as stored."""
    rules = contest.rules_for(session, year)
    month = quarter * 3
    found = targets.for_year(session, year)
    out: dict[int, Decimal] = {}
    for town in session.scalars(select(Town.id)):
        score = D(0)
        for code, weight in rules.weights.items():
            target = found.get((code, town))
            if not weight or target is None:
                continue
            if target.monthly:
                due = sum(target.monthly[:month], D(0))
            else:
                due = target.annual * month / 12
            if due == 0:
                score += weight
                continue
            score += weight * min(
                D(rules.cap_pct) / 100, _ytd(session, code, town, year, month) / due
            )
        out[town] = score
    return out


def _q(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def test_scores_equal_the_raw_rows(session: Session) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    found = contest.standing(session, staff, year=2026, quarter=1)
    want = _expected(session, 2026, 1)
    assert {t.town_id: t.score for t in found.towns} == {k: _q(v) for k, v in want.items()}
    by_town = {t.town_id: t for t in found.towns}
    sc, zy = by_town[ids["sc"]], by_town[ids["zy"]]
    # 三厂街道: 25 × 100 % + 25 × 120 % (capped from 167 %) + 10 × 120 % + 15 × 20 %.
    assert sc.score == D("70.00")
    amount = sc.part("amount")
    assert amount is not None
    assert amount.ratio == D(500) / D(300)
    assert amount.counted == D("1.2")
    assert amount.points == D(30)
    # 正余镇: 25 × 50 % on the amount; contracts: nothing due yet, counted as met.
    assert zy.score == D("22.50")
    contracts = zy.part("contracts")
    assert contracts is not None
    assert contracts.status == "nothing_due"
    assert contracts.points == D(10)
    # Best first; the towns without any target share the next rank.
    assert [t.town_id for t in found.towns[:2]] == [ids["sc"], ids["zy"]]
    assert [t.rank for t in found.towns[:3]] == [1, 2, 3]
    assert {t.rank for t in found.towns[2:]} == {3}
    # A quarter later the year to date grows (April's rows) and so does the schedule.
    q2 = contest.standing(session, staff, year=2026, quarter=2)
    want2 = _expected(session, 2026, 2)
    assert {t.town_id: t.score for t in q2.towns} == {k: _q(v) for k, v in want2.items()}


def test_a_town_without_a_target_scores_nothing_on_it(session: Session) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    found = contest.standing(session, staff, year=2026, quarter=1)
    sc = next(t for t in found.towns if t.town_id == ids["sc"])
    # 三厂街道 registered a contract but has no target for the count.
    part = sc.part("contracts")
    assert part is not None
    assert part.ytd == 1
    assert part.status == "no_target"
    assert part.points == 0
    assert contest.part_cell(part) == "未设目标"
    as_json = next(t for t in found.as_json()["towns"] if t["town_id"] == ids["sc"])
    contracts = next(p for p in as_json["parts"] if p["indicator"] == "contracts")
    assert contracts["status_label"] == "未设目标"
    assert contracts["points"] == 0


def test_the_cap_on_completion_follows_the_rules(session: Session) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    weights = {code: w for code, w in contest.DEFAULT_WEIGHTS.items() if w}
    contest.set_rules(session, staff, year=2026, weights=weights, cap_pct=150, bonus_cap=D(10))
    found = contest.standing(session, staff, year=2026, quarter=1)
    sc = next(t for t in found.towns if t.town_id == ids["sc"])
    amount = sc.part("amount")
    assert amount is not None
    assert amount.counted == D("1.5")  # 167 % counted as 150 %
    tech = sc.part("tech_amount")
    assert tech is not None
    assert tech.counted == D("1.5")  # 160 % counted as 150 %
    assert sc.score == _q(_expected(session, 2026, 1)[ids["sc"]]) == D("80.50")


def test_bonus_points_are_counted_up_to_the_cap(session: Session) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    contest.add_bonus(
        session,
        staff,
        year=2026,
        quarter=1,
        town_id=ids["zy"],
        points=D(6),
        reason="承办市级对接活动",
    )
    contest.add_bonus(
        session,
        staff,
        year=2026,
        quarter=1,
        town_id=ids["zy"],
        points=D("7.5"),
        reason="高校院所走进区镇",
    )
    # Another quarter's points do not count in the first.
    contest.add_bonus(
        session, staff, year=2026, quarter=2, town_id=ids["zy"], points=D(3), reason="二季度加分"
    )
    found = contest.standing(session, staff, year=2026, quarter=1)
    zy = next(t for t in found.towns if t.town_id == ids["zy"])
    assert zy.bonus_entered == D("13.5")
    assert zy.bonus_counted == D(10)
    assert zy.score == D("32.50")
    bonus = next(t for t in found.as_json()["towns"] if t["town_id"] == ids["zy"])["bonus"]
    assert (bonus["entered"], bonus["counted"]) == (13.5, 10)
    assert [i["reason"] for i in bonus["items"]] == ["承办市级对接活动", "高校院所走进区镇"]
    # A single item above the cap is refused.
    with pytest.raises(InvalidInput, match="上限"):
        contest.add_bonus(
            session, staff, year=2026, quarter=1, town_id=ids["zy"], points=D(11), reason="超额"
        )


def test_rules_and_bonuses_are_the_districts_and_audited(session: Session) -> None:
    ids = _world(session)
    staff_user = make_user(session, role="staff")
    staff = principal(staff_user)
    zy_staff = principal(make_user(session, role="staff", town_id=ids["zy"]))
    weights = {"agreements": 50, "amount": 50}
    with pytest.raises(Forbidden):
        contest.set_rules(
            session, zy_staff, year=2026, weights=weights, cap_pct=120, bonus_cap=D(5)
        )
    with pytest.raises(Forbidden):
        contest.add_bonus(
            session, zy_staff, year=2026, quarter=1, town_id=ids["zy"], points=D(1), reason="自评"
        )
    contest.set_rules(session, staff, year=2026, weights=weights, cap_pct=110, bonus_cap=D(5))
    rules = contest.rules_for(session, 2026)
    assert rules.stored
    assert rules.weighted() == ["agreements", "amount"]
    assert (rules.cap_pct, rules.bonus_cap) == (110, D(5))
    row = contest.add_bonus(
        session, staff, year=2026, quarter=1, town_id=ids["sc"], points=D(2), reason="承办对接会"
    )
    with pytest.raises(Forbidden):
        contest.delete_bonus(session, zy_staff, row.id)
    contest.delete_bonus(session, staff, row.id)
    with pytest.raises(NotFound):
        contest.delete_bonus(session, staff, row.id)
    log = session.scalars(
        select(AuditLog)
        .where(AuditLog.entity_kind.in_(["contest_rules", "contest_bonus"]))
        .order_by(AuditLog.id)
    ).all()
    assert [(a.entity_kind, a.action.value) for a in log] == [
        ("contest_rules", "create"),
        ("contest_bonus", "create"),
        ("contest_bonus", "delete"),
    ]
    assert log[0].new_values == {
        "year": 2026,
        "weights": {"agreements": 50, "amount": 50},
        "completion_cap_pct": 110,
        "bonus_cap": "5",
    }
    assert log[2].old_values is not None
    assert log[2].old_values["reason"] == "承办对接会"
    assert all(a.actor_user_id == staff_user.id for a in log)
    # 正余镇's staff see the ranking, and the breakdown of their town only.
    seen = contest.standing(session, zy_staff, year=2026, quarter=1)
    assert len(seen.towns) == session.scalar(select(func.count()).select_from(Town))
    assert {t.town_id for t in seen.towns if t.visible} == {ids["zy"]}
    other = next(t for t in seen.as_json()["towns"] if t["town_id"] == ids["sc"])
    assert other["parts"] is None
    assert other["bonus"] is None
    assert other["score"] > 0
    ent = principal(make_user(session, role="enterprise"))
    with pytest.raises(Forbidden):
        contest.standing(session, ent, year=2026, quarter=1)


@pytest.mark.parametrize(
    ("weights", "cap", "bonus_cap", "field", "message"),
    [
        ({"amount": "-5"}, "120", "10", "w-amount", "不能为负数"),
        ({"amount": "2.5"}, "120", "10", "w-amount", "整数"),
        ({"amount": "9" * 30}, "120", "10", "w-amount", "整数"),
        ({"amount": "1001"}, "120", "10", "w-amount", "不能超过"),
        ({"amount": "600", "agreements": "600"}, "120", "10", "weights", "之和"),
        ({}, "120", "10", "weights", "之和"),  # every weight 0
        ({"amount": "１０"}, "120", "10", "w-amount", "整数"),  # full-width digits
        ({"amount": "10"}, "99", "10", "cap", "100%–300%"),
        ({"amount": "10"}, "301", "10", "cap", "100%–300%"),
        ({"amount": "10"}, "1e3", "10", "cap", "整数"),
        ({"amount": "10"}, "120", "1.25", "bonus_cap", "1 位小数"),
        ({"amount": "10"}, "120", "1000", "bonus_cap", "不能超过"),
        ({"amount": "10"}, "120", "NaN", "bonus_cap", "数字"),
        ({"amount": "10\x00"}, "120", "10", "w-amount", "整数"),
    ],
)
def test_hostile_rules_are_refused_in_chinese(
    weights: dict[str, str], cap: str, bonus_cap: str, field: str, message: str
) -> None:
    typed = dict.fromkeys(REGISTRY, "0") | weights
    form = contest.parse_rules(typed, cap, bonus_cap)
    assert field in form.errors, form.errors
    assert message in form.errors[field]


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("-1", "不能为负数"),
        ("0", "大于 0"),
        ("10.5", "上限"),
        ("0.15", "1 位小数"),
        ("abc", "数字"),
        ("Infinity", "数字"),
        ("", "请填写"),
    ],
)
def test_hostile_bonus_points_are_refused(points: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        contest.parse_points(points, D(10))
    assert message in err.value.message


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "请填写"),
        ("   ", "请填写"),
        ("承" * 201, "200"),
        ("承办\x00活动", "控制字符"),
        ("承办\u202e活动", "方向"),
    ],
)
def test_hostile_reasons_are_refused(reason: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        contest.clean_reason(reason)
    assert message in err.value.message


def test_bad_quarter_year_and_forged_town_are_refused(session: Session) -> None:
    staff = principal(make_user(session, role="staff"))
    for quarter in (0, 5):
        with pytest.raises(InvalidInput, match="季度"):
            contest.standing(session, staff, year=2026, quarter=quarter)
    with pytest.raises(InvalidInput, match="年份"):
        contest.standing(session, staff, year=1999, quarter=1)
    with pytest.raises(InvalidInput, match="区镇"):
        contest.add_bonus(
            session, staff, year=2026, quarter=1, town_id=10**9, points=D(1), reason="伪造区镇"
        )
    weights = {"amount": 10}
    with pytest.raises(InvalidInput):
        contest.set_rules(
            session, staff, year=2026, weights={"amount": -1}, cap_pct=120, bonus_cap=D(1)
        )
    with pytest.raises(InvalidInput):
        contest.set_rules(
            session, staff, year=2026, weights={"forged": 10}, cap_pct=120, bonus_cap=D(1)
        )
    with pytest.raises(InvalidInput):
        contest.set_rules(session, staff, year=2026, weights=weights, cap_pct=1000, bonus_cap=D(1))
    assert session.scalar(select(AuditLog.id)) is None  # nothing half-written


def test_a_blank_weight_means_not_scored() -> None:
    typed = dict.fromkeys(REGISTRY, "") | {"amount": " 60 ", "received": "40"}
    form = contest.parse_rules(typed, "120", "10")
    assert form.errors == {}
    assert {code: w for code, w in form.weights.items() if w} == {"amount": 60, "received": 40}


def test_changed_rules_are_audited_with_old_and_new(session: Session) -> None:
    staff = principal(make_user(session, role="staff"))
    weights = {"amount": 60, "received": 40}
    for _twice in range(2):  # the second save changes nothing: no entry
        contest.set_rules(session, staff, year=2027, weights=weights, cap_pct=120, bonus_cap=D(10))
    contest.set_rules(
        session, staff, year=2027, weights={"amount": 100}, cap_pct=130, bonus_cap=D("7.5")
    )
    log = session.scalars(
        select(AuditLog).where(AuditLog.entity_kind == "contest_rules").order_by(AuditLog.id)
    ).all()
    assert [a.action.value for a in log] == ["create", "update"]
    assert log[1].old_values is not None
    assert log[1].new_values is not None
    assert log[1].old_values["weights"] == {"amount": 60, "received": 40}
    assert log[1].new_values == {
        "year": 2027,
        "weights": {"amount": 100},
        "completion_cap_pct": 130,
        "bonus_cap": "7.5",
    }
    # Other years keep the defaults.
    assert not contest.rules_for(session, 2026).stored
    assert contest.rules_for(session, 2026).total == 100
