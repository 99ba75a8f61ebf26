"""Clinic visits (技术专家巡诊) in Chromium, on the demo's campaign being planned: the demo
expert gives their free half-days, the company asks for a diagnosis, staff run the
assignment through the worker (putting the demo expert on the company's visit by hand if
the solver chose others) and publish; the expert accepts, reads the brief, writes the
diagnosis, drafts a need and proposes a docking; the company publishes the drafted need
and sees its recommendations. Screenshots of each page."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect

from tests.browser.helpers import login, reload_until, shot, wait_for_embedding
from tests.browser.test_flows import PASSWORD, QIYE_ORG, flash, person  # noqa: F401  (fixture)

PLANNED = "2027年春季全区技术专家巡诊"
EXPERT = "曾新华"
# The assignment is computed by the demo's worker; stage 2's time limit is 30 s.
RUN_TIMEOUT = 150
EMBEDDING_TIMEOUT = 60


def test_a_diagnosis_from_request_to_published_need(person: Callable[[], Page]) -> None:  # noqa: F811
    expert, company, staff = person(), person(), person()

    # The demo expert is invited: they keep all half-days free and accept the invitation.
    login(expert, "zhuanjia", PASSWORD)
    expert.goto("/visits")
    expert.get_by_role("link", name=PLANNED).click()
    free = expert.locator("form[action$='/availability']")
    expect(free.locator("input[name=available]").first).to_be_checked()
    shot(expert, "visits-01-expert-availability")
    free.get_by_role("button", name="保存空闲时间").click()
    flash(expert, "已保存：6 个空闲半天")

    # The company asks for a diagnosis in its own words.
    login(company, "qiye", PASSWORD)
    company.goto("/visits")
    company.get_by_role("link", name=PLANNED).click()
    campaign_url = company.url
    ask = company.locator("form[action$='/ask']")
    ask.locator("textarea[name=problem]").fill(
        "我们的燃料电池电堆用不锈钢金属双极板，在酸性湿热工况下腐蚀，接触电阻越来越高，"
        "电堆功率衰减快，想请专家看看涂层和工艺哪里有问题。"
    )
    ask.locator("select[name=industry_field]").select_option(label="氢能与新型储能")
    ask.locator("textarea[name=tried]").fill("试过外购镀金双极板，成本太高。")
    ask.locator("input[name=contact_name]").fill("王工")
    ask.locator("input[name=contact_phone]").fill("0513-82990001")
    ask.locator("input[name=address]").fill("正余镇氢能产业园 6 号")
    shot(company, "visits-02-company-asks")
    ask.get_by_role("button", name="提交申请").click()
    flash(company, "诊断申请已提交")
    expect(company).to_have_url(re.compile(r"/visits/requests/\d+$"))
    request_url = company.url
    request_path = urlsplit(request_url).path
    expect(company.locator(".contacts-hidden")).to_have_count(0)  # the company sees its own

    # Staff run the assignment; the worker computes it.
    login(staff, "staff", PASSWORD)
    staff.goto(campaign_url)
    staff.get_by_role("button", name="运行排班").click()
    flash(staff, "排班已提交计算")
    expect(staff).to_have_url(re.compile(r"/visits/runs/\d+$"))
    publish = staff.get_by_role("button", name="发布这一版")
    reload_until(staff, publish, RUN_TIMEOUT, "the finished run's publish button")
    visit = staff.locator("section.card", has=staff.locator("h2", has_text=QIYE_ORG))
    expect(visit.locator("table.list tbody tr")).to_have_count(2)  # two experts a visit
    shot(staff, "visits-03-draft")
    if EXPERT not in visit.locator("table.list").inner_text():
        # Staff put the demo expert on the visit by hand, in place of its second expert.
        replace = visit.locator("form.edit-expert").last
        choice = replace.locator("select[name=expert_id] option", has_text=EXPERT).first
        value = choice.get_attribute("value")
        assert value is not None
        replace.locator("select[name=expert_id]").select_option(value)
        replace.get_by_role("button", name="换人").click()
        flash(staff, f"已换为{EXPERT}")
        shot(staff, "visits-03b-draft-edited")
    expect(visit.locator("table.list")).to_contain_text(EXPERT)
    staff.get_by_role("button", name="发布这一版").click()
    flash(staff, "安排已发布")

    # The expert accepts, reads the brief (with the company's contact) and diagnoses.
    expert.goto("/visits/mine")
    # The demo's finished campaign visited the same company: this campaign's visit only.
    mine = expert.locator("section.card", has=expert.locator(f"h2 a[href='{request_path}']"))
    shot(expert, "visits-04-expert-visits")
    mine.get_by_role("button", name="接受").click()
    flash(expert, "已接受巡诊安排")
    mine.get_by_role("link", name="查看巡诊简报、填写诊断记录").click()
    expect(expert.locator(".contacts dd.phone")).to_have_text("0513-82990001")
    expect(expert.get_by_role("heading", name="平台推荐")).to_be_visible()
    shot(expert, "visits-05-brief")
    record = expert.locator("form[action$='/diagnosis']")
    record.locator("textarea[name=problems]").fill(
        "双极板涂层附着力不足，湿热循环后局部剥落\n批次间接触电阻波动大，缺少在线检测"
    )
    record.locator("textarea[name=suggestions]").fill("改用碳基复合涂层；建立接触电阻在线检测。")
    record.locator("textarea[name=follow_ups]").fill("提供三批双极板样品 | 企业技术部 | 2027-05-31")
    record.get_by_role("button", name="保存诊断记录").click()
    flash(expert, "诊断记录已保存")
    expert.get_by_role("button", name="转为技术需求").click()
    flash(expert, "已起草技术需求")
    # The expert also proposes a docking with one of the company's open needs.
    proposal = expert.locator("form.propose-docking")
    proposal.locator("textarea[name=message]").fill("巡诊时看过样品，建议先做涂层对比测试。")
    shot(expert, "visits-06-diagnosis")
    proposal.get_by_role("button", name="向企业提议对接").click()
    flash(expert, "已向企业提议对接")
    expect(expert.locator("main")).to_contain_text("来源专家走访")
    shot(expert, "visits-07-docking-proposed")

    # The company confirms the drafted need, publishes it and sees recommendations.
    company.goto(request_url)
    draft = company.locator("form[action^='/visits/drafts/']").first
    draft.locator("input[name=title]").fill("双极板涂层附着力与接触电阻一致性提升")
    draft.locator("input[name=budget_wan]").fill("50")
    shot(company, "visits-08-company-confirms-draft")
    draft.get_by_role("button", name="确认并发布需求").click()
    flash(company, "技术需求已发布")
    expect(company).to_have_url(re.compile(r"/needs/\d+$"))
    expect(company.locator("h1")).to_contain_text("双极板涂层附着力与接触电阻一致性提升")
    need_id = int(company.url.rsplit("/", 1)[1])
    wait_for_embedding(company, "needs", need_id, EMBEDDING_TIMEOUT)
    company.reload()
    reload_until(
        company, company.locator("ol.results > li"), 20, "recommendations for the drafted need"
    )
    shot(company, "visits-09-need-recommendations")
    # The expert's proposal reached the company like any docking request.
    company.goto("/dockings?box=incoming")
    expect(company.locator("main")).to_contain_text(EXPERT)
    shot(company, "visits-10-company-dockings")
