"""A need's deadline may not be set in the past (the district's today), through the API,
the pages or a user's import; a need whose deadline has since passed still saves edits
that leave the deadline alone. The demo loads its expired needs as historical rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.enums import Kind
from matchmaking.importing.service import import_rows
from matchmaking.models import Need
from tests.conftest import add_need, add_org, make_user
from tests.importing.conftest import COMPANY, Orgs
from tests.web.pages_helpers import login, post_form

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

TITLE = "燃料电池双极板耐腐蚀涂层"
TEXT = "金属双极板在酸性环境下腐蚀严重，接触电阻升高，需要耐腐蚀导电涂层。"
TODAY_MESSAGE = "截止日期：不能早于今天（{}）"


def _message() -> str:
    return TODAY_MESSAGE.format(clock.local_today().isoformat())


def _count(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count(Need.id))) or 0)


def test_the_api_refuses_a_past_deadline_on_create_and_on_change(
    client: TestClient, factory: sessionmaker[Session]
) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    body = {
        "org_id": org_id,
        "title": TITLE,
        "description": TEXT,
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
    }

    created = client.post("/api/v1/needs", json={**body, "deadline": "0001-01-01"})

    assert created.status_code == 422, created.text
    assert _message() in created.json()["message"]
    assert _count(factory) == 0

    need = add_need(client, org_id, TITLE, TEXT, deadline="2099-12-31")
    changed = client.patch(f"/api/v1/needs/{need['id']}", json={"deadline": "2020-01-01"})
    today = client.patch(
        f"/api/v1/needs/{need['id']}", json={"deadline": clock.local_today().isoformat()}
    )

    assert changed.status_code == 422, changed.text
    assert _message() in changed.json()["message"]
    assert today.status_code == 200, today.text


def test_a_need_whose_deadline_passed_still_saves_other_changes(client: TestClient) -> None:
    org_id = add_org(client, "南通中集能源装备有限公司", "enterprise")
    with clock.frozen(datetime(2025, 3, 1, 4, 0, tzinfo=UTC)):
        need = add_need(client, org_id, TITLE, TEXT, deadline="2025-06-30")

    retitled = client.patch(f"/api/v1/needs/{need['id']}", json={"title": "双极板导电防护涂层"})
    resent = client.patch(
        f"/api/v1/needs/{need['id']}", json={"title": "双极板涂层", "deadline": "2025-06-30"}
    )

    assert retitled.status_code == 200, retitled.text
    assert resent.status_code == 200, resent.text
    assert resent.json()["deadline"] == "2025-06-30"


def test_the_need_form_shows_the_error_beside_the_deadline(
    client: TestClient, make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    org_id = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    make_user(factory, "qiye", "enterprise", org_id=org_id)
    owner = make_client()
    login(owner, "qiye")
    form = {
        "title": TITLE,
        "description": TEXT * 3,
        "indicators": "接触电阻≤10mΩ·cm²",
        "industry_field": "hydrogen_storage",
        "budget_wan": "50",
        "deadline": "0001-01-01",
        "cooperation_mode": "joint_development",
        "contact_name": "王建国",
        "confirm": "1",
    }

    answer = post_form(owner, "/needs/new", form)

    assert answer.status_code == 400, answer.text[:500]
    assert _message() in answer.text
    assert _count(factory) == 0


def test_a_users_import_refuses_the_row_and_keeps_the_others(
    factory: sessionmaker[Session], registered: Orgs
) -> None:
    row = {
        "organization": COMPANY,
        "title": TITLE,
        "description": TEXT,
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
    }
    rows = [
        {**row, "deadline": "0001-01-01"},
        {**row, "title": "船舶轴系振动噪声控制", "deadline": "2099-12-31"},
    ]

    with factory() as session:
        report = import_rows(session, Kind.NEEDS, rows, org_id=registered.company)
        session.commit()

    assert report.created == 1
    assert len(report.errors) == 1
    assert _message() in report.errors[0].message
