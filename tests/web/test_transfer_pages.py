"""Excel import and export through the pages: template → upload → preview → import,
the rows to fix, re-import without duplicates, refused files, and the exports."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime
from urllib.parse import unquote

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_need, add_org, make_user
from tests.web.pages_helpers import csrf, login, post_form, soup

MY_NEEDS = "table.list td a[href^='/needs/']:not([href$='/edit'])"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMPANY = "海门氢能动力科技有限公司"
GOOD_1 = {
    "需求名称*": "燃料电池金属双极板耐腐蚀涂层",
    "需求描述*": "金属双极板在酸性环境中腐蚀严重，接触电阻升高，需要耐腐蚀、导电性好的涂层。",
    "行业领域*": "氢能与新型储能",
    "合作方式*": "合作开发",
    "预算（万元）": 120,
}
BAD = {
    "需求名称*": "船用低速柴油机尾气脱硝催化剂",
    "需求描述*": "现有脱硝催化剂低温活性不足，需要 200℃ 以下仍有高活性的催化剂。",
    "行业领域*": "造火箭",
    "合作方式*": "委托开发",
}
GOOD_2 = {
    "需求名称*": "家纺面料抗菌整理工艺",
    "需求描述*": "家纺面料水洗 50 次后抗菌率下降明显，需要耐水洗的抗菌整理工艺。",
    "行业领域*": "纺织与家纺",
    "合作方式*": "技术服务",
}


def fill(template: bytes, rows: list[dict[str, object]]) -> bytes:
    """Replace the template's example row with ``rows``, as a user would in Excel."""
    wb = load_workbook(io.BytesIO(template))
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    ws.delete_rows(2, ws.max_row)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def first_sheet(data: bytes) -> list[dict[str, object]]:
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def upload(client: TestClient, kind: str, name: str, data: bytes) -> object:
    return client.post(
        f"/transfer/upload/{kind}",
        data={"csrf_token": csrf(client, "/transfer")},
        files={"file": (name, data, XLSX)},
        follow_redirects=False,
    )


def upload_and_import(client: TestClient, name: str, data: bytes) -> tuple[str, object]:
    """Upload, open the preview, confirm; returns the preview's HTML and the result page."""
    sent = upload(client, "needs", name, data)
    assert sent.status_code == 303, sent.text[:500]
    preview_url = sent.headers["location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    action = soup(preview.text).select_one("form[action^='/transfer/import/']")["action"]
    result = post_form(client, action, {})
    assert result.status_code == 200, result.text[:500]
    return preview.text, result


def counts(html: str) -> tuple[int, int, int]:
    page = soup(html)
    return tuple(
        int(page.select_one(f"b.{n}").get_text()) for n in ("created", "updated", "failed")
    )


def test_enterprise_imports_fixes_the_bad_row_and_reimports_without_duplicates(
    client: TestClient, make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    company = add_org(client, COMPANY, "enterprise")
    other = add_org(client, "南通海达船舶配套有限公司", "enterprise", town="临江镇")
    make_user(factory, "qiye", "enterprise", org_id=company)
    make_user(factory, "haida", "enterprise", org_id=other)
    owner = make_client()
    login(owner, "qiye")

    # The page offers the needs template and upload (an enterprise imports needs only).
    page = soup(owner.get("/transfer").text)
    assert page.select_one("a[href='/transfer/template/needs']").get_text() == "下载导入模板"
    assert page.select_one("form[action='/transfer/upload/needs'] input[type=file][name=file]")
    assert page.select_one("form[action='/transfer/upload/achievements']") is None
    assert "包含联系方式" not in page.get_text()

    template = owner.get("/transfer/template/needs")
    assert template.headers["content-type"] == XLSX
    disposition = template.headers["content-disposition"]
    assert 'filename="needs-template.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "技术需求导入模板.xlsx"
    original = fill(template.content, [GOOD_1, BAD, GOOD_2])

    # Preview: the mapping, the counts and the bad row with its number and reason.
    sent = upload(owner, "needs", "../../etc/需求清单.xlsx", original)
    assert sent.status_code == 303
    preview_url = sent.headers["location"]
    assert re.fullmatch(r"/transfer/preview/[0-9a-f]{32}", preview_url)
    preview = soup(owner.get(preview_url).text)
    mapping = {
        tr.select("td")[0].get_text(strip=True): tr.select("td")[1].get_text(" ", strip=True)
        for tr in preview.select("table.mapping tbody tr")
    }
    assert mapping["需求名称*"] == "需求名称"
    assert mapping["行业领域*"] == "行业领域"
    assert preview.select_one("h1 small").get_text().startswith("需求清单.xlsx")
    errors = [
        [td.get_text(strip=True) for td in tr.select("td")]
        for tr in preview.select("table.row-errors tbody tr")
    ]
    assert len(errors) == 1
    assert errors[0][0] == "第 3 行"
    assert "造火箭" in errors[0][2]
    assert [tr.select("td")[0].get_text() for tr in preview.select("table.sample tbody tr")] == [
        "第 2 行",
        "第 3 行",
        "第 4 行",
    ]
    assert (
        "新建 2 条，更新 0 条" in preview.select_one("form[action^='/transfer/import/']").get_text()
    )
    # Nothing is imported before the confirmation.
    assert "本单位还没有发布技术需求" in owner.get("/my/needs").text

    # Another user cannot open (or import) this upload.
    intruder = make_client()
    login(intruder, "haida")
    assert intruder.get(preview_url).status_code == 403

    # Confirm: 2 created, 1 failed, listed with its row number.
    action = preview.select_one("form[action^='/transfer/import/']")["action"]
    result = post_form(owner, action, {})
    assert result.status_code == 200
    assert counts(result.text) == (2, 0, 1)
    done = soup(result.text)
    assert "第 3 行" in done.select_one("table.row-errors").get_text()
    assert done.select_one("a[href='/my/needs']")
    titles = [a.get_text() for a in soup(owner.get("/my/needs").text).select(MY_NEEDS)]
    assert sorted(titles) == sorted([GOOD_1["需求名称*"], GOOD_2["需求名称*"]])
    # The upload is used up.
    assert owner.get(preview_url).status_code == 404

    # The error sheet: a real xlsx with the bad row and its reason; another user cannot get it.
    errors_url = done.find("a", string="下载错误行")["href"]
    assert intruder.get(errors_url).status_code == 403
    sheet = owner.get(errors_url)
    assert sheet.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in sheet.headers["content-disposition"]
    rows = first_sheet(sheet.content)
    assert len(rows) == 1
    assert rows[0]["需求名称*"] == BAD["需求名称*"]
    assert "第 3 行" in rows[0]["错误原因"]
    assert "造火箭" in rows[0]["错误原因"]

    # Fixed and uploaded again: the row is created.
    fixed = fill(sheet.content, [{**BAD, "行业领域*": "船舶海工"}])
    _, result = upload_and_import(owner, "错误行.xlsx", fixed)
    assert counts(result.text) == (1, 0, 0)

    # The original file again: updates, no duplicates (its bad row still fails).
    _, result = upload_and_import(owner, "需求清单.xlsx", original)
    assert counts(result.text) == (0, 2, 1)
    titles = [a.get_text() for a in soup(owner.get("/my/needs").text).select(MY_NEEDS)]
    assert len(titles) == 3
    assert len(set(titles)) == 3


def test_refused_uploads_show_a_chinese_message_on_the_transfer_page(
    client: TestClient, make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    company = add_org(client, COMPANY, "enterprise")
    tongji = add_org(client, "同济大学", "university", town="")
    make_user(factory, "qiye", "enterprise", org_id=company)
    make_user(factory, "gaoxiao", "university", org_id=tongji)
    user = make_client()
    login(user, "qiye")

    # A text file renamed to .xlsx.
    renamed = upload(user, "needs", "需求.xlsx", "这不是表格，只是一段文字。".encode())
    assert renamed.status_code == 422
    page = soup(renamed.text)
    assert "内容不是 Excel 文件" in page.select_one("p.flash.error").get_text()
    assert page.select_one("form[action='/transfer/upload/needs']")  # can try again at once

    # A file over 20 MB.
    big = upload(user, "needs", "大文件.xlsx", b"PK\x03\x04" + b"0" * (20 * 1024 * 1024))
    assert big.status_code == 413
    assert "超过 20 MB" in soup(big.text).select_one("p.flash.error").get_text()
    assert "本单位还没有发布技术需求" in user.get("/my/needs").text

    # A university user imports achievements and experts, not needs.
    university = make_client()
    login(university, "gaoxiao")
    page = soup(university.get("/transfer").text)
    forms = [f["action"] for f in page.select("form[action^='/transfer/upload/']")]
    assert forms == ["/transfer/upload/achievements", "/transfer/upload/experts"]
    template = university.get("/transfer/template/needs")
    refused = upload(university, "needs", "需求.xlsx", fill(template.content, [GOOD_1]))
    assert refused.status_code == 403
    assert "不能导入技术需求" in refused.text


def test_exports_apply_the_filters_and_show_contacts_only_to_staff_who_ask(
    client: TestClient, make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    company = add_org(client, COMPANY, "enterprise")
    shipyard = add_org(client, "南通海达船舶配套有限公司", "enterprise", town="临江镇")
    h2 = "燃料电池金属双极板耐腐蚀涂层"
    ship = "船用低速柴油机尾气脱硝催化剂"
    add_need(client, company, h2, GOOD_1["需求描述*"], contact_name="王建国")
    add_need(
        client, shipyard, ship, BAD["需求描述*"], industry_field="ship_offshore",
        contact_name="陈海涛",
    )  # fmt: skip
    make_user(factory, "qiye", "enterprise", org_id=company)
    make_user(factory, "staff", "staff")
    make_user(factory, "staff_linjiang", "staff", town="临江镇")
    user = make_client()
    login(user, "qiye")

    # The form's choice goes on to the Excel file with the filter applied.
    exported = user.get(
        "/transfer/export?kind=needs&format=xlsx&industry_field=ship_offshore&town="
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"] == XLSX
    assert "filename*=UTF-8''" in exported.headers["content-disposition"]
    rows = first_sheet(exported.content)
    assert [r["需求名称*"] for r in rows] == [ship]
    assert "联系人" not in rows[0]
    by_town = first_sheet(user.get("/transfer/export/needs.xlsx?town=临江镇").content)
    assert [r["需求名称*"] for r in by_town] == [ship]
    # Contacts are not for enterprise users, even by hand-made URL.
    assert user.get("/transfer/export/needs.xlsx?contacts=true").status_code == 403

    # The compilation: each need under its field's heading, no contact names.
    booklet = soup(user.get("/transfer/export?kind=needs&format=compilation").text)
    sections = {
        s.select_one("h2").get_text(): [t.get_text() for t in s.select(".item .title")]
        for s in booklet.select("section.field-section")
    }
    assert sections == {"1. 船舶海工": [ship], "2. 氢能与新型储能": [h2]}
    assert "王建国" not in booklet.get_text()

    # Staff see the contacts only when they tick 包含联系方式.
    staff = make_client()
    login(staff, "staff")
    form = soup(staff.get("/transfer").text).select_one("form[action='/transfer/export']")
    assert form.select_one("input[type=checkbox][name=contacts]").parent.get_text(strip=True) == (
        "包含联系方式"
    )
    plain = staff.get("/transfer/compilation/needs").text
    assert "王建国" not in plain
    assert "陈海涛" not in plain
    ticked = staff.get("/transfer/export?kind=needs&format=compilation&contacts=true").text
    assert "王建国" in ticked
    assert "陈海涛" in ticked

    # Staff of one town get contacts only for their town.
    town_staff = make_client()
    login(town_staff, "staff_linjiang")
    scoped = first_sheet(town_staff.get("/transfer/export/needs.xlsx?contacts=true").content)
    assert [(r["需求名称*"], r["联系人"]) for r in scoped] == [(ship, "陈海涛")]
    assert (
        town_staff.get("/transfer/export/needs.xlsx?contacts=true&town=三厂街道").status_code == 403
    )


def test_exports_carry_the_china_date_at_one_in_the_morning(
    one_am_in_china: datetime,
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    # 01:00 in China on 1 December: the UTC date is still 30 November.
    company = add_org(client, COMPANY, "enterprise")
    add_need(client, company, GOOD_1["需求名称*"], GOOD_1["需求描述*"])
    make_user(factory, "qiye", "enterprise", org_id=company)
    user = make_client()
    login(user, "qiye")

    exported = user.get("/transfer/export/needs.xlsx")
    disposition = exported.headers["content-disposition"]
    assert 'filename="needs-2026-12-01.xlsx"' in disposition
    assert unquote(disposition.split("filename*=UTF-8''")[1]) == "技术需求导出（2026-12-01）.xlsx"

    booklet = soup(user.get("/transfer/compilation/needs").text)
    assert "（2026年12月）" in booklet.title.get_text()
    assert "编印日期：2026年12月1日" in booklet.get_text()
