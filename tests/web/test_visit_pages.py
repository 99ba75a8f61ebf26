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


def test_an_invited_expert_sets_their_free_half_days_on_the_campaign_page(
    visits: World,
) -> None:
    w = visits
    cid = w.ids["campaign"]
    page = soup(w.pages["expert_u"].get(f"/visits/{cid}").text)
    form = page.select_one(f"form[action='/visits/{cid}/availability']")
    assert form is not None, "the expert in the pool has a form for free half-days"
    days = [str(box["value"]) for box in form.select("input[name=available]")]
    assert len(days) >= 2

    saved = w.pages["expert_u"].post(
        f"/visits/{cid}/availability",
        data={"available": days[:2], "min_visits": "1", "max_visits": "2",
              "csrf_token": w.tokens["expert_u"]},
        follow_redirects=True,
    )  # fmt: skip
    assert "已保存：2 个空闲半天，最多 2 次巡诊" in saved.text
    again = soup(w.pages["expert_u"].get(f"/visits/{cid}").text)
    checked = [str(b["value"]) for b in again.select("input[name=available][checked]")]
    assert checked == days[:2]
    # Staff see the expert's answer in the pool.
    pool = w.pages["admin"].get(f"/visits/{cid}").text
    assert "2 个" in pool

    # A made-up half-day and a minimum over the maximum are refused in Chinese, nothing kept.
    bad = w.pages["expert_u"].post(
        f"/visits/{cid}/availability",
        data={"available": ["2031-01-01am"], "min_visits": "3", "max_visits": "1",
              "csrf_token": w.tokens["expert_u"]},
        follow_redirects=True,
    )  # fmt: skip
    assert "不在活动日期内" in bad.text or "最少巡诊次数不能大于" in bad.text
    kept = soup(w.pages["expert_u"].get(f"/visits/{cid}").text)
    assert [str(b["value"]) for b in kept.select("input[name=available][checked]")] == days[:2]
    # Someone outside the pool has no such form.
    other = soup(w.pages["ent_a"].get(f"/visits/{cid}").text)
    assert other.select_one(f"form[action='/visits/{cid}/availability']") is None


def test_a_company_cancels_its_request_and_the_assigned_expert_is_told(visits: World) -> None:
    w = visits
    cid, rid = w.ids["campaign"], w.ids["req_a"]
    started = _post(w, "admin", f"/visits/{cid}/run")
    run_id = int(started.headers["location"].rsplit("/", 1)[1])
    app: Any = w.pages["admin"].app
    assert runner.execute(app.state.session_factory, app.state.index_manager, run_id) == "done"
    assert _post(w, "admin", f"/visits/runs/{run_id}/publish").status_code == 303

    page = soup(w.pages["ent_a"].get(f"/visits/requests/{rid}").text)
    form = page.select_one(f"form[action='/visits/requests/{rid}/cancel']")
    assert form is not None
    assert "确定取消申请吗" in str(form.get("data-confirm"))
    done = w.pages["ent_a"].post(
        f"/visits/requests/{rid}/cancel",
        data={"csrf_token": w.tokens["ent_a"]},
        follow_redirects=True,
    )
    assert "诊断申请已取消" in done.text
    assert "企业已取消这份诊断申请" in done.text
    assert soup(done.text).select_one(f"form[action='/visits/requests/{rid}/cancel']") is None

    told = w.pages["expert_u"].get("/notifications").text
    assert "甲氢能科技有限公司" in told
    assert "取消了诊断申请" in told

    twice = w.pages["ent_a"].post(
        f"/visits/requests/{rid}/cancel",
        data={"csrf_token": w.tokens["ent_a"]},
        follow_redirects=True,
    )
    assert "该诊断申请已经取消" in twice.text
