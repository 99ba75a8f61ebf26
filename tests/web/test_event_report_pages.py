"""The event report, booklet and refill pages through HTTP: what staff and participants
see, the Excel download, and what others are refused."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import MeetingOutcome
from matchmaking.models import Organization
from matchmaking.models.base import utcnow
from tests.conftest import make_user
from tests.events.test_report import held_event, meet
from tests.factories import make_achievement, make_need, make_org
from tests.web.pages_helpers import login, soup


def _held(factory: sessionmaker[Session]) -> dict[str, Any]:
    with factory() as session:
        h = held_event(session, town="三厂街道")
        make_need(
            session,
            org_id=h.regs["e1"].org_id,
            title="高压储氢瓶内胆阻氢材料",
            description="需要阻氢新材料，请联系 13900001111 或 hr@jia-h2.cn。",
        )
        make_achievement(session, org_id=h.regs["u1"].org_id, title="石墨烯改性阻氢涂层")
        org = session.get(Organization, h.regs["e1"].org_id)
        assert org is not None
        org.contact_phone, org.contact_email = "0513-82229999", "boss@jia-h2.cn"
        h.regs["e1"].checked_in_at = utcnow()
        meet(session, h, "e1", "u1", 0, 1, outcome_a=MeetingOutcome.INTENT)
        meet(session, h, "e2", "u2", 0, 2, outcome_b=MeetingOutcome.NO_SHOW)
        out = {"event": h.event.id, "e1_org": h.regs["e1"].org_id, "title": h.event.title}
        session.commit()
    return out


def test_report_page_and_workbook_for_staff_only(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    w = _held(factory)
    make_user(factory, "keji", "staff")
    make_user(factory, "zhengyu", "staff", town="正余镇")
    make_user(factory, "qiye", "enterprise", org_id=w["e1_org"])
    staff, zy, qiye = make_client(), make_client(), make_client()
    for c, name in ((staff, "keji"), (zy, "zhengyu"), (qiye, "qiye")):
        login(c, name)
    url = f"/events/{w['event']}/report"

    page = staff.get(url)
    assert page.status_code == 200
    html = soup(page.text)
    stats = {}
    for stat in html.select(".report-figures .stat"):
        value = stat.find("b")
        assert value is not None
        stats[stat.get_text().removeprefix(value.get_text()).strip()] = value.get_text()
    assert stats["报名参会"] == "5"
    assert stats["签到"] == "1"
    assert stats["安排洽谈"] == "2"
    assert stats["已洽谈"] == "1"
    assert stats["未到"] == "1"
    assert stats["达成合作意向"] == "1"
    assert "甲氢能科技有限公司 × 江海理工大学" in page.text
    assert "held" not in page.text
    assert "no_show" not in page.text

    xlsx = staff.get(f"{url}.xlsx")
    assert xlsx.status_code == 200
    assert "filename*=UTF-8''" in xlsx.headers["content-disposition"]
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["概况", "参会单位", "洽谈", "后续成果"]

    # Town staff of another town and a participant are refused, with a Chinese reason.
    refused = zy.get(url)
    assert refused.status_code == 403
    assert "不在您负责的区镇" in refused.text
    assert qiye.get(url).status_code == 403
    assert qiye.get(f"{url}.xlsx").status_code == 403
    assert staff.get("/events/999999999/report").status_code == 404
    assert staff.get("/events/abc/report").status_code in (404, 422)


def test_booklet_shows_what_participants_bring_and_no_contact_data(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    w = _held(factory)
    make_user(factory, "keji", "staff")
    make_user(factory, "zhengyu", "staff", town="正余镇")
    make_user(factory, "qiye", "enterprise", org_id=w["e1_org"])
    with factory() as session:
        outsider = make_org(session).id
        session.commit()
    make_user(factory, "waiqi", "enterprise", org_id=outsider)
    staff, zy, qiye, waiqi = make_client(), make_client(), make_client(), make_client()
    for c, name in ((staff, "keji"), (zy, "zhengyu"), (qiye, "qiye"), (waiqi, "waiqi")):
        login(c, name)
    url = f"/events/{w['event']}/booklet"

    for reader in (staff, qiye):  # staff in scope and a registered participant
        page = reader.get(url)
        assert page.status_code == 200
        html = soup(page.text)
        assert w["title"] in html.select_one(".booklet-cover").get_text()  # type: ignore[union-attr]
        assert "高压储氢瓶内胆阻氢材料" in page.text
        assert "石墨烯改性阻氢涂层" in page.text
        assert "第 1 桌" in page.text  # the published meetings, table by table
        for contact in ("13900001111", "jia-h2.cn", "0513-8222", "0513-8000"):
            assert contact not in page.text
    assert "break-before: page" in staff.get("/static/app.css").text

    refused = waiqi.get(url)
    assert refused.status_code == 403
    assert "已报名的参会方" in refused.text
    assert zy.get(url).status_code == 403


def test_refill_page_proposes_and_confirms_through_the_form(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    from matchmaking.enums import WishLevel
    from matchmaking.events import service as events

    with factory() as session:
        h = held_event(session, town="三厂街道")
        for k in ("e1", "e2", "u1", "u2"):
            h.regs[k].checked_in_at = utcnow()
        meet(session, h, "e1", "u1", 0, 1)
        meet(session, h, "e3", "u2", 0, 2)  # e3 did not come
        events.set_wish(session, h.p["e2"], h.event.id, h.regs["u2"].id, WishLevel.MUST)
        ids = {k: r.id for k, r in h.regs.items()}
        names = {k: r.name for k, r in h.regs.items()}
        event_id = h.event.id
        session.commit()
    make_user(factory, "keji", "staff")
    make_user(factory, "zhengyu", "staff", town="正余镇")
    staff, zy = make_client(), make_client()
    login(staff, "keji")
    login(zy, "zhengyu")
    url = f"/events/{event_id}/refill"

    page = staff.get(url)
    assert page.status_code == 200
    first = soup(page.text).select("section.card")[0]
    assert f"{names['e2']} × {names['u2']}" in first.get_text()
    form = first.select_one("form")
    assert form is not None
    data = {str(i["name"]): str(i["value"]) for i in form.select("input") if i.get("name")}
    assert data["a_id"] == str(ids["e2"]) or data["b_id"] == str(ids["e2"])

    done = staff.post(url, data=data, follow_redirects=True)
    assert done.status_code == 200
    assert "已安排第 3 桌的补位洽谈" in done.text
    again = staff.post(url, data=data, follow_redirects=True)
    assert "已有洽谈" in again.text  # refused with the reason, nothing added
    busy = {**data, "a_id": str(ids["e1"]), "b_id": str(ids["e2"])}
    assert "已有洽谈" in staff.post(url, data=busy, follow_redirects=True).text
    forged = {**data, "slot_id": "abc"}
    assert staff.post(url, data=forged).status_code == 422
    assert zy.get(url).status_code == 403
