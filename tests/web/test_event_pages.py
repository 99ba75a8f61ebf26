"""Events through the pages: staff create an event, add slots and open it; a company and a
university register and mark wishes; staff run and publish the schedule; both see their
agenda and .ics; staff check one in from the QR link; the follow-up becomes a docking."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from urllib.parse import quote

from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.events import scheduling
from matchmaking.models import Event, Registration, ScheduleRun
from tests.conftest import add_achievement, add_need, add_org, make_user
from tests.web.pages_helpers import login, post_form, soup


def test_event_flow_through_the_pages(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    ent_id = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    uni_id = add_org(client, "同济大学", "university", town="")
    add_need(
        client, ent_id, "氢燃料电池金属双极板耐腐蚀涂层开发", "不锈钢双极板腐蚀严重，接触电阻升高"
    )
    add_achievement(
        client, uni_id, "燃料电池金属双极板碳基复合涂层", "多弧离子镀与磁控溅射复合工艺"
    )
    make_user(factory, "keji", "staff")
    make_user(factory, "qiye", "enterprise", org_id=ent_id)
    make_user(factory, "gaoxiao", "university", org_id=uni_id)
    staff, qiye, gaoxiao = make_client(), make_client(), make_client()
    for c, name in ((staff, "keji"), (qiye, "qiye"), (gaoxiao, "gaoxiao")):
        login(c, name)

    today = clock.local_today()
    form = {
        "title": "氢能产业专场对接会",
        "kind": "by_industry",
        "industry_field": "hydrogen_storage",
        "theme": "燃料电池双极板 涂层",
        "held_on": str(today + timedelta(days=7)),
        "venue": "科创中心",
        "town": "",
        "organiser": "区科技局",
        "guest_org_id": str(uni_id),
        "registration_opens": str(today),
        "registration_closes": str(today + timedelta(days=5)),
        "capacity": "30",
    }
    # A bad date is refused with a Chinese message next to nothing written.
    bad = post_form(staff, "/events/new", {**form, "registration_closes": "2099-01-01"})
    assert bad.status_code == 400
    assert "报名截止日期不能晚于举办日期" in bad.text
    made = post_form(staff, "/events/new", form, follow_redirects=False)
    assert made.status_code == 303, made.text[:500]
    url = made.headers["location"]
    event_id = int(url.rsplit("/", 1)[1])
    slots = {
        "start": "09:00",
        "meeting_minutes": "20",
        "break_minutes": "5",
        "meetings": "4",
        "tables": "5",
    }
    assert post_form(staff, f"{url}/sessions", slots, follow_redirects=False).status_code == 303
    opened = post_form(staff, f"{url}/status", {"action": "open"})
    assert "报名中" in opened.text

    # Invitations from matching propose the company with its need.
    invite = staff.get(f"{url}/invite")
    assert invite.status_code == 200
    assert "海门氢能动力科技有限公司" in invite.text
    invitations = staff.get(f"{url}/invitations.xlsx")
    assert invitations.status_code == 200
    # Saved under a name staff can tell apart from other events' lists.
    assert quote("邀请名单.xlsx", safe="") in invitations.headers["content-disposition"]

    for c in (qiye, gaoxiao):
        page = soup(c.get(url).text)
        assert page.select_one("form[action$='/register']") is not None
        done = post_form(c, f"{url}/register", {"min_meetings": "1", "max_meetings": "3"})
        assert "报名成功" in done.text, done.text[:800]
    with factory() as session:
        uni_reg = session.scalars(select(Registration).where(Registration.org_id == uni_id)).one()
    # With the company in, the invite page proposes the other side for its need.
    supply = soup(staff.get(f"{url}/invite").text)
    other_side = supply.find("h2", string="为受邀企业推荐的高校院所与专家")
    assert other_side is not None
    table = other_side.find_next("table")
    assert table is not None
    assert "燃料电池金属双极板碳基复合涂层" in table.get_text()
    assert "已邀请" in table.get_text()  # 同济大学 registered already
    listed = qiye.get(f"{url}/participants")
    assert "同济大学" in listed.text
    wished = post_form(qiye, f"{url}/wishes", {"to_id": str(uni_reg.id), "level": "must"})
    assert "已保存洽谈意愿" in wished.text

    ran = post_form(staff, f"{url}/schedule/run", {}, follow_redirects=False)
    assert ran.status_code == 303
    with factory() as session:
        run_id = session.scalars(
            select(ScheduleRun.id).where(ScheduleRun.event_id == event_id)
        ).one()
    progress = staff.get(f"/events/runs/{run_id}/progress").json()
    assert progress["live"] is True
    manager = staff.app.state.index_manager  # type: ignore[attr-defined]
    scheduling.execute(factory, manager, run_id, time_limit_s=5)
    draft = staff.get(f"{url}/schedule")
    assert (
        "海门氢能动力科技有限公司 × 同济大学" in draft.text
        or "同济大学 × 海门氢能动力科技有限公司" in draft.text
    )
    published = post_form(staff, f"/events/runs/{run_id}/publish", {})
    assert "日程已发布" in published.text
    assert "第 1 桌" in staff.get(f"{url}/tables").text

    for c, other in ((qiye, "同济大学"), (gaoxiao, "海门氢能动力科技有限公司")):
        agenda = c.get(f"{url}/agenda")
        assert agenda.status_code == 200
        assert other in agenda.text
        cal = Calendar.from_ical(c.get(f"{url}/agenda.ics").content)
        assert [str(e["STATUS"]) for e in cal.walk("VEVENT")] == ["CONFIRMED"]
        assert c.get(f"{url}/qr.svg").headers["content-type"].startswith("image/svg+xml")
    # The company may not read the staff's schedule, nor the university's agenda by token.
    assert qiye.get(f"{url}/schedule").status_code == 403

    with factory() as session:
        reg = session.scalars(select(Registration).where(Registration.org_id == ent_id)).one()
        event = session.get(Event, event_id)
        assert event is not None
        held_on = event.held_on
    scanned = staff.get(f"/events/checkin/{reg.checkin_token}")
    assert "确认签到" in scanned.text
    checked = post_form(staff, f"{url}/checkin/{reg.id}", {})
    assert "已签到" in checked.text

    meeting_form = soup(qiye.get(f"{url}/agenda").text)
    assert meeting_form.select_one("form[action$='/follow-up']") is None  # not held yet
    with clock.frozen(datetime.combine(held_on, time(16, 0), tzinfo=clock.zone())):
        page = soup(qiye.get(f"{url}/agenda").text)
        follow = page.select_one("form[action$='/follow-up']")
        assert follow is not None
        docked = post_form(qiye, str(follow["action"]), {}, follow_redirects=False)
        assert docked.status_code == 303
        assert docked.headers["location"].startswith("/dockings/")


def test_hostile_event_requests_get_clear_answers(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    make_user(factory, "keji", "staff")
    staff = make_client()
    login(staff, "keji")
    # Unknown and absurd ids: a Chinese "not found", never a server error.
    assert staff.get("/events/424242").status_code == 404
    assert "不存在" in staff.get("/events/424242").text
    assert staff.get("/events/99999999999999999999999").status_code in (404, 422)
    assert client.get("/api/v1/events/99999999999999999999999").status_code in (404, 422)
    # Control characters and a huge capacity through the API: refused, field by field.
    today = clock.local_today()
    body = {
        "title": "路演\u202e活动",
        "kind": "roadshow",
        "held_on": str(today),
        "registration_opens": str(today),
        "registration_closes": str(today),
        "capacity": 10**15,
    }
    refused = client.post("/api/v1/events", json=body)
    assert refused.status_code == 422
    fields = {d["field"] for d in refused.json()["detail"]}
    assert {"title", "capacity"} <= fields, refused.json()
    made = client.post("/api/v1/events", json={**body, "title": "路演活动", "capacity": 20})
    assert made.status_code == 201, made.text
    # Staff run events; they do not register for them.
    event_id = made.json()["id"]
    assert client.post(f"/api/v1/events/{event_id}/registration", json={}).status_code == 403
