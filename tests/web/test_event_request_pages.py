"""Meeting requests through the pages: the 发起约见 form on the suggestions list, the
约见请求 section (received: accept / decline; sent: status, withdraw), refusals shown in
Chinese, markup escaped, and the requests counted on the staff's registrations list."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.enums import Role
from matchmaking.events import service as events
from matchmaking.events.schemas import RegistrationInput
from matchmaking.models import MeetingRequest
from tests.factories import make_event, make_token, make_user
from tests.web.pages_helpers import csrf, login, soup


def test_requests_through_the_pages(
    factory: sessionmaker[Session], make_client: Callable[..., TestClient]
) -> None:
    with factory() as session:
        event = make_event(session)
        ent, uni = (
            make_user(session, role=Role.ENTERPRISE),
            make_user(session, role=Role.UNIVERSITY),
        )
        staff = make_user(session, role=Role.STAFF)
        reg_e = events.register(session, principal_for(ent), event.id, RegistrationInput())
        reg_u = events.register(session, principal_for(uni), event.id, RegistrationInput())
        names = (ent.username, uni.username, staff.username)
        ids = (event.id, reg_e.id, reg_u.id, reg_e.name, reg_u.name)
        session.commit()
    event_id, _reg_e_id, reg_u_id, ent_name, uni_name = ids
    company, university, bureau = make_client(), make_client(), make_client()
    for browser, name in zip((company, university, bureau), names, strict=True):
        login(browser, name)
    url = f"/events/{event_id}/participants"

    # The suggestions list has a 发起约见 form for the university
    page = soup(company.get(url).text)
    form = page.select_one(f"tr#r{reg_u_id} form[action='/events/{event_id}/requests']")
    assert form is not None
    assert form.select_one("input[name=to_id]")["value"] == str(reg_u_id)  # type: ignore[index]
    token = csrf(company, url)

    # An invisible control character is refused in Chinese and nothing is written
    bad = company.post(
        f"/events/{event_id}/requests",
        data={"csrf_token": token, "to_id": str(reg_u_id), "message": "你好\x01"},
    )
    assert "约见未发出" in bad.text
    assert "控制字符" in bad.text
    with factory() as session:
        assert session.scalars(select(MeetingRequest)).all() == []

    sent = company.post(
        f"/events/{event_id}/requests",
        data={"csrf_token": token, "to_id": str(reg_u_id), "message": "<b>希望洽谈</b>"},
    )
    assert "约见请求已发出" in sent.text

    # The university sees it received, its message escaped, with accept and decline
    page = soup(university.get(url).text)
    section = page.select_one("#requests")
    assert section is not None
    assert ent_name in section.text
    assert "<b>希望洽谈</b>" in section.text  # shown as text, not markup
    assert section.select_one("b") is None
    answer = section.select_one("form[action$='/answer']")
    assert answer is not None
    buttons = {b["value"]: b.text for b in answer.select("button[name=accept]")}
    assert buttons == {"true": "接受", "false": "婉拒"}
    action = str(answer["action"])
    token_u = csrf(university, url)
    accepted = university.post(action, data={"csrf_token": token_u, "accept": "true"})
    assert "已接受该约见请求" in accepted.text
    again = university.post(action, data={"csrf_token": token_u, "accept": "false"})
    assert "未能答复：该约见请求当前状态为“已接受”，不能婉拒" in again.text

    # The company's sent list and suggestion row both say it was accepted
    page = soup(company.get(url).text)
    assert "已发起约见：已接受" in page.select_one(f"tr#r{reg_u_id}").text  # type: ignore[union-attr]
    sent_rows = page.select("#requests table")[-1].text
    assert uni_name in sent_rows
    assert "已接受" in sent_rows
    assert page.select_one("#requests form[action$='/withdraw']") is None  # answered

    # Staff see the counts (sent / received) on the registrations list
    detail = soup(bureau.get(f"/events/{event_id}").text)
    rows = {
        tr.select("td")[0].text.strip(): tr.select("td")[4].text.strip()
        for tr in detail.select("table.list tbody tr")
        if len(tr.select("td")) > 4
    }
    assert rows[ent_name] == "1 / 0"
    assert rows[uni_name] == "0 / 1"


def test_requests_through_the_api(
    factory: sessionmaker[Session], make_client: Callable[..., TestClient]
) -> None:
    with factory() as session:
        event = make_event(session)
        ent, uni = (
            make_user(session, role=Role.ENTERPRISE),
            make_user(session, role=Role.UNIVERSITY),
        )
        reg_u = events.register(session, principal_for(uni), event.id, RegistrationInput())
        reg_e = events.register(session, principal_for(ent), event.id, RegistrationInput())
        company, university = (
            make_client(make_token(session, ent)),
            make_client(make_token(session, uni)),
        )
        event_id, reg_u_id, ent_name = event.id, reg_u.id, reg_e.name
        session.commit()
    url = f"/api/v1/events/{event_id}/requests"

    too_long = company.post(url, json={"to_id": reg_u_id, "message": "长" * 201})
    assert too_long.status_code == 422
    assert "留言" in str(too_long.json())
    forged = company.post(url, json={"to_id": 99_999_999})
    assert forged.status_code == 404
    assert "该参会方不存在" in str(forged.json())

    made = company.post(url, json={"to_id": reg_u_id, "message": "想了解储氢材料"})
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["status_label"]) == ("pending", "待答复")
    listed = university.get(url).json()
    assert [(r["from_name"], r["message"]) for r in listed["received"]] == [
        (ent_name, "想了解储氢材料")
    ]
    answer = f"{url}/{made.json()['id']}/answer"
    missing = university.post(answer, json={})
    assert missing.status_code == 422
    assert "是否接受约见" in str(missing.json())
    assert university.post(answer, json={"accept": True}).json()["status_label"] == "已接受"
    second = university.post(answer, json={"accept": False})
    assert second.status_code == 409
    assert "该约见请求当前状态为“已接受”，不能婉拒" in str(second.json())
    # The sender cannot answer its own request; it is not even found for them.
    assert company.post(answer, json={"accept": True}).status_code == 404
