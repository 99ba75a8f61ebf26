"""A past demo event in Chromium: staff open its report (on a desktop, on a phone, and as
printed), download the Excel, open the booklet and the refill page; the company reads the
booklet of the upcoming event it registered for. Screenshots of each page."""

from __future__ import annotations

import io
from collections.abc import Callable

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.helpers import login, shot
from tests.browser.test_flows import PASSWORD, person  # noqa: F401  (fixture)

PAST = "船舶海工装备产学研对接会"
UPCOMING = "氢能与新型储能产学研专场对接会"


def test_report_booklet_and_refill_pages(person: Callable[[], Page]) -> None:  # noqa: F811
    staff, company = person(), person()
    login(staff, "staff", PASSWORD)
    staff.goto("/events")
    staff.get_by_role("link", name=PAST).click()
    event_url = staff.url

    staff.get_by_role("link", name="活动报告").click()
    expect(staff.locator("h1")).to_contain_text("活动报告")
    expect(staff.locator(".report-figures")).to_contain_text("报名参会")
    expect(staff.locator("table.list").nth(1)).to_contain_text("桌")  # the meetings
    shot(staff, "events-report-01-desktop")
    with staff.expect_download() as download:
        staff.get_by_role("link", name="下载 Excel").click()
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    assert book.sheetnames == ["概况", "参会单位", "洽谈", "后续成果"]
    staff.emulate_media(media="print")
    shot(staff, "events-report-02-print")
    staff.emulate_media(media="screen")
    staff.set_viewport_size({"width": 390, "height": 844})
    shot(staff, "events-report-03-phone")
    # Nothing wider than the phone but the tables, which scroll inside their box.
    width = staff.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, width

    staff.set_viewport_size({"width": 1280, "height": 900})
    staff.goto(event_url)
    staff.get_by_role("link", name="会刊").click()
    expect(staff.locator(".booklet-cover h1")).to_contain_text(PAST)
    expect(staff.locator(".booklet-part").first).to_contain_text("日程安排")
    shot(staff, "events-booklet-01-staff")
    staff.emulate_media(media="print")
    shot(staff, "events-booklet-02-print")
    staff.emulate_media(media="screen")

    staff.goto(event_url)
    staff.get_by_role("link", name="现场补位").click()
    expect(staff.locator("h1")).to_contain_text("现场补位")
    shot(staff, "events-refill-01-past-event")

    # The demo company is registered for the upcoming event: it reads that booklet (no
    # meetings yet), never a report.
    login(company, "qiye", PASSWORD)
    company.goto("/events")
    company.get_by_role("link", name=UPCOMING).click()
    upcoming_url = company.url
    company.get_by_role("link", name="会刊").click()
    expect(company.locator(".booklet-cover h1")).to_contain_text(UPCOMING)
    expect(company.locator(".booklet-part").last).to_contain_text("洽谈日程尚未发布")
    shot(company, "events-booklet-03-company")
    response = company.goto(upcoming_url + "/report")
    assert response is not None
    assert response.status == 403
