"""The home page of the demo in Chromium: brand, search, explained results."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import shot


def search(page: Page, q: str, kind: str) -> None:
    """Type a query, pick what to search, press Enter: the way a visitor searches."""
    form = page.locator("form.search")
    form.locator("select[name=kind]").select_option(kind)
    form.locator("input[name=q]").fill(q)
    with page.expect_navigation():
        form.locator("input[name=q]").press("Enter")


def test_home_is_the_platform_in_chinese(page: Page) -> None:
    page.goto("/")

    expect(page).to_have_title(re.compile("产学研对接平台"))
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator(".brand")).to_have_text("产学研对接平台")
    expect(page.locator("form.search input[name=q]")).to_be_visible()
    expect(page.locator("form.search select[name=kind]")).to_have_value("achievements")
    shot(page, "home")


def test_search_finds_bipolar_plate_achievements_and_explains_why(page: Page) -> None:
    page.goto("/")

    search(page, "双极板 涂层", "achievements")

    # The form keeps what was asked.
    expect(page.locator("form.search input[name=q]")).to_have_value("双极板 涂层")
    expect(page.locator("form.search select[name=kind]")).to_have_value("achievements")
    results = page.locator("ol.results li")
    expect(results.first).to_be_visible()
    headings = [results.nth(i).get_by_role("heading").inner_text() for i in range(3)]
    assert any("双极板" in h for h in headings), headings
    # The best result says how well it matches and which terms it shares with the query.
    top = results.first
    expect(top.get_by_text("匹配度")).to_be_visible()
    marks = top.locator("mark")
    expect(marks.first).to_be_visible()
    assert {"双极板", "涂层"} & set(marks.all_inner_texts()), marks.all_inner_texts()
    shot(page, "search-achievements")


def test_search_that_matches_no_keyword_says_so(page: Page) -> None:
    page.goto("/")

    search(page, "zzxqvw", "achievements")

    shot(page, "search-no-keyword-hits")
    # Nothing is above the relevance line: no list of "nearest" items, and the page says
    # so and what to try instead.
    expect(page.get_by_text("没有足够相关的科技成果与“zzxqvw”匹配")).to_be_visible(timeout=2_000)
    expect(page.locator("ol.results li")).to_have_count(0)


def test_browse_by_industry_then_filter_by_town_and_page(page: Page) -> None:
    """From the home page's ways in to a filtered, paged list, on a phone-sized screen."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    link = page.locator(".browse-industry a").first
    expect(link).to_be_visible()
    with page.expect_navigation():
        link.click()
    expect(page).to_have_url(re.compile(r"/search\?kind=\w+&industry=\w+"))
    count = page.locator(".count")
    expect(count).to_contain_text("共")
    expect(page.locator("ol.results > li").first).to_be_visible()

    filters = page.locator("form.search-filters")
    town = filters.locator("select[name=town] option").nth(1).get_attribute("value")
    assert town
    filters.locator("select[name=town]").select_option(town)
    with page.expect_navigation():
        filters.get_by_role("button", name="筛选").click()
    expect(filters.locator("select[name=town]")).to_have_value(town)
    expect(page.locator(".count")).to_contain_text("共")
    shot(page, "search-browse-phone")

    # Back to the whole kind, newest first, and to the next page.
    page.goto("/search?kind=achievements")
    expect(page.locator(".count")).to_contain_text("最新发布在前")
    with page.expect_navigation():
        page.locator("nav.pager").get_by_role("link", name="下一页").click()
    expect(page.locator("nav.pager")).to_contain_text("第 2 /")
