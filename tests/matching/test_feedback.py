""" "Not relevant" feedback: the item leaves that need's recommendations (JSON API too), only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts import repository as account_repository
from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import Principal
from matchmaking.exceptions import Forbidden
from matchmaking.feedback import service as feedback
from tests.conftest import add_achievement, add_need, add_org, make_user

NEED_TEXT = (
    "我公司生产氢燃料电池电堆，金属双极板在酸性湿热环境下腐蚀严重，接触电阻升高，"
    "希望开发耐腐蚀、高导电的双极板表面涂层并实现批量化镀膜。"
)


def principal(factory: sessionmaker[Session], username: str) -> Principal:
    with factory() as session:
        user = account_repository.by_username(session, username)
        assert user is not None
        return accounts.principal_for(user)


def recommended_ids(client: TestClient, need_id: int) -> list[int]:
    response = client.get(
        f"/api/v1/needs/{need_id}/recommendations", params={"target": "achievements", "limit": 20}
    )
    assert response.status_code == 200, response.text
    return [m["item"]["id"] for m in response.json()["items"]]


def test_not_relevant_item_leaves_only_that_needs_recommendations(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> None:
    # Given two enterprises with similar needs and a university with two fitting achievements
    h2 = add_org(client, "海门氢能动力科技有限公司", "enterprise")
    other = add_org(client, "南通氢源装备有限公司", "enterprise")
    tongji = add_org(client, "同济大学", "university", town="")
    need = add_need(client, h2, "氢燃料电池金属双极板耐腐蚀涂层开发", NEED_TEXT)["id"]
    other_need = add_need(client, other, "燃料电池双极板防腐导电涂层", NEED_TEXT)["id"]
    coating = add_achievement(
        client,
        tongji,
        "燃料电池金属双极板碳基复合涂层",
        "针对燃料电池金属双极板腐蚀与接触电阻问题，开发碳基复合导电涂层，已完成中试镀膜线验证。",
    )["id"]
    add_achievement(
        client,
        tongji,
        "质子交换膜燃料电池低铂催化剂",
        "低铂合金催化剂提高燃料电池膜电极的氧还原活性与耐久性。",
    )
    owner_token = make_user(factory, "qiye", "enterprise", org_id=h2)
    make_user(factory, "stranger", "enterprise", org_id=other)
    owner_api = make_client(owner_token)
    assert coating in recommended_ids(owner_api, need)

    # When the need's owner marks the coating not relevant, then changes the reason
    owner = principal(factory, "qiye")
    with factory() as session:
        feedback.mark_not_relevant(session, owner, need, "achievements", coating, "price")
        session.commit()
    with factory() as session:
        second = feedback.mark_not_relevant(
            session, owner, need, "achievements", coating, "技术不对口"
        )
        session.commit()
    assert second.reason == "mismatch"

    # Then it is gone from that need's recommendations, for the owner and for anyone
    assert coating not in recommended_ids(owner_api, need)
    assert coating not in recommended_ids(client, need)
    assert recommended_ids(client, need), "the other achievement is still recommended"
    # ... but still recommended to the other company's need
    assert coating in recommended_ids(client, other_need)
    with factory() as session:
        entries = feedback.list_for_need(session, owner, need)
    assert [(e.target.id, e.feedback.reason) for e in entries] == [(coating, "mismatch")]

    # A user of another enterprise may not mark or undo on this need
    stranger = principal(factory, "stranger")
    with factory() as session, pytest.raises(Forbidden) as denied:
        feedback.mark_not_relevant(session, stranger, need, "achievements", coating, "price")
    assert denied.value.status_code == 403
    with factory() as session, pytest.raises(Forbidden):
        feedback.undo(session, stranger, need, "achievements", coating)

    # Undo brings it back
    with factory() as session:
        assert feedback.undo(session, owner, need, "achievements", coating) is True
        session.commit()
    assert coating in recommended_ids(owner_api, need)
