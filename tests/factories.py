"""Plain factories for the common rows: ``make_need(session, **overrides)`` and friends.

Each one flushes (the test, like a request, owns the transaction: commit when the app
or another session must see the rows) and returns the ORM row. Defaults are plausible
Chinese data, unique per call; pass only what the test is about. Missing parents are
made too: ``make_need(session)`` also makes its enterprise.

Items go through their services (as the API does), so they get their text hash, an
``IndexChange`` and an embed job sent after the commit (the ``dispatcher`` fixture runs
it inline). Fields the create schema does not take (``status``) are set afterwards.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from matchmaking.accounts import service as accounts
from matchmaking.accounts.schemas import UserCreate
from matchmaking.achievements.schemas import AchievementCreate
from matchmaking.docking import service as docking
from matchmaking.enums import Kind, Role
from matchmaking.experts.schemas import ExpertCreate
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import (
    Achievement,
    CooperationAgreement,
    Docking,
    Expert,
    Need,
    Organization,
    TechContract,
    User,
)
from matchmaking.needs.schemas import NeedCreate
from matchmaking.outcomes import agreements as agreement_service
from matchmaking.outcomes import contracts as contract_service
from matchmaking.outcomes.schemas import AgreementCreate, ContractCreate
from matchmaking.towns import service as towns

PASSWORD = "correct-horse-battery"

_serial = itertools.count(1)

_ORG_NAMES = {
    "enterprise": "海门精密制造有限公司",
    "university": "江海理工大学",
    "institute": "海门先进材料研究院",
}


def _split(schema: type[Any], values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields the create schema takes, the rest to set on the row afterwards)."""
    own = {k: v for k, v in values.items() if k in schema.model_fields}
    return own, {k: v for k, v in values.items() if k not in schema.model_fields}


def _apply(session: Session, row: Any, extra: dict[str, Any]) -> None:
    for name, value in extra.items():
        if not hasattr(row, name):
            raise TypeError(f"{type(row).__name__} has no field {name!r}")
        setattr(row, name, getattr(value, "value", value))
    if extra:
        session.flush()


def make_org(session: Session, **overrides: Any) -> Organization:
    """An active organization (default: an enterprise in 三厂街道, 海门区)."""
    n = next(_serial)
    kind = str(overrides.get("kind", "enterprise"))
    values: dict[str, Any] = {
        "name": f"{_ORG_NAMES.get(kind, '海门科技有限公司')}{n}",
        "kind": kind,
        "district": "海门区",
        "town": "" if kind != "enterprise" else "三厂街道",
        "description": "",
        "status": "active",
        "contact_name": "王工",
        "contact_phone": f"0513-8000 {n:04d}",
        **overrides,
    }
    # Towns are rows: a town is named here and stored as its id (the tests seed the list).
    values["town_id"] = towns.resolve(session, str(values.pop("town") or ""))
    org = Organization(**{k: getattr(v, "value", v) for k, v in values.items()})
    session.add(org)
    session.flush()
    return org


def make_user(session: Session, *, role: Role | str = Role.ENTERPRISE, **overrides: Any) -> User:
    """An account through ``accounts.create_user`` (password ``PASSWORD``).

    An enterprise or university user without ``org_id`` gets a new organization of
    that kind; an expert without ``expert_id`` gets a new expert.
    """
    role = Role(role)
    n = next(_serial)
    values: dict[str, Any] = {"username": f"user{n}", "password": PASSWORD, **overrides}
    if role in (Role.ENTERPRISE, Role.UNIVERSITY) and values.get("org_id") is None:
        values["org_id"] = make_org(session, kind=role.value).id
    if role is Role.EXPERT and values.get("expert_id") is None:
        values["expert_id"] = make_expert(session).id
    own, extra = _split(UserCreate, values)
    user = accounts.create_user(session, UserCreate(role=role, **own))
    _apply(session, user, extra)
    return user


def make_token(session: Session, user: User) -> str:
    """A plain API token for this user (``Authorization: Bearer …``)."""
    _token, plain = accounts.create_token(session, user, "tests")
    return plain


def make_need(session: Session, **overrides: Any) -> Need:
    """An open need of an enterprise (made too unless ``org_id`` is given)."""
    n = next(_serial)
    values: dict[str, Any] = {
        "title": f"金属双极板耐腐蚀涂层开发（{n}）",
        "description": "不锈钢双极板在酸性湿热环境下腐蚀严重，接触电阻升高，需要导电防护涂层。",
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
        **overrides,
    }
    if values.get("org_id") is None:
        values["org_id"] = make_org(session, kind="enterprise").id
    own, extra = _split(NeedCreate, values)
    need = SERVICES[Kind.NEEDS].create(session, NeedCreate(**own))
    _apply(session, need, extra)
    return need


def make_achievement(session: Session, **overrides: Any) -> Achievement:
    """An active achievement of a university (made too unless ``org_id`` is given)."""
    n = next(_serial)
    values: dict[str, Any] = {
        "title": f"金属双极板碳基复合涂层（{n}）",
        "abstract": "多弧离子镀与磁控溅射复合工艺制备碳基导电防护涂层，已完成中试验证。",
        "industry_field": "hydrogen_storage",
        "maturity": "pilot",
        "cooperation_mode": "licensing",
        **overrides,
    }
    if values.get("org_id") is None:
        values["org_id"] = make_org(session, kind="university").id
    own, extra = _split(AchievementCreate, values)
    achievement = SERVICES[Kind.ACHIEVEMENTS].create(session, AchievementCreate(**own))
    _apply(session, achievement, extra)
    return achievement


def make_expert(session: Session, **overrides: Any) -> Expert:
    """An active expert of a university (made too unless ``org_id`` is given)."""
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"张教授{n}",
        "title": "教授",
        "fields": ["hydrogen_storage"],
        "expertise": "燃料电池双极板表面改性与导电防护涂层研究。",
        **overrides,
    }
    if values.get("org_id") is None:
        values["org_id"] = make_org(session, kind="university").id
    own, extra = _split(ExpertCreate, values)
    expert = SERVICES[Kind.EXPERTS].create(session, ExpertCreate(**own))
    _apply(session, expert, extra)
    return expert


def make_docking(
    session: Session,
    *,
    need: Need | None = None,
    target: Achievement | Expert | None = None,
    requester: User | None = None,
    **overrides: Any,
) -> Docking:
    """A docking request through ``docking.service.request`` (it notifies the other side
    and moves the need to 对接中). By default a new need's enterprise asks for a new
    achievement; ``status`` and other overrides are set afterwards, with no event."""
    need = need or make_need(session)
    target = target or make_achievement(session)
    if requester is None:
        requester = make_user(session, role=Role.ENTERPRISE, org_id=need.org_id)
    kind = "experts" if isinstance(target, Expert) else "achievements"
    message = overrides.pop("message", "希望尽快洽谈")
    row = docking.request(
        session,
        accounts.principal_for(requester),
        need_id=need.id,
        target_kind=kind,
        target_id=target.id,
        message=message,
    )
    _apply(session, row, overrides)
    return row


def _district_staff(session: Session) -> Any:
    return accounts.principal_for(make_user(session, role=Role.ADMIN))


def make_agreement(session: Session, *, by: Any = None, **overrides: Any) -> CooperationAgreement:
    """A cooperation agreement entered by staff (default: an administrator), between a new
    enterprise in 三厂街道 and a new university, signed 2026-03-15."""
    values: dict[str, Any] = {
        "kind": "project",
        "title": f"产学研合作项目{next(_serial)}",
        "signed_on": "2026-03-15",
        "summary": "联合开发",
        **overrides,
    }
    if "company_org_id" not in values:
        values["company_org_id"] = make_org(session).id
    if "partner_org_id" not in values and "expert_id" not in values:
        values["partner_org_id"] = make_org(session, kind="university").id
    own, extra = _split(AgreementCreate, values)
    row = agreement_service.create(
        session, by or _district_staff(session), AgreementCreate.model_validate(own)
    )
    _apply(session, row, extra)
    return row


def make_contract(session: Session, *, by: Any = None, **overrides: Any) -> TechContract:
    """A technology contract entered by staff: a university outside the district sells a
    development to a local enterprise (吸纳), 100 万元 of which 80 技术交易额, as a draft.
    Pass ``registration_no`` and ``registered_on`` for a registered one."""
    n = next(_serial)
    values: dict[str, Any] = {
        "name": f"智能装备控制系统委托开发合同{n}",
        "contract_type": "development",
        "contract_subtype": "dev_commissioned",
        "seller_name": "江海理工大学",
        "seller_nature": "university",
        "seller_region": "320602",
        "buyer_name": f"海门精密制造有限公司{n}",
        "buyer_nature": "enterprise",
        "buyer_region": "320684",
        "signed_on": "2026-03-01",
        "amount_wan": "100",
        "tech_amount_wan": "80",
        "tech_field": "advanced_manufacturing",
        **overrides,
    }
    if "buyer_org_id" not in values:
        values["buyer_org_id"] = make_org(session).id
    own, extra = _split(ContractCreate, values)
    row = contract_service.create(
        session, by or _district_staff(session), ContractCreate.model_validate(own)
    )
    _apply(session, row, extra)
    return row


def make_event(session: Session, **overrides: Any) -> Any:
    """An event open for registration (today within its window) with one session of six
    20-minute meetings at ten tables, made by a district staff member."""
    from datetime import time, timedelta

    from matchmaking import clock
    from matchmaking.enums import EventAction
    from matchmaking.events import service as events
    from matchmaking.events.schemas import EventCreate, SessionCreate

    today = clock.local_today()
    status = overrides.pop("status", "open")
    tables = overrides.pop("tables", 10)
    staff = make_user(session, role=Role.STAFF)
    p = accounts.principal_for(staff)
    values: dict[str, Any] = {
        "title": f"氢能产业专场对接会（{next(_serial)}）",
        "kind": "by_industry",
        "industry_field": "hydrogen_storage",
        "theme": "燃料电池双极板、储氢材料",
        "held_on": today + timedelta(days=10),
        "venue": "海门区科创中心",
        "town": "",
        "organiser": "海门区科技局",
        "registration_opens": today - timedelta(days=1),
        "registration_closes": today + timedelta(days=5),
        "capacity": 50,
        **overrides,
    }
    event = events.create(session, p, EventCreate(**values))
    events.add_session(session, p, event.id, SessionCreate(start=time(9, 0), tables=tables))
    if status == "open":
        events.move(session, p, event.id, EventAction.OPEN)
    return event
