"""The visit pages through one flow: staff run and publish, the expert accepts and
diagnoses, drafts a need, the company publishes it."""

from __future__ import annotations

from typing import Any

from matchmaking.visits import runner
from tests.web.pages_helpers import soup
from tests.web.test_access_matrix import World, world
from tests.web.test_visits_access import visits

__all__ = ["visits", "world"]


def _post(w: World, role: str, path: str, **data: Any) -> Any:
    return w.pages[role].post(
        path, data={**data, "csrf_token": w.tokens[role]}, follow_redirects=False
    )


def test_the_visit_flow_through_the_pages(visits: World) -> None:
    w = visits
    cid, rid = w.ids["campaign"], w.ids["req_a"]
    # Staff run the assignment from the campaign page; the worker computes it.
    started = _post(w, "admin", f"/visits/{cid}/run")
    assert started.status_code == 303
    run_path = started.headers["location"]
    run_id = int(run_path.rsplit("/", 1)[1])
    app: Any = w.pages["admin"].app
    assert runner.execute(app.state.session_factory, app.state.index_manager, run_id) == "done"
    draft = w.pages["admin"].get(run_path)
    assert draft.status_code == 200
    assert "王教授" in draft.text
    assert "甲氢能科技有限公司" in draft.text
    assert _post(w, "admin", f"/visits/runs/{run_id}/publish").status_code == 303
    campaign = w.pages["admin"].get(f"/visits/{cid}")
    assert "已发布" in campaign.text

    # The day sheet: the staff see the contact, the town staff of another scope nothing.
    sheet = w.pages["staff"].get(f"/visits/{cid}/sheet")
    assert "13900001111" in sheet.text
    assert w.pages["ent_b"].get(f"/visits/{cid}/sheet").status_code == 403

    # The expert accepts, reads the brief (with the contact) and writes the diagnosis.
    mine = soup(w.pages["expert_u"].get("/visits/mine").text)
    accept = mine.select_one("form[action$='/accept']")
    assert accept is not None
    assert _post(w, "expert_u", str(accept["action"])).status_code == 303
    brief = w.pages["expert_u"].get(f"/visits/requests/{rid}")
    assert "13900001111" in brief.text
    assert "平台推荐" in brief.text
    bad = _post(
        w, "expert_u", f"/visits/requests/{rid}/diagnosis", problems="涂层", follow_ups="只有一列"
    )
    assert bad.status_code == 422
    assert "行动 | 负责人" in bad.text
    wrote = _post(
        w,
        "expert_u",
        f"/visits/requests/{rid}/diagnosis",
        problems="双极板涂层附着力不足\n批次间接触电阻波动大",
        suggestions="改用碳基复合涂层，建立在线检测。",
        follow_ups="提供三批样品 | 企业技术部 | 2030-01-31",
    )
    assert wrote.status_code == 303
    assert _post(w, "expert_u", f"/visits/requests/{rid}/needs", count="1").status_code == 303

    # The company confirms the drafted need and publishes it.
    page = soup(w.pages["ent_a"].get(f"/visits/requests/{rid}").text)
    form = page.select_one("form[action^='/visits/drafts/']")
    assert form is not None
    published = _post(w, "ent_a", str(form["action"]), title="双极板涂层附着力与一致性提升")
    assert published.status_code == 303
    assert published.headers["location"].startswith("/needs/")
    need = w.pages["ent_a"].get(published.headers["location"])
    assert "双极板涂层附着力与一致性提升" in need.text
