"""区镇管理 as an administrator meets it: add, rename, reorder, deactivate."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import add_org, make_user
from tests.towns.test_registration import town_options
from tests.web.pages_helpers import login, post_form, soup


def town_rows(client: TestClient) -> list[tuple[str, str]]:
    """(name, status) per row of the towns table, in order."""
    page = soup(client.get("/admin/towns").text)
    return [
        (str(r.select_one("input[name=name]")["value"]), r.select("td")[3].get_text())
        for r in page.select("table.towns tbody tr")
    ]


def town_id(client: TestClient, name: str) -> str:
    page = soup(client.get("/admin/towns").text)
    for row in page.select("table.towns tbody tr"):
        if row.select_one("input[name=name]")["value"] == name:
            return str(row.select_one("form")["action"]).split("/")[3]
    raise AssertionError(name)


def test_admin_edits_the_list_and_registration_and_scope_follow(
    make_client: Callable[..., TestClient], client: TestClient, factory: sessionmaker[Session]
) -> None:
    make_user(factory, "chen", "admin")
    make_user(factory, "staff_hy", "staff", town="海永镇")
    admin = make_client()
    login(admin, "chen")
    company = add_org(client, "海永船舶有限公司", "enterprise", town="海永镇")

    # Adding a town puts it at the end; a duplicate name is refused in Chinese
    assert (
        post_form(admin, "/admin/towns", {"name": "海门高新区", "code": "gaoxin"}).status_code
        == 200
    )
    assert town_rows(admin)[-1] == ("海门高新区", "启用")
    again = post_form(admin, "/admin/towns", {"name": "海门高新区", "code": "gaoxin2"})
    assert again.status_code == 400
    assert "已在列表中" in soup(again.text).select_one(".field-error").get_text()

    # Moving it up swaps it with its neighbour
    new_id = town_id(admin, "海门高新区")
    post_form(admin, f"/admin/towns/{new_id}/move", {"direction": "up"})
    assert [n for n, _ in town_rows(admin)][-2:] == ["海门高新区", "海永镇"]

    # Renaming a town renames it on its organizations and in its staff's scope
    hy = town_id(admin, "海永镇")
    post_form(admin, f"/admin/towns/{hy}/rename", {"name": "海永镇（新）"})
    assert client.get(f"/api/v1/organizations/{company}").json()["town"] == "海永镇（新）"
    staff = make_client()
    login(staff, "staff_hy")
    orgs = staff.get("/staff/organizations").text
    assert "海永船舶有限公司" in orgs
    assert "海永镇（新）" in orgs

    # A deactivated town is no longer offered at registration, but keeps its organizations
    post_form(admin, f"/admin/towns/{hy}/active", {"active": "false"})
    assert ("海永镇（新）", "已停用") in town_rows(admin)
    assert "海永镇（新）" not in town_options(make_client(), "/register")
    assert client.get(f"/api/v1/organizations/{company}").json()["town"] == "海永镇（新）"
    refused = client.post(
        "/api/v1/organizations",
        json={"name": "新来的企业", "kind": "enterprise", "town": "海永镇（新）"},
    )
    assert refused.status_code == 422
    assert "区镇" in refused.text
