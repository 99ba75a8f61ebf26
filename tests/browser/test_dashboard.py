"""The KPI dashboard in Chromium: its ECharts charts draw, a number opens its records,
and the issued demo report reads as a bulletin. Screenshots in test-artifacts/screenshots/."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from matchmaking.demo import DEMO_PASSWORD
from tests.browser.helpers import login, shot

CHARTS = ("cumulative", "ranking", "type", "field", "funnel", "origin")

# Share of the canvas' pixels that are not transparent: an empty chart has none.
INK = """(el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas) return 0;
  const ctx = canvas.getContext('2d');
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) inked++; }
  return inked / (data.length / 4);
}"""


def test_dashboard_charts_draw_and_numbers_open_their_records(page: Page) -> None:
    login(page, "staff", DEMO_PASSWORD)
    page.goto("/dashboard")
    expect(page.locator(".kpi-card").first).to_be_visible()
    for name in CHARTS:
        chart = page.locator(f"#chart-{name}")
        expect(chart).to_have_attribute("data-rendered", "1")
        assert chart.evaluate(INK) > 0.001, f"the {name} chart drew nothing"
    expect(page.get_by_text("数据截至")).to_be_visible()
    shot(page, "dashboard")

    card = page.locator(".kpi-card", has_text="征集技术需求")
    with page.expect_navigation():
        card.locator(".kpi-main a").click()
    expect(page.locator("h1")).to_contain_text("征集技术需求")
    expect(page.locator("table.records tbody tr").first).to_be_visible()
    shot(page, "dashboard-records")


def test_dashboard_on_a_phone(page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "staff_zhengyu", DEMO_PASSWORD)
    page.goto("/dashboard")
    expect(page.locator("#chart-cumulative")).to_have_attribute("data-rendered", "1")
    expect(page.locator("h1")).to_contain_text("正余镇")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width}px wide on a 390px phone"
    shot(page, "dashboard-phone")


def test_an_issued_demo_report_reads_as_a_bulletin(page: Page) -> None:
    login(page, "staff", DEMO_PASSWORD)
    page.goto("/reports")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(2)
    with page.expect_navigation():
        rows.first.locator("a").first.click()
    expect(page.locator(".masthead")).to_have_text("产学研合作工作通报")
    expect(page.get_by_text("一、总体完成情况")).to_be_visible()
    shot(page, "monthly-report")
