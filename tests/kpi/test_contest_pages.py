"""季度竞赛 through the app: the ranking page, rules and bonus forms, the workbook, the API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import AuditLog, ContestBonus, ContestRules, KpiTarget
from tests.conftest import add_org, make_user
from tests.factories import make_org
from tests.kpi.helpers import agreement, contract, payment, town_id
from tests.web.pages_helpers import csrf, login, soup


def _data(factory: sessionmaker[Session]) -> dict[str, int]:
    """Q1 2026: 三厂街道 ahead of its amount target, 正余镇 behind; 三厂 has no count target."""
    with factory() as session:
        sc, zy = town_id(session, "三厂街道"), town_id(session, "正余镇")
        ent = make_org(session, kind="enterprise", town="三厂街道").id
        uni = make_org(session, kind="university").id
        agreement(session, company=ent, partner=uni, town=sc, signed_on=date(2026, 3, 3))
        big = contract(session, town=sc, registered_on=date(2026, 3, 31), amount="500")
        contract(session, town=zy, registered_on=date(2026, 3, 2), amount="40")
        payment(session, big, date(2026, 3, 31), "100")
        for town, annual in ((sc, "1200"), (zy, "320")):
            session.add(
                KpiTarget(year=2026, indicator="amount", town_key=town, town_id=town, annual=annual)
            )
        session.commit()
    return {"sc": sc, "zy": zy}


def _weights(**points: str) -> dict[str, str]:
    """Every indicator's weight field: 0 unless given."""
    return {f"w-{code}": points.get(code, "0") for code in REGISTRY}


def _browser(
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
    name: str,
    role: str = "staff",
    **kw: object,
) -> TestClient:
    make_user(factory, name, role, **kw)  # type: ignore[arg-type]
    browser = make_client()
    login(browser, name)
    return browser


def _ranking(html: str) -> list[list[str]]:
    table = soup(html).select_one("table.contest-ranking")
    assert table is not None
    return [
        [c.get_text(" ", strip=True) for c in tr.select("td, th")]
        for tr in table.select("tbody tr")
    ]


def test_district_staff_rank_towns_set_rules_and_bonuses(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    ids = _data(factory)
    browser = _browser(make_client, factory, "contest_staff")
    page = browser.get("/contest?year=2026&quarter=1")
    assert page.status_code == 200, page.text[:300]
    rows = _ranking(page.text)
    # 三厂街道: amount 500 of 300 due, counted 120 % of 25 points = 30.
    assert rows[0][:2] == ["1", "三厂街道"]
    assert rows[0][-1] == "30.00"
    # 正余镇: 40 of 80 due = 50 % of 25 = 12.5.
    assert rows[1][:2] == ["2", "正余镇"]
    assert rows[1][-1] == "12.50"
    # The agreements column: neither town has a target for it.
    assert "未设目标" in rows[0]
    assert ("/contest", "季度竞赛") in [
        (a["href"], a.get_text()) for a in soup(page.text).select("nav.main a")
    ]
    token = csrf(browser, "/contest?year=2026&quarter=1")

    # Rules: only the amount counts, capped at 150 %.
    form = {"csrf_token": token, "year": "2026", "quarter": "1", "cap": "150", "bonus_cap": "5"}
    saved = browser.post(
        "/contest/rules", data={**form, **_weights(amount="40")}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text[:500]
    rows = _ranking(browser.get("/contest?year=2026&quarter=1").text)
    assert rows[0][-1] == "60.00"  # 40 × 150 %
    assert rows[1][-1] == "20.00"  # 40 × 50 %

    # Bonus: 正余镇 gets 4 + 3 points, of which 5 (the cap) are counted.
    for points, reason in (("4", "承办市级对接活动"), ("3", '=HYPERLINK("x")')):
        added = browser.post(
            "/contest/bonus",
            data={
                "csrf_token": token,
                "year": "2026",
                "quarter": "1",
                "town": str(ids["zy"]),
                "points": points,
                "reason": reason,
            },
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text[:500]
    page = browser.get("/contest?year=2026&quarter=1")
    rows = _ranking(page.text)
    zy = next(r for r in rows if r[1] == "正余镇")
    assert zy[-1] == "25.00"
    assert zy[-2] == "5 （7）"  # counted (entered)
    assert "承办市级对接活动" in page.text

    # The workbook: Chinese headings, a reason typed as a formula stays text.
    book_response = browser.get("/contest/download.xlsx?year=2026&quarter=1")
    assert book_response.status_code == 200
    disposition = book_response.headers["content-disposition"]
    assert quote("2026年第1季度产学研合作工作竞赛", safe="") in disposition
    book = openpyxl.load_workbook(BytesIO(book_response.content))
    assert book.sheetnames == ["竞赛排名", "得分明细", "加分项"]
    ranking = list(book["竞赛排名"].iter_rows(values_only=True))
    assert ranking[2][:6] == ("排名", "区镇", "总得分", "指标得分", "加分（录入）", "加分（计入）")
    assert ranking[3][:3] == (1, "三厂街道", 60.0)
    bonus_cells = [c for row in book["加分项"].iter_rows() for c in row]
    formula = next(c for c in bonus_cells if c.value == '=HYPERLINK("x")')
    assert formula.data_type == "s"

    # The API agrees with the page.
    api = browser.get(
        "/api/v1/kpi/contest?year=2026&quarter=1",
        headers={"X-CSRF-Token": csrf(browser, "/contest")},
    )
    assert api.status_code == 200
    towns = {t["town"]: t for t in api.json()["towns"]}
    assert towns["正余镇"]["score"] == 25.0
    assert towns["正余镇"]["bonus"]["entered"] == 7
    assert towns["正余镇"]["bonus"]["counted"] == 5
    assert api.json()["rules"]["completion_cap_percent"] == 150

    # Deleting a bonus item brings the score down; each change is in the audit log.
    with factory() as session:
        first = session.scalar(select(ContestBonus.id).order_by(ContestBonus.id))
    gone = browser.post(
        f"/contest/bonus/{first}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert gone.status_code == 303
    zy = next(
        r for r in _ranking(browser.get("/contest?year=2026&quarter=1").text) if r[1] == "正余镇"
    )
    assert zy[-1] == "23.00"
    with factory() as session:
        kinds = session.scalars(
            select(AuditLog.entity_kind).where(AuditLog.entity_kind.like("contest%"))
        ).all()
        assert sorted(kinds) == ["contest_bonus"] * 3 + ["contest_rules"]
    forged = browser.post(
        "/contest/bonus/999999999/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert forged.status_code == 404


def test_hostile_forms_are_refused_and_nothing_is_written(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    _data(factory)
    browser = _browser(make_client, factory, "contest_hostile")
    token = csrf(browser, "/contest?year=2026&quarter=1")
    bad_rules = browser.post(
        "/contest/rules",
        data={
            "csrf_token": token,
            "year": "2026",
            "quarter": "1",
            "w-amount": "-5",
            "w-agreements": "99999999999",
            "cap": "500",
            "bonus_cap": "abc",
        },
    )
    assert bad_rules.status_code == 400
    for message in ("不能为负数", "整数", "100%–300%", "不是数字"):
        assert message in bad_rules.text, message
    all_zero = browser.post(
        "/contest/rules",
        data={"csrf_token": token, "year": "2026", "quarter": "1", "cap": "120", "bonus_cap": "10"}
        | _weights(),
    )
    assert all_zero.status_code == 400
    assert "之和" in all_zero.text
    forged_town = browser.post(
        "/contest/bonus",
        data={
            "csrf_token": token,
            "year": "2026",
            "quarter": "1",
            "town": "987654321",
            "points": "1",
            "reason": "伪造的区镇",
        },
    )
    assert forged_town.status_code == 400
    assert "没有这个区镇" in forged_town.text
    hostile = browser.post(
        "/contest/bonus",
        data={
            "csrf_token": token,
            "year": "2026",
            "quarter": "1",
            "town": "1",
            "points": "1e9",
            "reason": "办\x00活动",
        },
    )
    assert hostile.status_code == 400
    assert "控制字符" in hostile.text
    assert "上限" in hostile.text or "1 位小数" in hostile.text
    bad_quarter = browser.post(
        "/contest/bonus",
        data={
            "csrf_token": token,
            "year": "2026",
            "quarter": "5",
            "town": "1",
            "points": "1",
            "reason": "季度错误",
        },
    )
    assert bad_quarter.status_code == 422
    assert "季度" in bad_quarter.text
    with factory() as session:
        assert session.scalar(select(ContestRules.id)) is None
        assert session.scalar(select(ContestBonus.id)) is None
    page = browser.get("/contest?year=2026&quarter=5")
    assert page.status_code == 422
    text = soup(page.text).get_text()
    assert "季度：" in text
    assert "quarter" not in text
    assert browser.get("/contest?year=99999").status_code == 422


def test_town_staff_see_the_ranking_and_only_their_breakdown(
    make_client: Callable[..., TestClient],
    client: TestClient,
    factory: sessionmaker[Session],
) -> None:
    ids = _data(factory)
    with factory() as session:
        session.add(
            ContestBonus(
                year=2026, quarter=1, town_id=ids["sc"], points=Decimal(2), reason="三厂的加分"
            )
        )
        session.commit()
    browser = _browser(make_client, factory, "contest_zy", town="正余镇")
    page = browser.get("/contest?year=2026&quarter=1")
    assert page.status_code == 200
    rows = _ranking(page.text)
    sc = next(r for r in rows if r[1] == "三厂街道")
    assert sc[-1] == "32.00"  # the total is public
    assert set(sc[2:-1]) == {"—"}  # the breakdown is not
    details = [h.get_text(" ", strip=True) for h in soup(page.text).select(".contest-detail h3")]
    assert len(details) == 1
    assert "正余镇" in details[0]
    assert "三厂的加分" not in page.text
    assert soup(page.text).select("form[action='/contest/rules']") == []
    token = csrf(browser, "/contest")
    for url, data in (
        (
            "/contest/rules",
            {"year": "2026", "quarter": "1", "w-amount": "100", "cap": "300", "bonus_cap": "100"},
        ),
        (
            "/contest/bonus",
            {
                "year": "2026",
                "quarter": "1",
                "town": str(ids["zy"]),
                "points": "10",
                "reason": "自评加分",
            },
        ),
        ("/contest/bonus/1/delete", {}),
    ):
        refused = browser.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        assert refused.status_code == 403, url
    book = openpyxl.load_workbook(
        BytesIO(browser.get("/contest/download.xlsx?year=2026&quarter=1").content)
    )
    assert [r[0] for r in book["得分明细"].iter_rows(min_row=2, values_only=True)] == ["正余镇"] * 7
    assert "三厂的加分" not in [c for r in book["加分项"].iter_rows(values_only=True) for c in r]
    api = browser.get("/api/v1/kpi/contest?year=2026&quarter=1")
    towns = {t["town"]: t for t in api.json()["towns"]}
    assert towns["三厂街道"]["parts"] is None
    assert towns["正余镇"]["parts"] is not None

    org = add_org(client, "海门竞赛测试科技有限公司", "enterprise")
    company = _browser(make_client, factory, "contest_company", "enterprise", org_id=org)
    assert company.get("/contest").status_code == 403
    assert company.get("/contest/download.xlsx").status_code == 403
