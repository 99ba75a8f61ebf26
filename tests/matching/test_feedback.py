""" "Not relevant" feedback: the item leaves that need's recommendations (JSON API too), only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts import service as accounts
from matchmaking.exceptions import Forbidden
from matchmaking.feedback import service as feedback
from tests.factories import make_achievement, make_need, make_org, make_token, make_user

NEED_TEXT = (
    "我公司生产氢燃料电池电堆，金属双极板在酸性湿热环境下腐蚀严重，接触电阻升高，"
    "希望开发耐腐蚀、高导电的双极板表面涂层并实现批量化镀膜。"
)


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
    with factory() as session:
        owner_user = make_user(session, role="enterprise", username="qiye")
        stranger_user = make_user(session, role="enterprise", username="stranger")
        need = make_need(
            session,
            org_id=owner_user.org_id,
            title="氢燃料电池金属双极板耐腐蚀涂层开发",
            description=NEED_TEXT,
        ).id
        other_need = make_need(
            session,
            org_id=stranger_user.org_id,
            title="燃料电池双极板防腐导电涂层",
            description=NEED_TEXT,
        ).id
        tongji = make_org(session, name="同济大学", kind="university").id
        coating = make_achievement(
            session,
            org_id=tongji,
            title="燃料电池金属双极板碳基复合涂层",
            abstract="针对燃料电池金属双极板腐蚀与接触电阻问题，开发碳基复合导电涂层，已完成中试镀膜线验证。",
        ).id
        make_achievement(
            session,
            org_id=tongji,
            title="燃料电池双极板氮化铬导电防护涂层",
            abstract="磁控溅射氮化铬涂层用于燃料电池不锈钢双极板，耐腐蚀并降低接触电阻。",
        )
        owner_token = make_token(session, owner_user)
        owner, stranger = accounts.principal_for(owner_user), accounts.principal_for(stranger_user)
        session.commit()
    owner_api = make_client(owner_token)
    assert coating in recommended_ids(owner_api, need)

    # When the need's owner marks the coating not relevant, then changes the reason
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
