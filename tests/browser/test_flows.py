"""Issue #4's main flow in Chromium, one browser context (own cookies) per person.

A new enterprise registers, the bureau approves it, it posts a need and sees explained
recommendations, requests docking on a university's achievement; the university accepts;
the enterprise sees the contacts; the bureau sees the pairing on its board. Every main
page is saved as a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.browser.conftest import CALL_REPORT, LiveServer
from tests.browser.helpers import login, reload_until, save_failure, shot, wait_for_embedding

PASSWORD = "haimen-demo-2026"
ACHIEVEMENT = "燃料电池金属双极板碳基复合涂层"
UNIVERSITY = "同济大学"
QIYE_ORG = "海门氢能动力科技有限公司"
# The need's vector is computed by the demo's worker; its recommendations may lag behind.
EMBEDDING_TIMEOUT = 60


@pytest.fixture
def person(
    browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Callable[[], Page]]:
    """Open a page in a new context (its own cookies), held to the same rules as ``page``.

    Offline only (requests to other hosts are aborted and fail the test), no uncaught
    JavaScript error, and the failure artifacts of each person's last page.
    """
    own_host = urlsplit(live_server.url).netloc
    opened: list[tuple[Page, list[str], list[str]]] = []

    def open_page() -> Page:
        context = browser.new_context(
            base_url=live_server.url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 800},
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        outside: list[str] = []
        errors: list[str] = []

        def only_local(route: Route) -> None:
            url = urlsplit(route.request.url)
            if url.scheme in ("data", "blob") or url.netloc == own_host:
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        opened.append((page, outside, errors))
        return page

    yield open_page
    report = request.node.stash.get(CALL_REPORT, None)
    problems: list[str] = []
    for n, (page, outside, errors) in enumerate(opened):
        if report is not None and report.failed:
            saved = save_failure(page, f"{request.node.nodeid}-person{n}", live_server.log)
            print(f"\nfailure artifacts: {', '.join(str(p) for p in saved)}")  # noqa: T201
        if outside:
            problems.append(f"person {n} requested other hosts (must work offline): {outside}")
        if errors:
            problems.append(f"person {n} had uncaught JavaScript errors: {errors}")
        page.context.close()
    assert not problems, problems


def flash(page: Page, text: str) -> None:
    expect(page.locator("p.flash", has_text=text)).to_be_visible()


def test_enterprise_to_agreement_flow(person: Callable[[], Page]) -> None:
    company, staff, university, expert = person(), person(), person(), person()
    suffix = uuid.uuid4().hex[:6]
    org_name = f"海门正余氢能涂层科技有限公司{suffix}"
    username = f"e2e_{suffix}"
    password = "bipolar-plate-2026!"

    # An enterprise registers through the form.
    company.goto("/register")
    form = company.locator("form[action='/register']")
    form.locator("input[name=org_name]").fill(org_name)
    form.locator("select[name=org_kind]").select_option(label="企业")
    form.locator("select[name=town]").select_option(label="正余镇")
    form.locator("select[name=industry_field]").select_option(label="氢能与新型储能")
    form.locator("input[name=display_name]").fill("陈工")
    form.locator("input[name=contact_phone]").fill("0513-82000000")
    form.locator("input[name=contact_email]").fill(f"{username}@example.com")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.locator("input[name=password2]").fill(password)
    shot(company, "01-register")
    form.get_by_role("button", name="提交注册").click()

    # Logged in at once; the account page says the organization awaits review.
    expect(company).to_have_url(re.compile(r"/account$"))
    flash(company, "注册成功")
    expect(company.locator("dl.facts")).to_contain_text(org_name)
    expect(company.locator("dl.facts .status")).to_have_text("待审核")
    expect(company.get_by_text("您的单位正在等待区科技局审核")).to_be_visible()
    shot(company, "02-account-pending")

    # The bureau approves it.
    login(staff, "staff", PASSWORD)
    staff.goto("/staff/organizations?status=pending")
    row = staff.locator("table.orgs tr", has_text=org_name)
    expect(row).to_contain_text("正余镇")
    expect(row.locator(".status")).to_have_text("待审核")
    shot(staff, "03-staff-organizations")
    row.get_by_role("button", name="通过").click()
    flash(staff, f"已通过“{org_name}”的审核")
    staff.goto("/staff/organizations")
    expect(staff.locator("table.orgs tr", has_text=org_name).locator(".status")).to_have_text(
        "已发布"
    )

    # The same session now sees its organization published.
    company.goto("/account")
    expect(company.locator("dl.facts .status")).to_have_text("已发布")
    expect(company.get_by_text("您的单位正在等待区科技局审核")).to_have_count(0)

    # The enterprise posts a need about bipolar-plate coatings.
    company.get_by_role("link", name="发布需求").click()
    expect(company).to_have_url(re.compile(r"/needs/new$"))
    need_title = f"燃料电池金属双极板耐腐蚀导电涂层开发（{suffix}）"
    form = company.locator("form[action='/needs/new']")
    form.locator("input[name=title]").fill(need_title)
    form.locator("textarea[name=description]").fill(
        "我公司生产氢燃料电池电堆，目前采用316L不锈钢金属双极板，在酸性湿热工况下腐蚀较快，"
        "金属离子溶出污染质子交换膜，接触电阻随运行时间上升。需要开发耐腐蚀、导电性好的"
        "双极板表面涂层（如碳基或氮化物涂层）及其批量镀膜工艺，已尝试外购镀金方案但成本过高。"
    )
    form.locator("textarea[name=indicators]").fill(
        "接触电阻 ≤ 10 mΩ·cm²；腐蚀电流密度 ≤ 1 μA/cm²；涂层寿命 ≥ 5000 h；单片成本 ≤ 20 元"
    )
    form.locator("select[name=industry_field]").select_option(label="氢能与新型储能")
    form.locator("select[name=cooperation_mode]").select_option(label="合作开发")
    form.locator("input[name=budget_wan]").fill("80")
    form.locator("input[name=contact_name]").fill("陈工")
    shot(company, "04-need-form")
    with company.expect_navigation():
        form.get_by_role("button", name="发布需求").click()
    # A draft the quality check finds weak comes back with hints and “仍然发布”.
    publish_anyway = company.get_by_role("button", name="仍然发布")
    if publish_anyway.count():
        shot(company, "04b-need-form-hints")
        with company.expect_navigation():
            publish_anyway.click()

    # The need page: published, with recommended achievements and the reasons.
    expect(company).to_have_url(re.compile(r"/needs/\d+$"))
    flash(company, "需求已发布")
    expect(company.locator("h1")).to_contain_text(need_title)
    need_id = int(company.url.rsplit("/", 1)[1])
    # The demo's worker computes the need's vector in the background; then the page shows
    # the recommendations from the stored vector.
    wait_for_embedding(company, "needs", need_id, EMBEDDING_TIMEOUT)
    company.reload()
    target = company.locator("ol.results > li", has_text=ACHIEVEMENT).filter(has_text=UNIVERSITY)
    reload_until(company, target, 20, f"{ACHIEVEMENT} among the recommendations")
    expect(company.locator("nav.tabs a.active")).to_have_text("推荐科技成果")
    expect(target.locator(".score")).to_contain_text(re.compile(r"匹配度 \d+%"))
    chips = target.locator(".terms .chip").all_inner_texts()
    marks = target.locator("mark").all_inner_texts()
    assert "双极板" in chips or "金属双极板" in chips, chips
    assert set(marks) & {"双极板", "金属双极板", "涂层", "耐腐蚀"}, marks
    shot(company, "05-need-recommendations")

    # It asks 同济大学 for a docking on that achievement.
    target.locator("summary", has_text="申请对接").click()
    target.locator("textarea[name=message]").fill("您好，希望就碳基复合涂层的中试放大合作开发。")
    target.get_by_role("button", name="发送对接申请").click()
    expect(company).to_have_url(re.compile(r"/dockings/\d+$"))
    docking_url = company.url
    flash(company, "对接申请已发送")
    expect(company.locator("h1 .status")).to_have_text("已申请")
    expect(company.locator(".contacts-hidden")).to_contain_text(UNIVERSITY)
    expect(company.locator(".contacts dd.phone")).to_have_count(0)
    shot(company, "06-docking-requested")

    # 同济大学 is notified, opens its incoming dockings and accepts.
    login(university, "gaoxiao", PASSWORD)
    expect(university.locator("header .badge")).to_be_visible()
    university.locator("header a.bell").click()
    expect(university).to_have_url(re.compile(r"/notifications$"))
    note = university.locator("ul.notifications li.unread", has_text=need_title)
    expect(note).to_contain_text("申请对接")
    expect(note).to_contain_text(ACHIEVEMENT)
    shot(university, "07-notifications")
    university.goto("/dockings")
    expect(university.locator("nav.tabs a.active")).to_have_text("收到的")
    row = university.locator("table.dockings tr", has_text=need_title)
    expect(row.locator(".status")).to_have_text("已申请")
    shot(university, "08-dockings-incoming")
    row.get_by_role("link", name="查看").click()
    expect(university).to_have_url(docking_url)
    expect(university.locator(".message")).to_contain_text("中试放大")
    actions = university.locator("section.docking-actions")
    actions.locator("textarea[name=message]").fill("欢迎来校交流，下周二上午在嘉定校区。")
    actions.get_by_role("button", name="接受对接").click()
    flash(university, "已接受对接")
    expect(university.locator("h1 .status")).to_have_text("已接受")
    expect(university.locator("ol.timeline")).to_contain_text("欢迎来校交流")
    # The university now sees the enterprise's contact, too.
    expect(university.locator(".contacts")).to_contain_text("0513-82000000")
    # On a phone, a long e-mail address wraps inside its card instead of running off it.
    university.set_viewport_size({"width": 320, "height": 640})
    card = university.locator(".contacts").bounding_box()
    assert card is not None
    for box in (dd.bounding_box() for dd in university.locator(".contacts dd").all()):
        assert box is not None
        assert box["x"] + box["width"] <= card["x"] + card["width"]
    university.set_viewport_size({"width": 1280, "height": 800})
    shot(university, "09-docking-accepted-university")

    # The enterprise is told and now sees 同济大学's contact details.
    company.goto(docking_url)
    expect(company.locator("header .badge")).to_be_visible()
    expect(company.locator("h1 .status")).to_have_text("已接受")
    contact = company.locator(".contacts dl.facts", has_text=UNIVERSITY)
    expect(contact.locator("dd.phone")).to_have_text(re.compile(r"^0513-8\d{7}$"))
    expect(contact).to_contain_text("@demo.haimen.example")
    expect(company.locator(".contacts-hidden")).to_have_count(0)
    shot(company, "10-docking-accepted-enterprise")

    # The bureau sees the pairing in the 已接受 column of its board.
    staff.goto("/staff/board")
    accepted = staff.locator(".board .column-accepted")
    expect(accepted.locator("h3")).to_contain_text("已接受")
    ticket = accepted.locator(".ticket", has_text=need_title)
    expect(ticket).to_contain_text(ACHIEVEMENT)
    expect(ticket).to_contain_text(org_name)
    expect(ticket).to_contain_text(UNIVERSITY)
    expect(staff.locator(".board .column-requested .ticket", has_text=need_title)).to_have_count(0)
    shot(staff, "11-staff-board")

    # The other main pages, as each kind of user sees them.
    company.goto("/my/needs")
    expect(company.locator("main")).to_contain_text(need_title)
    shot(company, "12-my-needs")
    company.goto("/transfer")
    expect(company.locator("h1")).to_be_visible()
    shot(company, "13-transfer")
    university.goto("/my/achievements")
    expect(university.locator("h1")).to_contain_text(UNIVERSITY)
    expect(university.locator("table.list tbody tr").first).to_be_visible()
    shot(university, "14-my-achievements-gaoxiao")
    login(expert, "zhuanjia", PASSWORD)
    expert.goto("/my/profile")
    expect(expert.locator("h1")).to_contain_text("南京工业大学")
    expect(expert.locator("form[action='/my/profile'] input[name=name]")).to_have_value("曾新华")
    expect(expert.get_by_role("heading", name="适合我的技术需求")).to_be_visible()
    shot(expert, "15-my-profile-zhuanjia")


def test_access_is_denied_in_the_browser(page: Page) -> None:
    # An anonymous visitor is sent to the login page and comes back after logging in.
    page.goto("/my/needs")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fmy%2Fneeds$"))
    form = page.locator("form[action='/login']")
    form.locator("input[name=username]").fill("qiye")
    form.locator("input[name=password]").fill(PASSWORD)
    form.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/my/needs$"))
    expect(page.locator("main")).to_contain_text(QIYE_ORG)

    # An enterprise user may not open the bureau's board …
    response = page.goto("/staff/board")
    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("没有权限")
    expect(page.locator(".board")).to_have_count(0)
    shot(page, "16-forbidden-board")

    # … nor the edit page of another company's need.
    page.goto("/search?q=船舶压载水处理&kind=needs")
    others = page.locator("ol.results > li").filter(has_not_text=QIYE_ORG)
    expect(others.first).to_be_visible()
    href = others.first.get_by_role("link").first.get_attribute("href")
    assert href is not None
    assert re.fullmatch(r"/needs/\d+", href), href
    response = page.goto(f"{href}/edit")
    assert response is not None
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("没有权限")
    expect(page.locator("form[action$='/edit']")).to_have_count(0)
    shot(page, "17-forbidden-need-edit")
