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
from tests.factories import (
    make_achievement,
    make_expert,
    make_need,
    make_org,
    make_token,
    make_user,
)

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
    with factory() as session:
        ent = make_org(session, name="海门氢能动力科技有限公司", contact_phone="0513-1111 2222")
        uni = make_org(session, name="同济大学", kind="university", contact_phone=UNI_PHONE)
        need = make_need(session, org_id=ent.id, title="金属双极板耐腐蚀涂层开发")
        ach = make_achievement(session, org_id=uni.id, title="金属双极板碳基复合涂层")
        exp = make_expert(session, org_id=uni.id, name="曾新华")
        users = {
            "ent": make_user(session, username="qiye", org_id=ent.id),
            "uni": make_user(session, role="university", username="gaoxiao", org_id=uni.id),
            "expert": make_user(session, role="expert", username="zhuanjia", expert_id=exp.id),
            "stranger": make_user(session, username="other"),
        }
        tokens = {who: make_token(session, user) for who, user in users.items()}
        session.commit()
    return World(
        need_id=need.id,
        achievement_id=ach.id,
        expert_id=exp.id,
        uni_id=uni.id,
        ent_id=ent.id,
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
        return notifications.list_page(session, user.id, page_size=100).items[::-1]


def request(w: World, who: TestClient, **extra: object) -> object:
    body = {
        "need_id": w.need_id,
        "target_kind": "achievements",
        "target_id": w.achievement_id,
        "message": "希望尽快洽谈",
        **extra,
    }
    return who.post("/api/v1/dockings", json=body)
