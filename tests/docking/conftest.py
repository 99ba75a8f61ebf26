"""The docking tests' world: an enterprise with a need, a university with an achievement
and an expert, a stranger, each with an API client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.models import User
from matchmaking.notifications import service as notifications
from matchmaking.notifications.schemas import NotificationRead
from tests.conftest import add_achievement, add_expert, add_need, add_org, make_user

UNI_PHONE = "0513-8888 0133"


@dataclass
class World:
    need_id: int
    achievement_id: int
    expert_id: int
    uni_id: int
    ent_id: int
    ent: TestClient
    uni: TestClient
    expert: TestClient
    stranger: TestClient
    admin: TestClient


@pytest.fixture
def world(
    client: TestClient,
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
) -> World:
    ent_id = add_org(
        client, "海门氢能动力科技有限公司", "enterprise", contact_phone="0513-1111 2222"
    )
    uni_id = add_org(client, "同济大学", "university", town="", contact_phone=UNI_PHONE)
    other_id = add_org(client, "通州湾新材料有限公司", "enterprise")
    need = add_need(
        client, ent_id, "金属双极板耐腐蚀涂层开发", "不锈钢双极板在酸性湿热环境下腐蚀严重"
    )
    ach = add_achievement(
        client, uni_id, "金属双极板碳基复合涂层", "多弧离子镀与磁控溅射复合工艺制备导电防护涂层"
    )
    exp = add_expert(client, uni_id, "曾新华", "燃料电池双极板表面改性与涂层")
    tokens = {
        "ent": make_user(factory, "qiye", "enterprise", org_id=ent_id),
        "uni": make_user(factory, "gaoxiao", "university", org_id=uni_id),
        "expert": make_user(factory, "zhuanjia", "expert", expert_id=exp["id"]),
        "stranger": make_user(factory, "other", "enterprise", org_id=other_id),
    }
    return World(
        need_id=need["id"],
        achievement_id=ach["id"],
        expert_id=exp["id"],
        uni_id=uni_id,
        ent_id=ent_id,
        ent=make_client(tokens["ent"]),
        uni=make_client(tokens["uni"]),
        expert=make_client(tokens["expert"]),
        stranger=make_client(tokens["stranger"]),
        admin=client,
    )


def notifications_of(factory: sessionmaker[Session], username: str) -> list[NotificationRead]:
    """What this user's notifications page shows, oldest first."""
    with factory() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        rows, _total = notifications.list_page(session, user.id, page_size=100)
        return rows[::-1]


def request(w: World, who: TestClient, **extra: object) -> object:
    body = {
        "need_id": w.need_id,
        "target_kind": "achievements",
        "target_id": w.achievement_id,
        "message": "希望尽快洽谈",
        **extra,
    }
    return who.post("/api/v1/dockings", json=body)
