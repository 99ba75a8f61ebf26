"""The scope object gives the same answer for a loaded row and as SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.permissions import Principal, Scope
from matchmaking.enums import OrgKind, Role
from matchmaking.exceptions import Forbidden
from matchmaking.models import Organization
from matchmaking.organizations import service as orgs
from matchmaking.organizations.schemas import OrganizationCreate
from matchmaking.towns import service as towns


def test_allows_and_where_agree_for_every_kind_of_principal(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        for name, town in (("正余纺织", "正余镇"), ("三厂氢能", "三厂街道"), ("同济大学", "")):
            orgs.create(session, OrganizationCreate(name=name, kind=OrgKind.ENTERPRISE, town=town))
        zhengyu = towns.resolve(session, "正余镇")
        principals = {
            "admin": Principal(user_id=1, role=Role.ADMIN),
            "district staff": Principal(user_id=2, role=Role.STAFF),
            "town staff": Principal(user_id=3, role=Role.STAFF, town_id=zhengyu, town="正余镇"),
            "enterprise": Principal(user_id=4, role=Role.ENTERPRISE, org_id=1),
        }
        expected = {
            "admin": {"正余纺织", "三厂氢能", "同济大学"},
            "district staff": {"正余纺织", "三厂氢能", "同济大学"},
            "town staff": {"正余纺织"},
            "enterprise": set(),
        }
        rows = list(session.scalars(select(Organization)))
        for who, p in principals.items():
            by_row = {o.name for o in rows if p.scope.allows(o)}
            by_sql = set(session.scalars(p.scope.where(select(Organization.name))))
            assert by_row == by_sql == expected[who], who


def test_a_town_scope_keeps_a_town_filter_inside_it() -> None:
    scope = Scope(town_id=7, town="正余镇")
    assert scope.narrow(None) == "正余镇"
    assert scope.narrow("正余镇") == "正余镇"
    with pytest.raises(Forbidden, match="正余镇"):
        scope.narrow("三厂街道")
    assert Principal(user_id=1, role=Role.ADMIN).scope.narrow("三厂街道") == "三厂街道"
