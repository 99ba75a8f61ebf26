"""The outcome pages as staff use them: forms say what to fix, imports list bad rows."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.enums import Role
from tests.factories import make_contract, make_user
from tests.web.pages_helpers import csrf, login, soup


def _staff_browser(anon_client: TestClient, factory: sessionmaker[Session]) -> tuple[int, str]:
    with factory() as session:
        make_user(session, role=Role.STAFF, username="keyuan")
        contract_id = make_contract(session).id
        session.commit()
    login(anon_client, "keyuan")
    return contract_id, csrf(anon_client, f"/contracts/{contract_id}")


def test_a_contract_moves_through_its_page(
    anon_client: TestClient, factory: sessionmaker[Session]
) -> None:
    client = anon_client
    cid, token = _staff_browser(client, factory)
    for action in ("sign", "submit"):
        moved = client.post(
            f"/contracts/{cid}/actions/{action}", data={"csrf_token": token}, follow_redirects=False
        )
        assert moved.status_code == 303
    bad = client.post(
        f"/contracts/{cid}/actions/register",
        data={"csrf_token": token, "registration_no": "2632068400", "registered_on": "2026-03-05"},
    )
    assert bad.status_code == 422
    assert "应为 14 位或 16 位数字" in bad.text
    ok = client.post(
        f"/contracts/{cid}/actions/register",
        data={
            "csrf_token": token,
            "registration_no": "2632068400000999",
            "registered_on": "2026-03-05",
            "authority": "海门区技术合同登记站",
        },
    )
    page = soup(ok.text)
    assert "已认定登记" in page.select_one("h1").text
    assert "2632068400000999" in ok.text
    over = client.post(
        f"/contracts/{cid}/payments",
        data={"csrf_token": token, "received_on": "2026-04-01", "amount_wan": "130"},
    )
    assert "已超过合同成交额 100 万元" in over.text  # a warning, and the payment is kept
    assert "130" in soup(over.text).select_one("table").text


def test_the_import_page_lists_bad_rows_and_keeps_good_ones(
    anon_client: TestClient, factory: sessionmaker[Session]
) -> None:
    from matchmaking.outcomes import transfer

    client = anon_client
    _, token = _staff_browser(client, factory)
    export = client.get("/contracts/export.xlsx")
    assert export.status_code == 200
    head = ",".join(c.heading for c in transfer.COLUMNS)
    values = {c.field: "" for c in transfer.COLUMNS} | {
        "name": "培训服务",
        "signed_on": "2026-02-01",
        "buyer_name": "甲公司",
        "buyer_nature": "企业法人",
        "seller_name": "乙大学",
        "seller_nature": "高等院校",
        "contract_type": "技术服务",
        "contract_subtype": "技术培训",
        "amount_wan": "8",
        "tech_field": "电子信息",
    }
    good = ",".join(values[c.field] for c in transfer.COLUMNS)
    bad = good.replace("技术培训", "专利权转让")
    result = client.post(
        "/contracts/import",
        data={"csrf_token": token},
        files={"file": ("登记表.csv", f"{head}\n{good}\n{bad}\n".encode(), "text/csv")},
    )
    assert result.status_code == 200
    text = soup(result.text).text
    assert "新增 1 项" in text
    assert "第 3 行" in text
    assert "不属于“技术服务”" in text
