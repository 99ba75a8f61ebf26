"""Events in Chromium: staff create an event, then schedule and publish the demo's open
event through the worker (the page polls the run's progress); the company sees its
agenda, downloads the .ics and shows its check-in QR code. Screenshots of each page."""

from __future__ import annotations

import re
from collections.abc import Callable

from icalendar import Calendar
from playwright.sync_api import Page, expect

from tests.browser.helpers import login, shot
from tests.browser.test_flows import PASSWORD, flash, person  # noqa: F401  (fixture)

UPCOMING = "氢能与新型储能产学研专场对接会"
# The schedule is computed by the demo's worker; its time limit is 30 s.
SCHEDULE_TIMEOUT = 120


def test_staff_schedule_and_publish_participant_sees_agenda(person: Callable[[], Page]) -> None:  # noqa: F811
    staff, company = person(), person()
    staff.on("dialog", lambda dialog: dialog.accept())
    login(staff, "staff", PASSWORD)

    # Staff create an event through the form.
    staff.goto("/events")
    expect(staff.locator("table.events")).to_contain_text(UPCOMING)
    shot(staff, "events-01-list")
    staff.get_by_role("link", name="新建活动").click()
    form = staff.locator("form[action='/events/new']")
    form.locator("input[name=title]").fill("集成电路产学研路演")
    form.locator("select[name=kind]").select_option(label="路演")
    form.locator("input[name=held_on]").fill("2030-05-20")
    form.locator("input[name=registration_opens]").fill("2030-05-01")
    form.locator("input[name=registration_closes]").fill("2030-05-15")
    form.locator("input[name=capacity]").fill("40")
    shot(staff, "events-02-new")
    form.get_by_role("button", name="创建活动").click()
    flash(staff, "活动已创建")
    expect(staff.locator("h1")).to_contain_text("集成电路产学研路演")

    # The demo's open event: run the scheduler, watch it finish, publish.
    staff.goto("/events")
    staff.get_by_role("link", name=UPCOMING).click()
    shot(staff, "events-03-detail-staff")
    staff.get_by_role("link", name="排程").click()
    staff.get_by_role("button", name="运行排程").click()
    flash(staff, "排程已开始计算")
    shot(staff, "events-04-schedule-running")
    # Nobody presses reload: the page polls the run and reloads itself when it is done
    # (a reload by the test raced that one and aborted: net::ERR_ABORTED).
    expect(staff.get_by_role("button", name="发布").first).to_be_visible(
        timeout=SCHEDULE_TIMEOUT * 1000
    )
    expect(staff.locator("table.grid")).to_contain_text("第 1 桌")
    shot(staff, "events-05-schedule-draft")
    staff.get_by_role("button", name="发布").click()
    flash(staff, "日程已发布")
    staff.get_by_role("link", name=UPCOMING).click()
    staff.get_by_role("link", name="桌签与桌次表").click()
    shot(staff, "events-06-tables")

    # The company (registered in the demo) sees its agenda, the .ics and its QR code.
    login(company, "qiye", PASSWORD)
    company.goto("/events")
    company.get_by_role("link", name=UPCOMING).click()
    shot(company, "events-07-detail-company")
    company.get_by_role("link", name="查看我的日程").click()
    expect(company).to_have_url(re.compile(r"/agenda$"))
    expect(company.locator("table.agenda tbody tr").first).to_contain_text("桌")
    shot(company, "events-08-agenda")
    with company.expect_download() as download:
        company.get_by_role("link", name="下载日历文件（.ics）").click()
    data = download.value.path().read_bytes()
    statuses = [str(e["STATUS"]) for e in Calendar.from_ical(data).walk("VEVENT")]
    assert statuses
    assert set(statuses) == {"CONFIRMED"}
    qr = company.locator("img[alt=签到二维码]")
    expect(qr).to_be_visible()
    assert company.evaluate("document.querySelector('img[alt=签到二维码]').naturalWidth") > 0
