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


def _draft(w: World) -> int:
    started = _post(w, "admin", f"/visits/{w.ids['campaign']}/run")
    run_id = int(started.headers["location"].rsplit("/", 1)[1])
    app: Any = w.pages["admin"].app
    assert runner.execute(app.state.session_factory, app.state.index_manager, run_id) == "done"
    return run_id


def test_staff_edit_a_draft_on_its_page_and_hostile_edits_are_refused(visits: World) -> None:
    w = visits
    # A second pool expert, of the company's own organization: a conflict of interest.
    own = w.api["admin"].post(
        "/api/v1/experts",
        json={
            "org_id": w.ids["ent_a"],
            "name": "厂内李工",
            "title": "正高级工程师",
            "fields": ["hydrogen_storage"],
            "expertise": "燃料电池双极板涂层与电堆集成。",
        },
    )
    assert own.status_code == 201, own.text
    invited = w.api["admin"].post(
        f"/api/v1/visits/{w.ids['campaign']}/experts", json={"expert_ids": [own.json()["id"]]}
    )
    assert invited.json() == {"invited": 1}
    run_id = _draft(w)
    page = soup(w.pages["admin"].get(f"/visits/runs/{run_id}").text)
    replace = page.select_one("form.edit-expert")
    move = page.select_one("form.edit-half-day")
    assert replace is not None
    assert move is not None
    options = [o.get_text() for o in replace.select("select[name=expert_id] option")]
    assert any("厂内李工" in o for o in options), options
    # The conflicting expert is refused, saying why; nothing changes.
    refused = w.pages["admin"].post(
        str(replace["action"]),
        data={"expert_id": str(own.json()["id"]), "csrf_token": w.tokens["admin"]},
        follow_redirects=True,
    )
    assert "利益冲突" in refused.text
    assert "王教授" in soup(refused.text).select_one("table.list").get_text()  # type: ignore[union-attr]
    # A malformed id and a made-up half-day are refused in Chinese too.
    bad = w.pages["admin"].post(
        str(replace["action"]),
        data={"expert_id": "王教授", "csrf_token": w.tokens["admin"]},
        follow_redirects=True,
    )
    assert "专家" in bad.text
    assert "应为数字" in bad.text
    rid = w.ids["req_a"]
    odd = w.pages["admin"].post(
        f"/visits/runs/{run_id}/move",
        data={"request_id": str(rid), "half_day": "明天上午", "csrf_token": w.tokens["admin"]},
        follow_redirects=True,
    )
    assert "不是有效的半天" in odd.text
    # A real move: the visit goes to the other half-day and is locked.
    days = [str(o["value"]) for o in move.select("select[name=half_day] option")]
    current = [str(o["value"]) for o in move.select("option[selected]")]
    target = next(d for d in days if d not in current)
    moved = w.pages["admin"].post(
        f"/visits/runs/{run_id}/move",
        data={"request_id": str(rid), "half_day": target, "csrf_token": w.tokens["admin"]},
        follow_redirects=True,
    )
    assert "并已锁定" in moved.text
    assert "已锁定" in soup(moved.text).select_one("table.list").get_text()  # type: ignore[union-attr]
    draft = w.api["admin"].get(f"/api/v1/visits/runs/{run_id}").json()
    assert draft["visits"][0]["experts"][0]["half_day"] == target
    # Published: the page offers no edit, and the API refuses one.
    assert _post(w, "admin", f"/visits/runs/{run_id}/publish").status_code == 303
    after = soup(w.pages["admin"].get(f"/visits/runs/{run_id}").text)
    assert after.select_one("form.edit-expert") is None
    assert "已发布过，不能直接修改" in after.get_text()
    api = w.api["admin"].put(
        f"/api/v1/visits/runs/{run_id}/visits/{rid}/half-day", json={"half_day": current[0]}
    )
    assert api.status_code == 409
    assert "已发布过" in api.text


def test_the_expert_proposes_a_docking_from_the_diagnosis_page(visits: World) -> None:
    w = visits
    run_id = _draft(w)
    assert _post(w, "admin", f"/visits/runs/{run_id}/publish").status_code == 303
    rid = w.ids["req_a"]
    before = soup(w.pages["expert_u"].get(f"/visits/requests/{rid}").text)
    assert before.select_one("form.propose-docking") is None, "only after the diagnosis"
    # A refused record says which field and why, nothing kept.
    for data, said in (
        ({"problems": "涂"}, "发现的问题：至少需要 2 个字符"),
        ({"problems": "双极板涂层附着力不足", "suggestions": "改用\x07涂层"}, "改进建议"),
    ):
        refused = _post(w, "expert_u", f"/visits/requests/{rid}/diagnosis", **data)
        assert refused.status_code == 422
        assert said in refused.text
    assert "巡诊后由专家填写" in w.pages["expert_u"].get(f"/visits/requests/{rid}").text
    wrote = _post(
        w,
        "expert_u",
        f"/visits/requests/{rid}/diagnosis",
        problems="双极板涂层附着力不足",
        follow_ups="提供三批样品 | 企业技术部 | 2030-01-31",
    )
    assert wrote.status_code == 303
    page = soup(w.pages["expert_u"].get(f"/visits/requests/{rid}").text)
    # Rewriting the record starts from its follow-ups (saving it blank would drop them).
    kept = page.select_one("textarea[name=follow_ups]")
    assert kept is not None
    assert "提供三批样品 | 企业技术部 | 2030-01-31" in kept.get_text()
    form = page.select_one("form.propose-docking")
    assert form is not None
    assert "燃料电池双极板耐腐蚀涂层" in form.get_text()
    # The company does not get the form; another company's need is refused.
    assert (
        soup(w.pages["ent_a"].get(f"/visits/requests/{rid}").text).select_one(
            "form.propose-docking"
        )
        is None
    )
    wrong = w.pages["expert_u"].post(
        str(form["action"]),
        data={"need_id": str(w.ids["need_b"]), "csrf_token": w.tokens["expert_u"]},
        follow_redirects=True,
    )
    assert "只能提议与甲氢能科技有限公司的技术需求对接" in wrong.text
    done = w.pages["expert_u"].post(
        str(form["action"]),
        data={
            "need_id": str(w.ids["need_a"]),
            "message": "巡诊时看过样品，可先做涂层对比测试。",
            "csrf_token": w.tokens["expert_u"],
        },
        follow_redirects=True,
    )
    assert "已向企业提议对接" in done.text
    assert "专家走访" in done.text
    # The company sees it in its docking box like any request, and may answer it.
    box = w.pages["ent_a"].get("/dockings?box=incoming")
    assert "王教授" in box.text
    assert "燃料电池双极板耐腐蚀涂层" in box.text


def test_staff_add_an_expert_to_an_unstaffed_visit_on_the_draft_page(visits: World) -> None:
    from sqlalchemy import delete

    from matchmaking.models import VisitAssignment

    w = visits
    run_id = _draft(w)
    app: Any = w.pages["admin"].app
    with app.state.session_factory() as session:
        # Given: the run could not staff 甲's visit.
        session.execute(delete(VisitAssignment).where(VisitAssignment.run_id == run_id))
        session.commit()
    page = soup(w.pages["admin"].get(f"/visits/runs/{run_id}").text)
    form = page.select_one("form.edit-add")
    assert form is not None
    assert "王教授" in form.get_text()
    days = [str(o["value"]) for o in form.select("select[name=half_day] option")]
    assert days
    added = w.pages["admin"].post(
        f"/visits/runs/{run_id}/add",
        data={
            "request_id": str(w.ids["req_a"]),
            "expert_id": str(w.ids["exp_u"]),
            "half_day": days[-1],
            "csrf_token": w.tokens["admin"],
        },
        follow_redirects=True,
    )
    assert "已加上王教授" in added.text
    after = soup(added.text)
    assert after.select_one("form.edit-add") is None
    assert "已锁定" in after.select_one("table.list").get_text()  # type: ignore[union-attr]
