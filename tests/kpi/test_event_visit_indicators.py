"""The event and clinic-visit indicators equal counts made here from the raw rows.

The rules checked: only events marked held (or archived after) count, by their date, in
their town (an event without a town only in the district total); participants are the
organizations registered (not invited only, not cancelled, not experts in person) of
held events; diagnoses and the needs published from them by their China-time moment, in
the company's town; drafts not published do not count; the records behind each figure
are as many as the figure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import EventStatus, RegistrationStatus
from matchmaking.exceptions import Forbidden, InvalidInput
from matchmaking.kpi import service
from matchmaking.models import (
    DiagnosisNeed,
    DiagnosisRecord,
    DiagnosisRequest,
    Event,
    KpiTarget,
    Need,
    Organization,
    Registration,
)
from matchmaking.visits.states import DraftStatus
from tests.conftest import make_user as make_login
from tests.factories import make_expert, make_need, make_org, make_user
from tests.kpi.helpers import event, need_from, principal, registration, town_id, visit
from tests.web.pages_helpers import csrf, login, soup

CST = ZoneInfo("Asia/Shanghai")
CODES = ("events_held", "event_participants", "visits_made", "visit_needs")
HELD = {EventStatus.HELD, EventStatus.ARCHIVED}


@pytest.fixture
def session(factory: sessionmaker[Session]) -> Session:
    return factory()


def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A China-time moment as the application stores it (UTC)."""
    return datetime(year, month, day, hour, minute, tzinfo=CST).astimezone(UTC)


def _world(session: Session) -> dict[str, int]:
    sc, zy = town_id(session, "三厂街道"), town_id(session, "正余镇")
    a = make_org(session, kind="enterprise", town="三厂街道")
    b = make_org(session, kind="enterprise", town="正余镇")
    c = make_org(session, kind="enterprise", town="正余镇")
    d = make_org(session, kind="enterprise", town="三厂街道")
    uni = make_org(session, kind="university")
    expert = make_expert(session, org_id=uni.id)

    # Held on the last day of March in 三厂街道: A, B and the university registered; C
    # cancelled, D only invited, the expert in person: 3 participating organizations.
    e1 = event(session, town=sc, held_on=date(2026, 3, 31))
    for org in (a, b, uni):
        registration(session, e1, org, checked_in=org is a)
    registration(session, e1, c, status=RegistrationStatus.CANCELLED)
    registration(session, e1, d, status=RegistrationStatus.INVITED)
    registration(session, e1, expert=expert)
    # Archived after it was held, 1 April in 正余镇.
    e2 = event(session, town=zy, held_on=date(2026, 4, 1), status=EventStatus.ARCHIVED)
    registration(session, e2, b)
    # A district event with no town: in the district total only.
    e3 = event(session, town=None, held_on=date(2026, 3, 15))
    registration(session, e3, a)
    registration(session, e3, c)
    # Its date passed but never marked held (registration closed), and a draft: not counted.
    e4 = event(session, town=sc, held_on=date(2026, 3, 10), status=EventStatus.CLOSED)
    registration(session, e4, a)
    registration(
        session, event(session, town=zy, held_on=date(2026, 2, 1), status=EventStatus.DRAFT), b
    )
    # Last year, for the year on year.
    registration(session, event(session, town=zy, held_on=date(2025, 3, 5)), c)

    # Diagnoses either side of China-time midnight at the end of October.
    r1 = visit(session, company=a, at=datetime(2026, 10, 31, 23, 30, tzinfo=CST), expert=expert)
    r2 = visit(session, company=b, at=datetime(2026, 11, 1, 0, 10, tzinfo=CST))
    r3 = visit(session, company=d, at=datetime(2026, 11, 15, 10, 0, tzinfo=CST), expert=expert)
    # Published needs: 31 October 23:50 China time (15:50 UTC) is October's.
    n1 = make_need(session, org_id=a.id, created_at=_utc(2026, 10, 31, 23, 50))
    n2 = make_need(session, org_id=b.id, created_at=_utc(2026, 11, 2, 9, 0))
    need_from(session, r1, n1)
    need_from(session, r2, n2)
    # Drafted and not yet confirmed, or discarded: not counted.
    need_from(session, r3, None, DraftStatus.DRAFTED)
    need_from(session, r3, None, DraftStatus.DISCARDED)
    # A need the company posted itself: a posted need, not one formed by a visit.
    make_need(session, org_id=d.id, created_at=_utc(2026, 11, 3, 9, 0))
    return {"sc": sc, "zy": zy, "e1": e1.id, "e3": e3.id, "r1": r1.request_id}


def _months(value: date | datetime) -> tuple[int, int]:
    if isinstance(value, datetime):
        # SQLite gives back the stored UTC moment without its zone.
        value = value.replace(tzinfo=value.tzinfo or UTC).astimezone(CST)
    return value.year, value.month


def _expected(session: Session, year: int, month: int, town: int | None) -> dict[str, list[int]]:
    """Per indicator: [year to ``month``, ``month`` alone], straight from the rows."""
    out = {code: [0, 0] for code in CODES}

    def add(code: str, when: date | datetime, town_of_row: int | None) -> None:
        y, m = _months(when)
        if y != year or m > month or (town is not None and town_of_row != town):
            return
        out[code][0] += 1
        out[code][1] += m == month

    events = {e.id: e for e in session.scalars(select(Event))}
    for e in events.values():
        if e.status in HELD:
            add("events_held", e.held_on, e.town_id)
    for r in session.scalars(select(Registration)):
        e = events[r.event_id]
        speaks_for_org = r.expert_id is None and r.org_id is not None
        if e.status in HELD and r.status is RegistrationStatus.REGISTERED and speaks_for_org:
            add("event_participants", e.held_on, e.town_id)
    town_of_company = dict(session.execute(select(Organization.id, Organization.town_id)).all())
    company_of_request = dict(
        session.execute(select(DiagnosisRequest.id, DiagnosisRequest.org_id)).all()
    )
    records = {d.id: d for d in session.scalars(select(DiagnosisRecord))}
    for d in records.values():
        add("visits_made", d.created_at, town_of_company[company_of_request[d.request_id]])
    for dn in session.scalars(select(DiagnosisNeed)):
        if dn.status is DraftStatus.PUBLISHED and dn.need_id is not None:
            need = session.get(Need, dn.need_id)
            assert need is not None
            company = company_of_request[records[dn.record_id].request_id]
            add("visit_needs", need.created_at, town_of_company[company])
    return out


@pytest.mark.parametrize("month", [3, 4, 10, 11, 12])
def test_figures_equal_the_raw_rows(session: Session, month: int) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    for town, name in ((None, None), (ids["sc"], "三厂街道"), (ids["zy"], "正余镇")):
        view = service.view_for(session, staff, year=2026, month=month, town=name)
        got = {f.code: f for f in service.summary(session, view)}
        for code, (ytd, in_month) in _expected(session, 2026, month, town).items():
            assert got[code].ytd == ytd, (code, name, month)
            assert got[code].month == in_month, (code, name, month)
    # The rules by number: three organizations of the nine registrations of 31 March, two
    # of the four drafts; one event last year.
    april = {
        f.code: f
        for f in service.summary(session, service.view_for(session, staff, year=2026, month=4))
    }
    assert april["events_held"].ytd == 3
    assert april["event_participants"].ytd == 3 + 1 + 2
    assert april["events_held"].prev_ytd == 1
    december = {
        f.code: f
        for f in service.summary(session, service.view_for(session, staff, year=2026, month=12))
    }
    assert december["visits_made"].ytd == 3
    assert december["visit_needs"].ytd == 2


def test_diagnoses_are_placed_by_china_time_midnight(session: Session) -> None:
    _world(session)
    staff = principal(make_user(session, role="staff"))
    october = {
        f.code: f
        for f in service.summary(session, service.view_for(session, staff, year=2026, month=10))
    }
    # 31 October 23:30 China time is 15:30 UTC: October; 1 November 00:10 is still 31
    # October in UTC, but November here.
    assert october["visits_made"].month == 1
    assert october["visit_needs"].month == 1
    november = {
        f.code: f
        for f in service.summary(session, service.view_for(session, staff, year=2026, month=11))
    }
    assert november["visits_made"].month == 2
    assert november["visits_made"].ytd == 3
    assert november["visit_needs"].month == 1
    rows = service.records(
        session,
        service.view_for(session, staff, year=2026, month=10),
        "visits_made",
        period="month",
    ).rows
    assert [r["date"] for r in rows] == ["2026-10-31 23:30"]


def test_an_event_without_a_town_counts_in_the_district_total_only(session: Session) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    district = service.view_for(session, staff, year=2026, month=3)
    held = {f.code: f for f in service.summary(session, district)}["events_held"]
    assert held.ytd == 2  # 31 March in 三厂街道, 15 March without a town
    ranking = service.ranking(session, district, "events_held")
    assert sum(r["year_to_date"] for r in ranking) == 1
    found = service.records(session, district, "events_held")
    assert {r["id"] for r in found.rows} == {ids["e1"], ids["e3"]}
    assert {r["town"] for r in found.rows} == {"三厂街道", ""}
    for name in ("三厂街道", "正余镇"):
        view = service.view_for(session, staff, year=2026, month=3, town=name)
        assert ids["e3"] not in {
            r["id"] for r in service.records(session, view, "events_held").rows
        }
    sc_staff = principal(make_user(session, role="staff", town_id=ids["sc"]))
    own = service.view_for(session, sc_staff, year=2026, month=3)
    got = {f.code: f for f in service.summary(session, own)}
    assert got["events_held"].ytd == 1
    assert got["event_participants"].ytd == 3


def test_town_staff_see_only_their_towns_rows(session: Session) -> None:
    ids = _world(session)
    zy_staff = principal(make_user(session, role="staff", town_id=ids["zy"]))
    view = service.view_for(session, zy_staff, year=2026, month=12)
    got = {f.code: f for f in service.summary(session, view)}
    want = _expected(session, 2026, 12, ids["zy"])
    assert {c: got[c].ytd for c in CODES} == {c: want[c][0] for c in CODES}
    assert got["visits_made"].ytd == 1
    for code in CODES:
        rows = service.records(session, view, code).rows
        assert rows
        assert {r["town"] for r in rows} == {"正余镇"}, code
    assert [r["town"] for r in service.ranking(session, view, "visits_made")] == ["正余镇"]
    with pytest.raises(Forbidden):
        service.view_for(session, zy_staff, year=2026, town="三厂街道")
    # A forged town name is refused in Chinese, not read as "every town".
    staff = principal(make_user(session, role="staff"))
    with pytest.raises(InvalidInput) as err:
        service.view_for(session, staff, year=2026, town="不存在镇\x00")
    assert "区镇" in err.value.message
    assert "控制字符" in err.value.message


@pytest.mark.parametrize("code", CODES)
def test_the_records_behind_a_figure_are_as_many_as_it(session: Session, code: str) -> None:
    ids = _world(session)
    staff = principal(make_user(session, role="staff"))
    for month in (3, 4, 10, 11, 12):
        for name in (None, "三厂街道", "正余镇"):
            view = service.view_for(session, staff, year=2026, month=month, town=name)
            figure = {f.code: f for f in service.summary(session, view)}[code]
            for period, value in (("ytd", figure.ytd), ("month", figure.month)):
                found = service.records(session, view, code, period=period, size=100)
                assert found.total == len(found.rows) == value, (code, month, name, period)
    view = service.view_for(session, staff, year=2026, month=12)
    found = service.records(session, view, code)
    assert found.kind == ("events" if code.startswith("event") else "visits")
    assert all(r["url"] for r in found.rows)
    assert all(len(r["extra"]) == len(found.columns) for r in found.rows)
    # Chinese only: column headings and the shown values carry no English code.
    for text in found.columns + [v for r in found.rows for v in r["extra"]]:
        assert not any(word in text for word in ("enterprise", "university", "expert", "None"))
    if code == "events_held":
        assert f"/events/{ids['e1']}" in {r["url"] for r in found.rows}
        e1 = next(r for r in found.rows if r["id"] == ids["e1"])
        assert dict(zip(found.columns, e1["extra"], strict=True))["参会单位"] == "3"
    if code == "event_participants":
        assert {r["url"] for r in found.rows} >= {f"/events/{ids['e1']}"}
        kinds = {v for r in found.rows for v in r["extra"][:1]}
        assert kinds == {"企业", "高校"}
    if code == "visits_made":
        assert f"/visits/requests/{ids['r1']}" in {r["url"] for r in found.rows}
    if code == "visit_needs":
        assert all(str(r["url"]).startswith("/needs/") for r in found.rows)


def test_pages_show_the_new_cards_records_and_targets(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    with factory() as s:
        ids = _world(s)
        s.commit()
    make_login(factory, "kpi_ev_staff", "staff")
    browser = make_client()
    login(browser, "kpi_ev_staff")
    page = browser.get("/dashboard?year=2026&month=3")
    assert page.status_code == 200
    cards = {c.h2.get_text(" ", strip=True): c for c in soup(page.text).select(".kpi-card") if c.h2}
    for title in ("开展对接活动 场", "对接活动参会单位 家", "专家巡诊 次", "巡诊形成需求 条"):
        assert title in cards
    held = cards["开展对接活动 场"].select_one(".kpi-main a")
    assert held is not None
    assert held.get_text(strip=True) == "2"
    records = browser.get(str(held["href"]))
    assert records.status_code == 200
    html = soup(records.text)
    assert [th.get_text() for th in html.select("table.records thead th")] == [
        "名称",
        "日期",
        "区镇",
        "地点",
        "主办单位",
        "参会单位",
    ]
    links = {a["href"] for a in html.select("table.records tbody a")}
    assert links == {f"/events/{ids['e1']}", f"/events/{ids['e3']}"}
    # The links open: a held event's page, and a diagnosis's visit brief.
    assert browser.get(f"/events/{ids['e1']}").status_code == 200
    visits = browser.get("/dashboard/records?indicator=visits_made&period=ytd&year=2026&month=12")
    brief = soup(visits.text).select_one("table.records tbody a")
    assert brief is not None
    assert browser.get(str(brief["href"])).status_code == 200
    # An unknown indicator code is refused in Chinese.
    bad = browser.get("/dashboard/records?indicator=events_held%00&year=2026")
    assert bad.status_code == 422
    assert "这个指标" in bad.text
    # The targets page takes the new indicators' targets.
    token = csrf(browser, "/targets?year=2026")
    assert 'name="t-events_held-' in browser.get("/targets?year=2026").text
    saved = browser.post(
        "/targets",
        data={"csrf_token": token, "year": "2026", f"t-events_held-{ids['sc']}": "24"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:300]
    with factory() as s:
        target = s.scalar(select(KpiTarget).where(KpiTarget.indicator == "events_held"))
        assert target is not None
        assert (target.town_id, int(target.annual)) == (ids["sc"], 24)
