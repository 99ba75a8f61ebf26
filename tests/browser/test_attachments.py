"""A contract's scan attached and downloaded in Chromium, on a phone's width."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from matchmaking.demo import DEMO_PASSWORD
from tests.browser.helpers import login, shot

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def test_staff_attach_a_scan_on_a_phone_and_download_it(page: Page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, "staff", DEMO_PASSWORD)
    page.goto("/contracts")
    with page.expect_navigation():
        page.locator("table.list tbody tr a").first.click()
    card = page.locator("#attachments")
    expect(card.locator("form.file-upload")).to_be_visible()

    scan = tmp_path / "技术合同登记证明（盖章）.pdf"
    scan.write_bytes(PDF)
    card.locator("input[name=file]").set_input_files(scan)
    card.locator("select[name=kind]").select_option(label="登记证明")
    with page.expect_navigation():
        card.get_by_role("button", name="上传附件").click()

    item = page.locator("#attachments ul.files li", has_text="技术合同登记证明（盖章）.pdf")
    expect(item).to_be_visible()
    expect(item).to_contain_text("登记证明")
    expect(item).to_contain_text("KB")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width}px wide on a 390px phone"
    shot(page, "contract-attachments-phone")

    with page.expect_download() as download:
        item.locator("a.file-name").click()
    assert download.value.suggested_filename == "技术合同登记证明（盖章）.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
