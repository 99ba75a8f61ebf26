"""Uploads through the pages: hostile files get a page with the reason (never a 500),
and an account whose organization awaits approval uploads nothing."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts import service as accounts
from matchmaking.accounts.schemas import Registration
from matchmaking.config import Settings
from matchmaking.enums import OrgKind
from matchmaking.importing import tables
from tests.conftest import add_org, make_user
from tests.reliability import hostile
from tests.web.pages_helpers import csrf, login, soup

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COMPANY = "海门氢能动力科技有限公司"
GOOD = hostile.tiny_xlsx(
    {
        "A1": "需求名称",
        "B1": "需求描述",
        "C1": "行业领域",
        "D1": "合作方式",
        "A2": "燃料电池金属双极板耐腐蚀涂层",
        "B2": "金属双极板在酸性环境中腐蚀严重，需要耐腐蚀、导电性好的涂层。",
        "C2": "氢能与新型储能",
        "D2": "合作开发",
    }
)


def upload(client: TestClient, data: bytes, name: str = "需求.xlsx") -> object:
    return client.post(
        "/transfer/upload/needs",
        data={"csrf_token": csrf(client, "/transfer")},
        files={"file": (name, data, XLSX)},
        follow_redirects=False,
    )


@pytest.fixture
def company_user(
    make_client: Callable[..., TestClient], client: TestClient, factory: sessionmaker[Session]
) -> TestClient:
    org_id = add_org(client, COMPANY, "enterprise")
    make_user(factory, "hydrogen", "enterprise", org_id=org_id)
    browser = make_client()
    login(browser, "hydrogen")
    return browser


def test_a_sparse_sheet_declaring_a_million_rows_previews_its_one_row(
    company_user: TestClient,
) -> None:
    data = hostile.declaring(GOOD, "A1:CV1048576")

    sent = upload(company_user, data)

    assert sent.status_code == 303, sent.text[:500]
    preview = company_user.get(sent.headers["location"])
    assert preview.status_code == 200
    assert "燃料电池金属双极板耐腐蚀涂层" in preview.text
    assert soup(preview.text).select_one("form[action^='/transfer/import/']") is not None


@pytest.mark.parametrize(
    "build",
    [hostile.broken_xml, hostile.entity_bomb, hostile.bad_crc],
    ids=lambda f: f.__name__,
)
def test_a_malformed_workbook_gets_a_page_saying_so(
    company_user: TestClient, build: Callable[[], bytes]
) -> None:
    sent = upload(company_user, build())

    assert sent.status_code == 422
    assert "Excel 文件已损坏或格式异常" in sent.text


def test_a_sheet_past_the_row_limit_gets_a_page_saying_so(company_user: TestClient) -> None:
    data = hostile.declaring(GOOD, "A1:CV1048576", corner="远处")

    sent = upload(company_user, data)

    assert sent.status_code == 422
    assert f"超过 {tables.MAX_ROWS - 1} 行" in sent.text


def _register_pending(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        accounts.register(
            session,
            Registration(
                username="newcomer",
                password="correct-horse-battery",
                display_name="王经理",
                org_name="海门新注册科技有限公司",
                org_kind=OrgKind.ENTERPRISE,
                town="三厂街道",
            ),
        )
        session.commit()


def test_an_account_awaiting_approval_cannot_upload_preview_or_import(
    make_client: Callable[..., TestClient],
    client: TestClient,
    company_user: TestClient,
    factory: sessionmaker[Session],
) -> None:
    # Given a file uploaded by an approved company (its preview and import urls exist) ...
    token_url = upload(company_user, GOOD).headers["location"]
    # ... and a self-registered company still awaiting approval
    _register_pending(factory)
    newcomer = make_client()
    login(newcomer, "newcomer")

    page = newcomer.get("/transfer")
    refused = upload(newcomer, GOOD)

    assert page.status_code == 200
    assert soup(page.text).select_one("form[action='/transfer/upload/needs']") is None
    assert refused.status_code == 403
    assert "审核" in refused.text
    # The refusal comes before anything is read or stored.
    assert newcomer.get(token_url).status_code == 403

    # Once the bureau approves the organization, the same account may upload.
    orgs = client.get("/api/v1/organizations", params={"status": "pending"}).json()
    pending = next(o for o in orgs["items"] if o["name"] == "海门新注册科技有限公司")
    approved = client.patch(f"/api/v1/organizations/{pending['id']}", json={"status": "active"})
    assert approved.status_code == 200, approved.text
    assert upload(newcomer, GOOD).status_code == 303


@pytest.mark.commits  # another connection must be able to take the write lock
def test_the_upload_is_parsed_while_other_writers_can_still_write(
    company_user: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing holds no write lock: another connection may write meanwhile (SQLite)."""
    if not settings.db_url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    path = settings.db_url.removeprefix("sqlite:///")
    read = tables.read_sheet
    could_write: list[bool] = []

    def read_while_another_writes(*args: Any, **kwargs: Any) -> tables.Sheet:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once while a writer holds the lock
            other.execute("ROLLBACK")
            could_write.append(True)
        except sqlite3.OperationalError:
            could_write.append(False)
        finally:
            other.close()
        return read(*args, **kwargs)

    monkeypatch.setattr(tables, "read_sheet", read_while_another_writes)
    sent = upload(company_user, GOOD)
    preview = company_user.get(sent.headers["location"])
    action = soup(preview.text).select_one("form[action^='/transfer/import/']")["action"]
    result = company_user.post(action, data={"csrf_token": csrf(company_user, "/transfer")})

    assert result.status_code == 200
    assert "燃料电池金属双极板耐腐蚀涂层" in company_user.get("/my/needs").text
    assert could_write == [True, True, True]  # the upload, its preview, its import
