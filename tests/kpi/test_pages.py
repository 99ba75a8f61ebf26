"""The dashboard, drill-downs, targets and reports as staff use them through the app."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import docx
import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.models import AuditLog, KpiTarget, MonthlyReport, TechContract
from tests.conftest import make_user
from tests.factories import make_org
from tests.kpi.helpers import agreement, contract, payment, town_id
from tests.web.pages_helpers import csrf, login, soup


def _data(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        sc, zy = town_id(session, "三厂街道"), town_id(session, "正余镇")
        ent = make_org(session, kind="enterprise", town="三厂街道", name="=HYPERLINK(1)").id
        uni = make_org(session, kind="university").id
        agreement(session, company=ent, partner=uni, town=sc, signed_on=date(2026, 3, 3))
        big = contract(session, town=sc, registered_on=date(2026, 3, 31), amount="500")
        contract(session, town=zy, registered_on=date(2026, 3, 2), amount="40")
        payment(session, big, date(2026, 3, 31), "100")
        session.commit()


def _staff(make_client: Callable[..., TestClient], factory: sessionmaker[Session]) -> TestClient:
    make_user(factory, "kpi_staff", "staff")
    browser = make_client()
    login(browser, "kpi_staff")
    return browser


def test_dashboard_cards_link_to_the_records_behind_them(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    _data(factory)
    browser = _staff(make_client, factory)
    page = browser.get("/dashboard?year=2026&month=3")
    assert page.status_code == 200, page.text[:300]
    html = soup(page.text)
    assert "数据截至" in page.text
    cards = {c.h2.get_text(" ", strip=True): c for c in html.select(".kpi-card")}
    amount = cards["技术合同成交额 万元"]
    link = amount.select_one(".kpi-main a")
    assert link is not None
    assert link.get_text(strip=True) == "540"
    records = browser.get(str(link["href"]))
    assert records.status_code == 200
    rows = soup(records.text).select("table.records tbody tr")
    assert len(rows) == 2
    assert "三厂街道" in records.text
    assert "正余镇" in records.text
    assert ("/dashboard", "考核看板") in [
        (a["href"], a.get_text()) for a in html.select("nav.main a")
    ]
    summary = browser.get(
        "/api/v1/kpi/summary?year=2026&month=3",
        headers={"X-CSRF-Token": csrf(browser, "/dashboard")},
    )
    assert summary.status_code == 200
    figures = {f["indicator"]: f for f in summary.json()["indicators"]}
    assert figures["amount"]["year_to_date"] == 540
    assert figures["received"]["month"] == 100


def test_targets_page_saves_and_refuses_hostile_values(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    browser = _staff(make_client, factory)
    token = csrf(browser, "/targets?year=2026")
    with factory() as session:
        sc = town_id(session, "三厂街道")
    bad = browser.post(
        "/targets",
        data={"csrf_token": token, "year": "2026", f"t-amount-{sc}": "-3", "t-contracts-0": "1e40"},
    )
    assert bad.status_code == 400
    assert "不能为负数" in bad.text
    assert "过大" in bad.text
    with factory() as session:
        assert session.scalar(select(KpiTarget.id)) is None  # nothing half-written
    ok = browser.post(
        "/targets",
        data={"csrf_token": token, "year": "2026", f"t-amount-{sc}": "1,200"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with factory() as session:
        target = session.scalar(select(KpiTarget))
        assert target is not None
        assert target.annual == Decimal(1200)
        assert target.town_id == sc
        assert session.scalar(select(AuditLog.entity_kind)) == "kpi_target"


def test_a_frozen_report_does_not_change_when_the_data_does(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    _data(factory)
    browser = _staff(make_client, factory)
    token = csrf(browser, "/reports")
    issued = browser.post(
        "/reports",
        data={"csrf_token": token, "year": "2026", "month": "3", "plan": "组织高校院所走进正余镇"},
        follow_redirects=False,
    )
    assert issued.status_code == 303, issued.text[:500]
    url = issued.headers["location"]
    first = _bulletin(browser.get(url).text)
    word = browser.get(url + "/download.docx")
    assert word.status_code == 200
    # Saved under the bulletin's Chinese title (with a plain fallback for old clients).
    disposition = word.headers["content-disposition"]
    assert quote("2026年3月产学研合作工作通报", safe="") in disposition
    assert 'filename="report-' in disposition
    text = "\n".join(p.text for p in docx.Document(BytesIO(word.content)).paragraphs)
    assert "2026年3月产学研合作工作通报" in text
    assert "组织高校院所走进正余镇" in text
    book = openpyxl.load_workbook(BytesIO(browser.get(url + "/download.xlsx").content))
    assert book.sheetnames[0] == "总体完成情况"
    # A name typed as a formula stays text in the workbook.
    cells = [c.value for row in book["主要工作"].iter_rows() for c in row]
    assert "=HYPERLINK(1)" in cells
    assert book["主要工作"].cell(2, 3).data_type == "s"

    with factory() as session:
        session.execute(TechContract.__table__.update().values(amount_wan=Decimal("1")))
        session.commit()
    assert _bulletin(browser.get(url).text) == first
    assert "540" in first
    with factory() as session:
        report = session.scalar(select(MonthlyReport))
        assert report is not None
        amount = next(f for f in report.snapshot["overall"] if f["indicator"] == "amount")
        assert amount["year_to_date"] == 540

    # Issuing the month again is a correction: it needs a note, and keeps the first.
    again = browser.post("/reports", data={"csrf_token": token, "year": "2026", "month": "3"})
    assert again.status_code == 400
    assert "更正说明" in again.text
    corrected = browser.post(
        "/reports",
        data={"csrf_token": token, "year": "2026", "month": "3", "note": "合同金额核对后更正"},
        follow_redirects=False,
    )
    assert corrected.status_code == 303
    with factory() as session:
        versions = session.scalars(select(MonthlyReport).order_by(MonthlyReport.version)).all()
        assert [v.version for v in versions] == [1, 2]
        amounts = [
            next(f for f in v.snapshot["overall"] if f["indicator"] == "amount")["year_to_date"]
            for v in versions
        ]
        assert amounts == [540, 2]
    listing = browser.get("/reports").text
    assert "更正版1" in listing
    assert "合同金额核对后更正" in listing


def _bulletin(html: str) -> str:
    article = soup(html).select_one("article.bulletin")
    assert article is not None
    return str(article)


def test_the_two_monthly_review_shows_rank_moves(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    browser = _staff(make_client, factory)
    token = csrf(browser, "/reports")

    def issue(month: str) -> str:
        response = browser.post(
            "/reports",
            data={"csrf_token": token, "year": "2026", "month": month},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:300]
        return str(response.headers["location"]).rsplit("/", 1)[1]

    january = issue("1")
    # 正余镇 gets a big registered contract in March: it moves to first place.
    with factory() as session:
        contract(session, town=town_id(session, "正余镇"), registered_on=date(2026, 3, 5))
        session.commit()
    march = issue("3")
    listing = soup(browser.get("/reports").text)
    link = listing.select_one(f"a[href='/reports/{march}/review?against={january}']")
    assert link is not None
    review = browser.get(str(link["href"]))
    assert review.status_code == 200
    rows = [
        [td.get_text(" ", strip=True) for td in tr.select("td")]
        for tr in soup(review.text).select("tbody tr")
    ]
    zhengyu = next(r for r in rows if r[0] == "技术合同登记项数" and r[1].startswith("正余镇"))
    assert zhengyu[2] == "1"
    assert zhengyu[4].startswith("↑")
    backwards = browser.get(f"/reports/{january}/review?against={march}")
    assert backwards.status_code == 422
    # A report number past what the database holds is refused, not a server error.
    for huge in (2**63, -(2**63) - 1):
        past = browser.get(f"/reports/{march}/review?against={huge}")
        assert past.status_code == 422, past.text[:300]
        # The message names the field in Chinese (it said "against：…").
        assert "对比的通报：" in past.text
        assert "against" not in soup(past.text).get_text()


def test_a_monthly_split_through_the_api_sets_the_schedule(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    _data(factory)
    api = make_client(make_user(factory, "kpi_api", "staff"))
    monthly = ["0", "0", "300", *["100"] * 9]  # 1200 in all, nothing due before March
    saved = api.put(
        "/api/v1/kpi/targets",
        json={
            "year": 2026,
            "indicator": "amount",
            "town": "",
            "annual": "1200",
            "monthly": monthly,
        },
    )
    assert saved.status_code == 200, saved.text
    figures = {
        f["indicator"]: f
        for f in api.get("/api/v1/kpi/summary?year=2026&month=3").json()["indicators"]
    }
    assert figures["amount"]["schedule"] == 300
    assert figures["amount"]["schedule_ratio"] == 540 / 300
    assert figures["amount"]["rag"] == "green"
    uneven = api.put(
        "/api/v1/kpi/targets",
        json={"year": 2026, "indicator": "amount", "annual": "1000", "monthly": monthly},
    )
    assert uneven.status_code == 422
    assert "之和" in uneven.text
    for bad in ({"annual": "-1"}, {"annual": "1e20"}, {"indicator": "amount\x00"}):
        body = {"year": 2026, "indicator": "amount", "annual": "5", **bad}
        assert api.put("/api/v1/kpi/targets", json=body).status_code == 422
