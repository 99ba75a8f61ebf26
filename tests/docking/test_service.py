"""Docking requests through the JSON API: who may do what, transitions, notifications, contacts."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.matching import pairs
from tests.conftest import add_achievement
from tests.docking.conftest import UNI_PHONE, World, notifications_of, request


def test_request_notifies_the_other_side_and_the_need_becomes_in_docking(
    world: World, factory: sessionmaker[Session]
) -> None:
    # A number the client sends is not recorded: the platform computes the pair's fit.
    response = request(world, world.ent, score=0.999)
    assert response.status_code == 201, response.text
    docking = response.json()
    manager = world.admin.app.state.index_manager  # type: ignore[attr-defined]
    with factory() as session:
        fit = pairs.fit_for(session, manager, world.need_id, "achievements", world.achievement_id)
    assert fit is not None
    assert docking["score"] == fit != 0.999
    assert docking["status"] == "requested"
    assert docking["requester_org"]["id"] == world.ent_id
    assert docking["responder_org"]["id"] == world.uni_id
    assert docking["events"][0]["action"] == "requested"
    assert "qiye" in docking["events"][0]["actor_name"]

    # The university side is told, with a link to the docking; the requester is not.
    notes = notifications_of(factory, "gaoxiao")
    assert [n.link for n in notes] == [f"/dockings/{docking['id']}"]
    assert "金属双极板耐腐蚀涂层开发" in notes[0].text
    assert notifications_of(factory, "qiye") == []

    need = world.admin.get(f"/api/v1/needs/{world.need_id}").json()
    assert need["status"] == "in_docking"

    # The same pair again: 409 naming the existing docking and its status.
    again = request(world, world.ent)
    assert again.status_code == 409
    assert "已存在" in again.json()["message"]
    assert "已申请" in again.json()["message"]


def test_who_may_request(world: World, anon_client: TestClient) -> None:
    assert request(world, anon_client).status_code == 401
    refused = request(world, world.stranger)
    assert refused.status_code == 403
    assert "发起对接" in refused.json()["message"]
    # An expert may offer only themselves, towards a need.
    offer_achievement = request(world, world.expert)
    assert offer_achievement.status_code == 403
    own = request(world, world.expert, target_kind="experts", target_id=world.expert_id)
    assert own.status_code == 201, own.text
    assert own.json()["requester_org"]["id"] == world.uni_id
    assert own.json()["responder_org"]["id"] == world.ent_id


def test_unpublished_and_own_organization_are_refused(world: World) -> None:
    closed = world.admin.post(f"/api/v1/achievements/{world.achievement_id}/close")
    assert closed.status_code == 200, closed.text
    response = request(world, world.ent)
    assert response.status_code == 409
    assert "已关闭" in response.json()["message"]

    own_ach = add_achievement(
        world.admin, world.ent_id, "企业自有涂层工艺", "企业内部的双极板涂层工艺改进"
    )
    response = request(world, world.ent, target_id=own_ach["id"])
    assert response.status_code == 422
    assert "本单位" in response.json()["message"]


def test_transitions_legal_and_illegal_with_contacts_after_acceptance(
    world: World, factory: sessionmaker[Session]
) -> None:
    docking_id = request(world, world.ent).json()["id"]
    url = f"/api/v1/dockings/{docking_id}"

    # Before acceptance the enterprise does not see the university's phone.
    assert world.ent.get(f"/api/v1/organizations/{world.uni_id}").json()["contact_phone"] == ""
    detail = world.ent.get(url).json()
    assert detail["contacts"][0]["visible"] is False
    assert detail["allowed_actions"] == []

    # Only the responder may answer a request; a stranger may not even look.
    assert world.ent.post(f"{url}/accept", json={}).status_code == 403
    assert world.stranger.get(url).status_code == 403
    # requested → negotiating skips acceptance: illegal.
    skipped = world.uni.post(f"{url}/negotiate", json={})
    assert skipped.status_code == 409
    assert "已申请" in skipped.json()["message"]
    assert world.uni.get(url).json()["allowed_actions"] == ["accept", "decline"]

    accepted = world.uni.post(f"{url}/accept", json={"message": "欢迎来校交流"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    ent_notes = notifications_of(factory, "qiye")
    assert len(ent_notes) == 1
    assert "欢迎来校交流" in ent_notes[0].text

    # Now the enterprise sees the university's contact details, in the org read and here.
    assert (
        world.ent.get(f"/api/v1/organizations/{world.uni_id}").json()["contact_phone"] == UNI_PHONE
    )
    assert world.ent.get(url).json()["contacts"][0]["contact_phone"] == UNI_PHONE

    # After acceptance either side moves it on.
    assert world.ent.post(f"{url}/negotiate", json={"message": "约定下周面谈"}).status_code == 200
    assert world.uni.post(f"{url}/accept", json={}).status_code == 409
    signed = world.uni.post(f"{url}/sign", json={"message": "合作协议已签署"})
    assert signed.status_code == 200
    events = signed.json()["events"]
    assert [e["action"] for e in events] == ["requested", "accepted", "negotiating", "signed"]
    assert "gaoxiao" in events[-1]["actor_name"]
    # The agreement solves the need: it is no longer open for recommendations.
    assert world.admin.get(f"/api/v1/needs/{world.need_id}").json()["status"] == "solved"
    late = world.ent.post(f"{url}/decline", json={"reason": "改变主意"})
    assert late.status_code == 409
    assert "已签约" in late.json()["message"]


def test_decline_needs_a_reason_and_lists_by_box(world: World) -> None:
    docking_id = request(world, world.ent).json()["id"]
    url = f"/api/v1/dockings/{docking_id}"
    no_reason = world.uni.post(f"{url}/decline", json={"message": "抱歉"})
    assert no_reason.status_code == 422
    assert "原因" in no_reason.json()["message"]

    assert world.uni.get("/api/v1/dockings?box=incoming").json()["total"] == 1
    assert world.uni.get("/api/v1/dockings?box=outgoing").json()["total"] == 0
    assert world.ent.get("/api/v1/dockings?box=outgoing").json()["total"] == 1
    assert world.stranger.get("/api/v1/dockings?box=all").json()["total"] == 0

    declined = world.uni.post(f"{url}/decline", json={"reason": "成果已独家许可"})
    assert declined.status_code == 200
    assert declined.json()["decline_reason"] == "成果已独家许可"
    listed = world.ent.get("/api/v1/dockings?box=all&status=declined").json()
    assert [d["id"] for d in listed["items"]] == [docking_id]
