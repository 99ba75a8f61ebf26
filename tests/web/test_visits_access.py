"""Access-matrix rows for the clinic visit routes (API and pages), in the matrix's world.

Kept in their own file (the same ``world`` and ``run_rows`` as test_access_matrix.py) so
the visit routes can be merged without touching the shared rows. Also: contacts reach
the assigned expert only after publishing, and hostile input is refused in Chinese.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from matchmaking.visits import runner
from tests.web.test_access_matrix import (
    EVERYONE,
    STAFF_ALL,
    Row,
    World,
    roles,
    run_rows,
    world,
)

__all__ = ["world"]

DAYS = ["2030-03-04am", "2030-03-04pm"]
LOGGED_IN = EVERYONE - {"anon"}
MANAGERS = STAFF_ALL | {"staff_zy"}


@pytest.fixture
def visits(world: World) -> World:
    """A district campaign open for requests, 王教授 in its pool, 甲 has asked."""
    admin = world.api["admin"]
    c = admin.post(
        "/api/v1/visits",
        json={"title": "全区技术专家巡诊", "towns": ["正余镇", "三厂街道"], "half_days": DAYS},
    )
    assert c.status_code == 201, c.text
    cid = c.json()["id"]
    assert admin.post(f"/api/v1/visits/{cid}/status", json={"action": "open"}).is_success
    invited = admin.post(f"/api/v1/visits/{cid}/experts", json={"expert_ids": [world.ids["exp_u"]]})
    assert invited.json() == {"invited": 1}
    asked = world.api["ent_a"].post(f"/api/v1/visits/{cid}/requests", json=ask_body(world))
    assert asked.status_code == 201, asked.text
    world.ids["campaign"] = cid
    world.ids["req_a"] = asked.json()["id"]
    return world


def ask_body(world: World, **extra: Any) -> dict[str, Any]:
    return {
        "org_id": world.ids["ent_a"],
        "problem": "燃料电池不锈钢双极板在酸性环境下腐蚀，接触电阻升高，电堆衰减快。",
        "industry_field": "hydrogen_storage",
        "contact_phone": "13900001111",
        "address": "正余镇氢能产业园 1 号",
        **extra,
    }


API_ROWS = [
    Row("GET", "/api/v1/visits", LOGGED_IN),
    Row("GET", "/api/v1/visits/{campaign}", LOGGED_IN),
    Row(
        "POST",
        "/api/v1/visits",
        MANAGERS,
        ok=201,
        body=lambda r: {"title": f"{r} 的巡诊活动", "half_days": DAYS},
    ),
    Row(
        "POST",
        "/api/v1/visits/{campaign}/requests",
        roles("admin", "staff", "staff_zy", "ent_a"),
        body=lambda r: {
            "org_id": "ent_a",
            "problem": "燃料电池双极板腐蚀，接触电阻升高。",
            "industry_field": "hydrogen_storage",
        },
    ),
    # Everyone else gets their own organization's requests (none here).
    Row("GET", "/api/v1/visits/{campaign}/requests", LOGGED_IN),
    Row("GET", "/api/v1/visits/requests/{req_a}", roles("admin", "staff", "staff_zy", "ent_a")),
    Row("GET", "/api/v1/visits/mine", roles("expert_u")),
    Row("GET", "/api/v1/visits/follow-ups/overdue", MANAGERS),
    Row("GET", "/api/v1/visits/{campaign}/sheet", roles("admin", "staff", "expert_u")),
    Row(
        "PUT",
        "/api/v1/visits/{campaign}/experts/{exp_u}",
        roles("admin", "staff", "expert_u"),
        body=lambda r: {"available": DAYS, "min_visits": 0, "max_visits": 2},
    ),
    Row("GET", "/api/v1/visits/{campaign}/runs", STAFF_ALL),
    # The second start finds the first still queued (409): only the first is checked.
    Row("POST", "/api/v1/visits/{campaign}/runs", STAFF_ALL, ok=202, skip=roles("staff")),
    # A request is cancelled once (a second cancel is 409): the company's own is checked.
    Row(
        "POST",
        "/api/v1/visits/requests/{req_a}/cancel",
        roles("admin", "staff", "staff_zy", "ent_a"),
        skip=roles("admin", "staff", "staff_zy"),
    ),
]

PAGE_ROWS = [
    Row("GET", "/visits", LOGGED_IN, page=True),
    Row("GET", "/visits/new", MANAGERS, page=True),
    Row("GET", "/visits/{campaign}", LOGGED_IN, page=True),
    Row("GET", "/visits/mine", roles("expert_u"), page=True),
    Row("GET", "/visits/follow-ups", MANAGERS, page=True),
    Row("GET", "/visits/requests/{req_a}", roles("admin", "staff", "staff_zy", "ent_a"), page=True),
    Row("GET", "/visits/{campaign}/sheet", roles("admin", "staff", "expert_u"), page=True),
    Row(
        "POST",
        "/visits/new",
        MANAGERS,
        ok=303,
        page=True,
        body=lambda r: {"title": f"{r} 页面新建的巡诊", "half_days": "2030-03-04am"},
    ),
    Row(
        "POST",
        "/visits/requests/{req_a}/cancel",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=303,
        page=True,
        skip=roles("admin", "staff", "staff_zy"),
    ),
]


def test_visit_api_access(visits: World) -> None:
    failures = run_rows(visits, API_ROWS)
    assert not failures, "\n".join(failures)


def test_visit_page_access(visits: World) -> None:
    failures = run_rows(visits, PAGE_ROWS)
    assert not failures, "\n".join(failures)


def _publish(w: World) -> int:
    admin = w.api["admin"]
    run = admin.post(f"/api/v1/visits/{w.ids['campaign']}/runs")
    assert run.status_code == 202, run.text
    app: Any = admin.app
    manager = app.state.index_manager
    factory = app.state.session_factory
    assert runner.execute(factory, manager, run.json()["id"]) == "done"
    draft = admin.get(f"/api/v1/visits/runs/{run.json()['id']}").json()
    assert draft["visits"][0]["experts"][0]["expert"] == "王教授", draft
    published = admin.post(f"/api/v1/visits/runs/{run.json()['id']}/publish")
    assert published.status_code == 200, published.text
    return int(run.json()["id"])


def test_contacts_reach_the_assigned_expert_only_after_publishing(visits: World) -> None:
    w = visits
    path = f"/api/v1/visits/requests/{w.ids['req_a']}"
    assert w.api["expert_u"].get(path).status_code == 403
    _publish(w)
    seen = w.api["expert_u"].get(path)
    assert seen.status_code == 200, seen.text
    request = seen.json()["request"]
    assert request["contact_phone"] == "13900001111"
    assert request["address"] == "正余镇氢能产业园 1 号"
    # The other company and the town staff of another town see nothing of it.
    assert w.api["ent_b"].get(path).status_code == 403
    mine = w.api["expert_u"].get("/api/v1/visits/mine").json()
    assert [v["company"] for v in mine] == ["甲氢能科技有限公司"]
    # The expert's page shows the visit with accept / decline.
    page = w.pages["expert_u"].get("/visits/mine")
    assert "甲氢能科技有限公司" in page.text
    assert "谢绝原因" in page.text
    # Declining needs a reason.
    aid = mine[0]["id"]
    refused = w.api["expert_u"].post(f"/api/v1/visits/assignments/{aid}/decline", json={})
    assert refused.status_code == 422
    assert "原因" in refused.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "巡诊", "half_days": DAYS}, "title"),
        ({"title": "全区巡诊活动", "half_days": ["2030-02-30am"]}, "half_days"),
        ({"title": "全区巡诊活动", "half_days": ["明天上午"]}, "half_days"),
        ({"title": "全区巡诊\x00活动", "half_days": DAYS}, "title"),
        ({"title": "全区巡诊活动", "half_days": DAYS, "experts_per_visit": 9}, "experts_per_visit"),
        ({"title": "全区巡诊活动", "half_days": DAYS, "towns": ["不存在镇"]}, "towns"),
    ],
)
def test_hostile_campaigns_are_refused_in_chinese(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/visits", json=body)
    assert response.status_code == 422, response.text
    assert field in response.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.text)


def test_hostile_requests_are_refused_and_markup_is_escaped(visits: World) -> None:
    w = visits
    cid = w.ids["campaign"]
    ent_b = w.api["ent_b"]
    body = ask_body(w, org_id=w.ids["ent_b"])
    for bad in (
        {"problem": ""},
        {"problem": "太短"},
        {"problem": "很长" * 20001},
        {"preferred": ["2031-01-01am"]},
        {"need_ids": [w.ids["need_a"]]},  # another company's need
        {"industry_field": "<script>"},
    ):
        response = ent_b.post(f"/api/v1/visits/{cid}/requests", json={**body, **bad})
        assert response.status_code == 422, (bad, response.text)
    markup = "<script>alert(1)</script> 船用铝合金焊接变形大，需要控制工艺。"
    made = ent_b.post(
        f"/api/v1/visits/{cid}/requests",
        json={**body, "problem": markup, "industry_field": "ship_offshore"},
    )
    assert made.status_code == 201, made.text
    page = w.pages["ent_b"].get(f"/visits/requests/{made.json()['id']}")
    assert page.status_code == 200
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


@pytest.fixture
def published(visits: World) -> World:
    """The campaign's assignment run and published (王教授 on 甲), a diagnosis and a draft."""
    w = visits
    w.ids["run"] = _publish(w)
    mine = w.api["expert_u"].get("/api/v1/visits/mine").json()
    w.ids["assignment"] = mine[0]["id"]
    wrote = w.api["expert_u"].put(
        f"/api/v1/visits/requests/{w.ids['req_a']}/diagnosis",
        json={"problems": "双极板涂层附着力不足，批次间接触电阻波动大", "suggestions": "在线检测"},
    )
    assert wrote.status_code == 200, wrote.text
    drafts = w.api["expert_u"].post(f"/api/v1/visits/requests/{w.ids['req_a']}/needs")
    assert drafts.status_code == 201, drafts.text
    w.ids["draft"] = drafts.json()[0]["id"]
    return w


DIAGNOSIS = {"problems": "双极板涂层附着力不足，批次间接触电阻波动大"}
WRITERS = roles("admin", "staff", "staff_zy", "expert_u")

PUBLISHED_API_ROWS = [
    Row("GET", "/api/v1/visits/runs/{run}", STAFF_ALL),
    Row("POST", "/api/v1/visits/runs/{run}/publish", STAFF_ALL),
    Row("POST", "/api/v1/visits/runs/{run}/cancel", STAFF_ALL, ok=409),
    Row("POST", "/api/v1/visits/assignments/{assignment}/lock", STAFF_ALL, body=lambda r: {}),
    Row("POST", "/api/v1/visits/assignments/{assignment}/accept", roles("expert_u")),
    Row("PUT", "/api/v1/visits/requests/{req_a}/diagnosis", WRITERS, body=lambda r: DIAGNOSIS),
    Row("POST", "/api/v1/visits/requests/{req_a}/needs", WRITERS | {"ent_a"}, ok=201),
    # The first allowed role publishes the draft; the others then get 409.
    Row(
        "POST",
        "/api/v1/visits/drafts/{draft}/publish",
        roles("admin", "staff", "staff_zy", "ent_a"),
        body=lambda r: {"title": "双极板涂层附着力提升"},
        skip=roles("staff", "staff_zy", "ent_a"),
    ),
    Row(
        "POST",
        "/api/v1/visits/{campaign}/experts",
        STAFF_ALL,
        body=lambda r: {"industry_field": "hydrogen_storage"},
    ),
    Row(
        "POST",
        "/api/v1/visits/{campaign}/status",
        STAFF_ALL,
        body=lambda r: {"action": "finish"},
        skip=roles("staff"),
    ),
    Row("POST", "/api/v1/visits/{campaign}/rollback", STAFF_ALL, skip=roles("staff")),
]

PUBLISHED_PAGE_ROWS = [
    Row("GET", "/visits/runs/{run}", STAFF_ALL, page=True),
    Row("POST", "/visits/runs/{run}/publish", STAFF_ALL, ok=303, page=True),
    Row("POST", "/visits/assignments/{assignment}/accept", roles("expert_u"), ok=303, page=True),
    Row(
        "POST",
        "/visits/{campaign}/invite",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: {"industry_field": "hydrogen_storage"},
    ),
    Row(
        "POST",
        "/visits/requests/{req_a}/diagnosis",
        WRITERS,
        ok=303,
        page=True,
        body=lambda r: DIAGNOSIS,
    ),
    Row("POST", "/visits/requests/{req_a}/needs", WRITERS | {"ent_a"}, ok=303, page=True),
    Row(
        "POST",
        "/visits/drafts/{draft}/publish",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=303,
        page=True,
        body=lambda r: {"title": "双极板涂层附着力提升（页面）"},
    ),
]


def test_published_visit_api_access(published: World) -> None:
    failures = run_rows(published, PUBLISHED_API_ROWS)
    assert not failures, "\n".join(failures)


def test_published_visit_page_access(published: World) -> None:
    failures = run_rows(published, PUBLISHED_PAGE_ROWS)
    assert not failures, "\n".join(failures)


@pytest.fixture
def drafted(visits: World) -> World:
    """A finished draft (never published): 王教授 on 甲."""
    w = visits
    run = w.api["admin"].post(f"/api/v1/visits/{w.ids['campaign']}/runs")
    assert run.status_code == 202, run.text
    app: Any = w.api["admin"].app
    assert runner.execute(app.state.session_factory, app.state.index_manager, run.json()["id"])
    draft = w.api["admin"].get(f"/api/v1/visits/runs/{run.json()['id']}").json()
    w.ids["draft_run"] = run.json()["id"]
    w.ids["draft_assignment"] = draft["visits"][0]["experts"][0]["id"]
    return w


# Staff edit a draft; keeping the same expert or half-day only locks the assignment.
DRAFT_ROWS = [
    Row(
        "PUT",
        "/api/v1/visits/assignments/{draft_assignment}/expert",
        STAFF_ALL,
        body=lambda r: {"expert_id": "exp_u"},
    ),
    Row(
        "PUT",
        "/api/v1/visits/runs/{draft_run}/visits/{req_a}/half-day",
        STAFF_ALL,
        body=lambda r: {"half_day": DAYS[1]},
    ),
    # The visit has its one expert: adding a second is refused (409; the page says so).
    Row(
        "POST",
        "/api/v1/visits/runs/{draft_run}/visits/{req_a}/experts",
        STAFF_ALL,
        ok=409,
        body=lambda r: {"expert_id": "exp_u"},
    ),
    Row(
        "POST",
        "/visits/runs/{draft_run}/add",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: {"request_id": "req_a", "expert_id": "exp_u"},
    ),
    Row(
        "POST",
        "/visits/assignments/{draft_assignment}/replace",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: {"expert_id": "exp_u"},
    ),
    Row(
        "POST",
        "/visits/runs/{draft_run}/move",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: {"request_id": "req_a", "half_day": DAYS[0]},
    ),
]
# The assigned expert proposes a docking with the company's need (after the diagnosis).
DOCKING_API_ROWS = [
    Row(
        "POST",
        "/api/v1/visits/requests/{req_a}/dockings",
        roles("expert_u"),
        ok=201,
        body=lambda r: {"need_id": "need_a"},
    ),
]
DOCKING_PAGE_ROWS = [
    Row(
        "POST",
        "/visits/requests/{req_a}/docking",
        roles("expert_u"),
        ok=303,
        page=True,
        body=lambda r: {"need_id": "need_a"},
    ),
]


def test_draft_edit_access(drafted: World) -> None:
    failures = run_rows(drafted, DRAFT_ROWS)
    assert not failures, "\n".join(failures)


def test_docking_from_a_visit_api_access(published: World) -> None:
    failures = run_rows(published, DOCKING_API_ROWS)
    assert not failures, "\n".join(failures)
    # It is the company's docking request like any other, its origin the visit.
    incoming = published.api["ent_a"].get("/api/v1/dockings", params={"box": "incoming"})
    assert incoming.status_code == 200, incoming.text
    found = [(d["target_title"], d["origin"]) for d in incoming.json()["items"]]
    assert found == [("王教授", "visit")]


def test_docking_from_a_visit_page_access(published: World) -> None:
    failures = run_rows(published, DOCKING_PAGE_ROWS)
    assert not failures, "\n".join(failures)


ALL_ROWS = (
    API_ROWS
    + PAGE_ROWS
    + PUBLISHED_API_ROWS
    + PUBLISHED_PAGE_ROWS
    + DRAFT_ROWS
    + DOCKING_API_ROWS
    + DOCKING_PAGE_ROWS
)
