"""The access matrix: every role against every route that reads or changes data.

One world (two enterprises in two towns, a university, an institute, an expert, a
pending company) and one row per route: which roles get in, and what everyone else
gets (401 for visitors of the API, a redirect to the login page for pages, 403 for a
logged-in user without the right). Rows run in order against the same world, so a
row that changes data comes after the rows that read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import ApiToken, ContestBonus, Town, User
from tests.conftest import add_achievement, add_expert, add_need, add_org, make_user
from tests.web.pages_helpers import csrf, login, soup

ROLES = ("anon", "admin", "staff", "staff_zy", "ent_a", "ent_b", "uni_u", "uni_v", "expert_u")
PASSWORD = "correct-horse-battery"


@dataclass
class World:
    ids: dict[str, int]
    api: dict[str, TestClient]  # API token clients per role ("anon": none)
    pages: dict[str, TestClient]  # cookie-session clients per role
    tokens: dict[str, str] = field(default_factory=dict)  # CSRF token per page client


@dataclass
class Row:
    method: str
    path: str  # with {name} placeholders filled from World.ids
    allowed: frozenset[str]
    ok: int = 200
    body: Callable[[str], dict[str, Any]] | None = None  # role -> JSON or form data
    page: bool = False
    denied_status: int = 403
    # Roles whose answer is not checked (e.g. a second allowed request that now conflicts).
    skip: frozenset[str] = frozenset()
    # Multipart uploads: role -> {field: (file name, bytes, type)}, sent with the body.
    files: Callable[[str], dict[str, Any]] | None = None

    def expected(self, role: str) -> int:
        if role in self.allowed:
            return self.ok
        if role == "anon":
            return 303 if self.page and self.method == "GET" else 401
        return self.denied_status


def roles(*names: str) -> frozenset[str]:
    return frozenset(names)


STAFF_ALL = roles("admin", "staff")
EVERYONE = frozenset(ROLES)


@pytest.fixture
def world(
    client: TestClient, make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> World:
    ids: dict[str, int] = {}
    ids["ent_a"] = add_org(client, "甲氢能科技有限公司", "enterprise", town="正余镇")
    ids["ent_b"] = add_org(client, "乙船舶配套有限公司", "enterprise", town="三厂街道")
    ids["ent_p"] = add_org(client, "丙待审核企业有限公司", "enterprise", town="正余镇")
    ids["ent_c"] = add_org(client, "戊待审核企业有限公司", "enterprise", town="正余镇")
    ids["uni_u"] = add_org(client, "丙理工大学", "university", town="")
    ids["uni_v"] = add_org(client, "丁材料研究院", "institute", town="")
    ids["need_a"] = add_need(
        client,
        ids["ent_a"],
        "燃料电池双极板耐腐蚀涂层",
        "不锈钢双极板在酸性环境下腐蚀，接触电阻升高。",
    )["id"]
    ids["need_b"] = add_need(
        client, ids["ent_b"], "船用铝合金焊接变形控制", "铝合金薄板焊接变形大，需要预测与控制工艺。"
    )["id"]
    ids["need_p"] = add_need(
        client, ids["ent_p"], "待审核企业的储氢需求", "高压储氢瓶内胆阻氢性能不足，需要新材料。"
    )["id"]
    ids["ach_u"] = add_achievement(
        client, ids["uni_u"], "双极板碳基复合涂层", "碳基复合涂层降低接触电阻并提高耐腐蚀性。"
    )["id"]
    ids["ach_v"] = add_achievement(
        client, ids["uni_v"], "铝合金焊接变形预测", "有限元预测铝合金焊接变形并给出反变形工艺。"
    )["id"]
    ids["exp_u"] = add_expert(client, ids["uni_u"], "王教授", "燃料电池双极板涂层与电堆集成。")[
        "id"
    ]
    with factory() as session:
        ids["town_hy"] = session.scalar(select(Town.id).where(Town.name == "海永镇"))
    # The pending company is registered but not yet approved.
    assert client.patch(
        f"/api/v1/organizations/{ids['ent_p']}", json={"status": "pending"}
    ).is_success

    tokens = {
        "admin": client.headers["Authorization"].removeprefix("Bearer "),
        "staff": make_user(factory, "staff", "staff"),
        "staff_zy": make_user(factory, "staff_zy", "staff", town="正余镇"),
        "ent_a": make_user(factory, "ent_a", "enterprise", org_id=ids["ent_a"]),
        "ent_b": make_user(factory, "ent_b", "enterprise", org_id=ids["ent_b"]),
        "uni_u": make_user(factory, "uni_u", "university", org_id=ids["uni_u"]),
        "uni_v": make_user(factory, "uni_v", "university", org_id=ids["uni_v"]),
        "expert_u": make_user(factory, "expert_u", "expert", expert_id=ids["exp_u"]),
    }
    api = {role: make_client(token) for role, token in tokens.items()}
    with factory() as session:
        ids["token_ent_a"] = session.scalar(
            select(ApiToken.id)
            .join(User, User.id == ApiToken.user_id)
            .where(User.username == "ent_a")
        )
    api["anon"] = make_client()
    pages: dict[str, TestClient] = {"anon": make_client()}
    for role in tokens:
        pages[role] = make_client()
        login(pages[role], role)
    w = World(ids=ids, api=api, pages=pages)
    w.tokens = {role: csrf(c, "/login") for role, c in pages.items()}
    return w


def need_body(org: str) -> Callable[[str], dict[str, Any]]:
    def body(role: str, ids: dict[str, int] | None = None) -> dict[str, Any]:
        return {
            "org_id": org,
            "title": f"{role} 新建的技术需求",
            "description": "高速电机转子温升过高，需要新的冷却结构设计方案。",
            "industry_field": "nev",
            "cooperation_mode": "joint_development",
        }

    return body


API_ROWS: list[Row] = [
    # Published items: everyone reads them, with their recommendations.
    Row("GET", "/api/v1/needs/{need_a}", EVERYONE),
    Row("GET", "/api/v1/achievements/{ach_u}", EVERYONE),
    Row("GET", "/api/v1/experts/{exp_u}", EVERYONE),
    Row("GET", "/api/v1/needs/{need_a}/recommendations", EVERYONE),
    Row("GET", "/api/v1/achievements/{ach_u}/recommendations", EVERYONE),
    Row("GET", "/api/v1/organizations/{ent_a}", EVERYONE),
    Row("GET", "/api/v1/search?q=双极板&kind=achievements", EVERYONE),
    # Items of an organization under review: its users and staff in scope only.
    Row("GET", "/api/v1/needs/{need_p}", roles("admin", "staff", "staff_zy")),
    Row("GET", "/api/v1/needs/{need_p}/recommendations", roles("admin", "staff", "staff_zy")),
    Row("GET", "/api/v1/organizations/{ent_p}", roles("admin", "staff", "staff_zy")),
    Row("GET", "/api/v1/organizations?status=pending", STAFF_ALL | roles("staff_zy")),
    # Closed and unpublished lists: staff, or one's own organization.
    Row("GET", "/api/v1/needs?include_closed=true", STAFF_ALL | roles("staff_zy")),
    Row(
        "GET",
        "/api/v1/needs?include_closed=true&org_id={ent_a}",
        STAFF_ALL | roles("staff_zy", "ent_a"),
    ),
    # Changes: owners, and staff whose town covers the organization.
    Row(
        "PATCH",
        "/api/v1/needs/{need_a}",
        roles("admin", "staff", "staff_zy", "ent_a"),
        body=lambda r: {"indicators": f"接触电阻 < 10 mΩ·cm²（{r}）"},
    ),
    Row(
        "PATCH",
        "/api/v1/needs/{need_b}",
        roles("admin", "staff", "ent_b"),
        body=lambda r: {"indicators": f"变形量 < 0.5 mm（{r}）"},
    ),
    Row(
        "PATCH",
        "/api/v1/achievements/{ach_u}",
        roles("admin", "staff", "uni_u"),
        body=lambda r: {"keywords": f"双极板 涂层 {r}"},
    ),
    Row(
        "PATCH",
        "/api/v1/experts/{exp_u}",
        roles("admin", "staff", "uni_u", "expert_u"),
        body=lambda r: {"availability": f"每月一次（{r}）"},
    ),
    Row(
        "PATCH",
        "/api/v1/organizations/{ent_a}",
        roles("admin", "staff", "staff_zy", "ent_a"),
        body=lambda r: {"description": f"燃料电池电堆（{r}）"},
    ),
    # Approving an organization is a status change: staff in scope only.
    Row(
        "PATCH",
        "/api/v1/organizations/{ent_p}",
        roles("admin", "staff", "staff_zy"),
        body=lambda r: {"status": "active"},
    ),
    Row(
        "POST",
        "/api/v1/needs",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=201,
        body=need_body("ent_a"),
    ),
    Row(
        "POST",
        "/api/v1/achievements",
        roles("admin", "staff", "uni_u"),
        ok=201,
        body=lambda r: {
            "org_id": "uni_u",
            "title": f"{r} 的新成果",
            "abstract": "低温等离子体表面改性提高涂层结合力。",
            "industry_field": "new_materials",
            "maturity": "pilot",
            "cooperation_mode": "licensing",
        },
    ),
    Row(
        "POST",
        "/api/v1/experts",
        roles("admin", "staff", "uni_u"),
        ok=201,
        body=lambda r: {
            "org_id": "uni_u",
            "name": f"{r}专家",
            "fields": ["new_materials"],
            "expertise": "金属表面处理与涂层工艺。",
        },
    ),
    Row(
        "POST",
        "/api/v1/organizations",
        STAFF_ALL | roles("staff_zy"),
        ok=201,
        body=lambda r: {"name": f"{r} 登记的单位", "kind": "enterprise", "town": "正余镇"},
    ),
    # Dockings: the need's side or the target's side asks; only the asked side accepts.
    Row(
        "POST",
        "/api/v1/dockings",
        roles("ent_a"),
        ok=201,
        body=lambda r: {"need_id": "need_a", "target_kind": "achievements", "target_id": "ach_u"},
        skip=roles(
            "admin", "staff", "staff_zy", "uni_u"
        ),  # allowed, but the pair then exists (409)
    ),
    Row("GET", "/api/v1/dockings/{docking}", roles("admin", "staff", "staff_zy", "ent_a", "uni_u")),
    Row(
        "POST",
        "/api/v1/dockings/{docking}/accept",
        roles("uni_u"),
        body=lambda r: {"message": "欢迎来校交流"},
        skip=roles("admin", "staff", "staff_zy"),
    ),
    Row("GET", "/api/v1/achievements", EVERYONE),
    Row("GET", "/api/v1/experts", EVERYONE),
    Row("GET", "/api/v1/experts/{exp_u}/recommendations", EVERYONE),
    Row("GET", "/api/v1/dockings", EVERYONE - {"anon"}),
    # Closing comes last: the item is gone for later rows.
    Row("POST", "/api/v1/needs/{need_b}/close", roles("admin", "staff", "ent_b")),
    Row("POST", "/api/v1/achievements/{ach_v}/close", roles("admin", "staff", "uni_v")),
    Row("POST", "/api/v1/experts/{exp_u}/close", roles("admin", "staff", "uni_u", "expert_u")),
    Row("POST", "/api/v1/organizations/{ent_b}/close", STAFF_ALL),
    # KPI figures: staff only; town staff their own town (another town's is refused).
    Row("GET", "/api/v1/kpi/summary?year=2026", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/summary?town=三厂街道", STAFF_ALL),
    Row("GET", "/api/v1/kpi/cumulative?indicator=amount", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/ranking?indicator=contracts", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/breakdown?by=field", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/funnel", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/origin", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/quality", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/records?indicator=amount", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/targets?year=2026", STAFF_ALL | {"staff_zy"}),
    Row("GET", "/api/v1/kpi/contest?year=2026&quarter=1", STAFF_ALL | {"staff_zy"}),
    Row(
        "PUT",
        "/api/v1/kpi/targets",
        STAFF_ALL | {"staff_zy"},
        body=lambda r: {"year": 2026, "indicator": "amount", "town": "正余镇", "annual": "100"},
    ),
    Row(
        "PUT",
        "/api/v1/kpi/targets",
        STAFF_ALL,
        body=lambda r: {"year": 2026, "indicator": "amount", "town": "三厂街道", "annual": "90"},
    ),
]


def _fill(value: Any, ids: dict[str, int]) -> Any:
    """Names of world objects in a body ("need_a") become their ids."""
    if isinstance(value, str) and value in ids:
        return ids[value]
    return value


def run_rows(world: World, rows: list[Row]) -> list[str]:
    failures: list[str] = []
    for row in rows:
        # Denied roles first: a successful change must not hide a later denial.
        ordered = sorted(ROLES, key=lambda r: (r in row.allowed, ROLES.index(r)))
        for role in ordered:
            if role in row.skip:
                continue
            path = row.path.format(**world.ids)
            if row.page:
                c = world.pages[role]
                data = {**(row.body(role) if row.body else {}), "csrf_token": world.tokens[role]}
                data = {k: _fill(v, world.ids) for k, v in data.items()}
                response = c.request(
                    row.method,
                    path,
                    data=data if row.method != "GET" else None,
                    files=row.files(role) if row.files else None,
                    follow_redirects=False,
                )
            else:
                c = world.api[role]
                body = row.body(role) if row.body else None
                if body is not None:
                    body = {k: _fill(v, world.ids) for k, v in body.items()}
                if row.files:
                    response = c.request(row.method, path, data=body, files=row.files(role))
                else:
                    response = c.request(row.method, path, json=body)
                if (
                    row.method == "POST"
                    and path == "/api/v1/dockings"
                    and response.status_code == 201
                ):
                    world.ids["docking"] = response.json()["id"]
            want = row.expected(role)
            if response.status_code != want:
                failures.append(
                    f"{row.method} {row.path} as {role}: got {response.status_code}, want {want}"
                    f" ({response.text[:120]!r})"
                )
    return failures


def test_api_access_matrix(world: World) -> None:
    failures = run_rows(world, API_ROWS)
    assert not failures, "\n".join(failures)


def test_contact_details_only_after_an_accepted_docking(world: World) -> None:
    api = world.api
    assert (
        api["ent_a"]
        .patch(f"/api/v1/organizations/{world.ids['uni_u']}", json={"contact_phone": "x"})
        .status_code
        == 403
    )
    assert (
        api["uni_u"]
        .patch(
            f"/api/v1/organizations/{world.ids['uni_u']}", json={"contact_phone": "021-65980000"}
        )
        .is_success
    )

    def phone(role: str) -> str:
        return api[role].get(f"/api/v1/organizations/{world.ids['uni_u']}").json()["contact_phone"]

    assert phone("uni_u") == "021-65980000"
    assert phone("staff") == "021-65980000"
    assert phone("ent_a") == ""
    assert phone("anon") == ""
    docking = api["ent_a"].post(
        "/api/v1/dockings",
        json={
            "need_id": world.ids["need_a"],
            "target_kind": "achievements",
            "target_id": world.ids["ach_u"],
        },
    )
    assert docking.status_code == 201, docking.text
    assert phone("ent_a") == ""  # requested is not enough
    accepted = api["uni_u"].post(
        f"/api/v1/dockings/{docking.json()['id']}/accept", json={"message": "好"}
    )
    assert accepted.is_success, accepted.text
    assert phone("ent_a") == "021-65980000"
    assert phone("ent_b") == ""


PAGE_ROWS: list[Row] = [
    # Published items: everyone.
    Row("GET", "/needs/{need_a}", EVERYONE, page=True),
    Row("GET", "/achievements/{ach_u}", EVERYONE, page=True),
    Row("GET", "/experts/{exp_u}", EVERYONE, page=True),
    # The search page: searching and browsing the published items is public.
    Row("GET", "/search", EVERYONE, page=True),
    Row("GET", "/search?q=双极板&kind=achievements&industry=hydrogen_storage", EVERYONE, page=True),
    Row("GET", "/search?kind=needs&town=正余镇&mode=joint_development", EVERYONE, page=True),
    # An organization under review: its users and staff in scope.
    Row("GET", "/needs/{need_p}", roles("admin", "staff", "staff_zy"), page=True),
    # Own lists and profiles.
    Row("GET", "/my/needs", roles("ent_a", "ent_b"), page=True),
    # Staff are sent to their own lists (303).
    Row(
        "GET", "/my/achievements", roles("uni_u", "uni_v"), page=True, skip=STAFF_ALL | {"staff_zy"}
    ),
    Row("GET", "/my/profile", roles("expert_u"), page=True, skip=roles("uni_u", "uni_v")),
    Row("GET", "/account", EVERYONE - {"anon"}, page=True),
    Row("GET", "/notifications", EVERYONE - {"anon"}, page=True),
    Row("GET", "/notifications/preferences", EVERYONE - {"anon"}, page=True),
    Row(
        "POST",
        "/notifications/preferences",
        EVERYONE - {"anon"},
        ok=303,
        page=True,
        body=lambda _role: {"digest": "off"},
    ),
    Row("GET", "/notifications/digest", EVERYONE - {"anon"}, page=True),
    Row("GET", "/dockings", EVERYONE - {"anon"}, page=True),
    Row(
        "GET",
        "/dockings/{docking}",
        roles("admin", "staff", "staff_zy", "ent_a", "uni_u"),
        page=True,
    ),
    # Forms of another organization's items are denied, their posts too.
    Row("GET", "/needs/{need_a}/edit", roles("admin", "staff", "staff_zy", "ent_a"), page=True),
    Row("GET", "/needs/{need_b}/edit", roles("admin", "staff", "ent_b"), page=True),
    # An enterprise user always gets the form for their own organization.
    Row(
        "GET",
        "/needs/new?org_id={ent_a}",
        roles("admin", "staff", "staff_zy", "ent_a", "ent_b"),
        page=True,
    ),
    Row("GET", "/achievements/{ach_u}/edit", roles("admin", "staff", "uni_u"), page=True),
    Row(
        "GET", "/achievements/new", roles("admin", "staff", "staff_zy", "uni_u", "uni_v"), page=True
    ),
    Row("GET", "/experts/{exp_u}/edit", roles("admin", "staff", "uni_u", "expert_u"), page=True),
    Row(
        "POST",
        "/needs/{need_a}/edit",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=303,
        page=True,
        body=lambda r: {
            "title": "燃料电池双极板耐腐蚀涂层",
            "description": f"不锈钢双极板在酸性环境下腐蚀，接触电阻升高（{r} 修改）。",
            "indicators": "接触电阻 < 10 mΩ·cm²，耐蚀 5000 小时",
            "industry_field": "hydrogen_storage",
            "cooperation_mode": "joint_development",
            "budget_wan": "80",
            "deadline": "2030-12-31",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/needs/{need_a}/feedback",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=303,
        page=True,
        body=lambda r: {"target_kind": "achievements", "target_id": "ach_v", "reason": "mismatch"},
    ),
    Row(
        "POST",
        "/dockings/{docking}/accept",
        roles("uni_u"),
        ok=303,
        page=True,
        body=lambda r: {"message": "欢迎交流"},
        skip=roles("admin", "staff", "staff_zy"),
    ),
    Row(
        "GET",
        "/my/experts",
        roles("uni_u", "uni_v"),
        page=True,
        skip=STAFF_ALL | {"staff_zy", "expert_u"},  # sent on to their own pages (303)
    ),
    Row("GET", "/experts/new", roles("admin", "staff", "staff_zy", "uni_u", "uni_v"), page=True),
    Row(
        "POST",
        "/needs/new",
        roles("admin", "staff", "staff_zy", "ent_a", "ent_b"),
        ok=303,
        page=True,
        body=lambda r: {
            "org_id": "ent_a",
            "title": f"{r} 页面发布的需求",
            "description": "高速电机转子温升过高，需要新的冷却结构设计方案，目前风冷效果不足。",
            "indicators": "温升降低 20 K 以上",
            "industry_field": "nev",
            "cooperation_mode": "joint_development",
            "budget_wan": "50",
            "deadline": "2030-06-30",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/achievements/new",
        roles("admin", "staff", "uni_u", "uni_v"),
        ok=303,
        page=True,
        body=lambda r: {
            "org_id": "uni_u",
            "title": f"{r} 页面新建的成果",
            "abstract": "低温等离子体表面改性提高涂层结合力，适用于燃料电池金属双极板。",
            "keywords": "等离子体 涂层",
            "industry_field": "new_materials",
            "maturity": "pilot",
            "trl": "5",
            "patent_numbers": "",
            "cooperation_mode": "licensing",
            "price_wan": "",
            "team_leader": "张教授",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/achievements/{ach_u}/edit",
        roles("admin", "staff", "uni_u"),
        ok=303,
        page=True,
        body=lambda r: {
            **{
                "org_id": "uni_u",
                "title": f"{r} 页面新建的成果",
                "abstract": "低温等离子体表面改性提高涂层结合力，适用于燃料电池金属双极板。",
                "keywords": "等离子体 涂层",
                "industry_field": "new_materials",
                "maturity": "pilot",
                "trl": "5",
                "patent_numbers": "",
                "cooperation_mode": "licensing",
                "price_wan": "",
                "team_leader": "张教授",
            },
            "title": "双极板碳基复合涂层",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/experts/new",
        roles("admin", "staff", "uni_u", "uni_v"),
        ok=303,
        page=True,
        body=lambda r: {
            "org_id": "uni_u",
            "name": f"{r}新专家",
            "title": "研究员",
            "fields": "new_materials",
            "expertise": "金属表面处理与涂层工艺，等离子体改性。",
            "availability": "每月一次",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/experts/{exp_u}/edit",
        roles("admin", "staff", "uni_u", "expert_u"),
        ok=303,
        page=True,
        body=lambda r: {
            "name": "王教授",
            "title": "教授",
            "fields": "hydrogen_storage",
            "expertise": f"燃料电池双极板涂层与电堆集成（{r}）。",
            "availability": "每月一次",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/my/profile",
        roles("expert_u"),
        ok=303,
        page=True,
        body=lambda r: {
            "name": "王教授",
            "title": "教授",
            "fields": "hydrogen_storage",
            "expertise": "燃料电池双极板涂层、电堆集成与测试。",
            "availability": "每周三",
            "confirm": "1",
        },
    ),
    Row(
        "POST",
        "/needs/{need_a}/feedback/undo",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=303,
        page=True,
        body=lambda r: {"target_kind": "achievements", "target_id": "ach_v"},
    ),
    Row(
        "POST",
        "/needs/{need_a}/status",
        roles("admin", "staff", "staff_zy", "ent_a"),
        ok=303,
        page=True,
        body=lambda r: {"status": "in_docking"},
    ),
    Row(
        "POST",
        "/dockings/request",
        roles("uni_v"),
        ok=303,
        page=True,
        body=lambda r: {
            "need_id": "need_b",
            "target_kind": "achievements",
            "target_id": "ach_v",
            "message": "可以合作",
        },
        # The need's side and staff may ask too; once asked, the pair exists.
        skip=roles("admin", "staff", "ent_b"),
        # A refused request goes back to the page it came from with the reason; the
        # test then checks that none of them made a docking.
        denied_status=303,
    ),
    # Self-service: one's own account, tokens and notifications.
    Row(
        "POST",
        "/account/tokens",
        EVERYONE - {"anon"},
        ok=303,
        page=True,
        body=lambda r: {"name": r},
    ),
    Row(
        "POST",
        "/account/password",
        roles(),
        page=True,
        denied_status=400,  # a wrong current password: the form says so
        body=lambda r: {
            "current": "wrong-password!",
            "new": "another-long-pass",
            "new2": "another-long-pass",
        },
    ),
    Row("POST", "/notifications/read", EVERYONE - {"anon"}, ok=303, page=True),
    Row(
        "POST",
        "/account/tokens/{token_ent_a}/revoke",
        roles("ent_a"),
        ok=303,
        page=True,
        denied_status=404,  # someone else's token is not found
    ),
    # Staff pages: staff and administrators only.
    Row("GET", "/staff/needs", roles("admin", "staff", "staff_zy"), page=True),
    Row("GET", "/staff/achievements", roles("admin", "staff", "staff_zy"), page=True),
    Row("GET", "/staff/organizations", roles("admin", "staff", "staff_zy"), page=True),
    Row("GET", "/staff/board", roles("admin", "staff", "staff_zy"), page=True),
    # The send log of emails and robot posts (a town's staff: their town's).
    Row("GET", "/staff/deliveries", roles("admin", "staff", "staff_zy"), page=True),
    Row("GET", "/staff/deliveries/999999", roles("admin", "staff", "staff_zy"), ok=404, page=True),
    Row(
        "POST",
        "/staff/organizations/{ent_p}/approve",
        roles("admin"),
        ok=303,
        page=True,
        skip=roles("staff", "staff_zy"),  # allowed too, but the first approval already did it
    ),
    # Import and export: who may import which kind.
    Row("GET", "/transfer", EVERYONE - {"anon"}, page=True),
    # A blank template is no data: anyone logged in may download one.
    Row("GET", "/transfer/template/needs", EVERYONE - {"anon"}, page=True),
    # Uploads belong to whoever uploaded them.
    Row(
        "POST",
        "/transfer/upload/needs",
        roles("admin", "staff", "staff_zy", "ent_a", "ent_b"),
        ok=422,  # allowed, but no file was chosen: the page says so
        page=True,
    ),
    Row("GET", "/transfer/preview/{upload}", roles("ent_a"), page=True),
    Row("GET", "/transfer/errors/{errors}", roles("ent_a"), page=True),
    # The import runs in the worker; the page of its progress and result is the starter's.
    Row("POST", "/transfer/import/{upload}", roles("ent_a"), ok=303, page=True),
    Row("GET", "/transfer/imports/{import_job}", roles("ent_a"), page=True),
    Row("GET", "/transfer/export/needs.xlsx", EVERYONE - {"anon"}, page=True),
    Row("GET", "/transfer/compilation/needs", EVERYONE - {"anon"}, page=True),
    Row("GET", "/transfer/export?kind=needs&format=xlsx", EVERYONE - {"anon"}, ok=303, page=True),
    Row(
        "POST",
        "/staff/organizations/{ent_c}/reject",
        roles("admin"),
        ok=303,
        page=True,
        body=lambda r: {"reason": "材料不全"},
        skip=roles("staff", "staff_zy"),
    ),
    Row("POST", "/needs/{need_b}/close", roles("admin", "staff", "ent_b"), ok=303, page=True),
    Row("POST", "/achievements/{ach_v}/close", roles("admin", "staff", "uni_v"), ok=303, page=True),
    Row(
        "POST", "/achievements/{ach_v}/reopen", roles("admin", "staff", "uni_v"), ok=303, page=True
    ),
    Row(
        "POST",
        "/experts/{exp_u}/close",
        roles("admin", "staff", "uni_u", "expert_u"),
        ok=303,
        page=True,
    ),
    Row(
        "POST",
        "/experts/{exp_u}/reopen",
        roles("admin", "staff", "uni_u", "expert_u"),
        ok=303,
        page=True,
    ),
    # The towns list: administrators only.
    Row("GET", "/admin/towns", roles("admin"), page=True),
    Row(
        "POST",
        "/admin/towns",
        roles("admin"),
        ok=303,
        page=True,
        body=lambda r: {"name": f"测试园区{r}", "code": f"test_{r}"},
    ),
    Row(
        "POST",
        "/admin/towns/{town_hy}/rename",
        roles("admin"),
        ok=303,
        page=True,
        body=lambda r: {"name": f"海永镇{r}"},
    ),
    Row(
        "POST",
        "/admin/towns/{town_hy}/move",
        roles("admin"),
        ok=303,
        page=True,
        body=lambda r: {"direction": "up"},
    ),
    Row(
        "POST",
        "/admin/towns/{town_hy}/active",
        roles("admin"),
        ok=303,
        page=True,
        body=lambda r: {"active": "true"},
    ),
    # KPI dashboard, targets and reports: staff only; town staff their town, and they
    # read the district's reports but do not issue them.
    Row("GET", "/dashboard", STAFF_ALL | {"staff_zy"}, page=True),
    Row("GET", "/dashboard?town=三厂街道", STAFF_ALL, page=True),
    Row("GET", "/dashboard/records?indicator=amount", STAFF_ALL | {"staff_zy"}, page=True),
    Row("GET", "/targets", STAFF_ALL | {"staff_zy"}, page=True),
    Row(
        "POST",
        "/targets",
        STAFF_ALL | {"staff_zy"},
        ok=303,
        page=True,
        body=lambda r: {"year": "2026"},
    ),
    Row("GET", "/reports", STAFF_ALL | {"staff_zy"}, page=True),
    Row("GET", "/reports/{report}", STAFF_ALL | {"staff_zy"}, page=True),
    Row("GET", "/reports/{report}/download.docx", STAFF_ALL | {"staff_zy"}, page=True),
    Row(
        "GET",
        "/reports/{report_march}/review?against={report}",
        STAFF_ALL | {"staff_zy"},
        page=True,
    ),
    Row("GET", "/reports/{report}/download.xlsx", STAFF_ALL | {"staff_zy"}, page=True),
    Row(
        "POST",
        "/reports",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: {"year": "2026", "month": "1", "note": f"{r} 更正"},
    ),
    # 季度竞赛: town staff read the ranking (their own breakdown); rules and bonus items
    # are the district's.
    Row("GET", "/contest?year=2026&quarter=1", STAFF_ALL | {"staff_zy"}, page=True),
    Row("GET", "/contest/download.xlsx?year=2026", STAFF_ALL | {"staff_zy"}, page=True),
    Row(
        "POST",
        "/contest/rules",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: (
            {"year": "2026", "quarter": "1", "cap": "120", "bonus_cap": "10"}
            | {f"w-{code}": "10" for code in REGISTRY}
        ),
    ),
    Row(
        "POST",
        "/contest/bonus",
        STAFF_ALL,
        ok=303,
        page=True,
        body=lambda r: {
            "year": "2026",
            "quarter": "1",
            "town": "town_hy",
            "points": "1",
            "reason": f"{r} 承办对接活动",
        },
    ),
    # The first allowed deletion removes the item; the next would find nothing (404).
    Row(
        "POST",
        "/contest/bonus/{contest_bonus}/delete",
        STAFF_ALL,
        ok=303,
        page=True,
        skip=roles("staff"),
    ),
]


def _contest_bonus(factory: sessionmaker[Session], town: int) -> int:
    with factory() as session:
        row = ContestBonus(year=2026, quarter=1, town_id=town, points=Decimal(1), reason="加分")
        session.add(row)
        session.commit()
        return row.id


def test_page_access_matrix(world: World, factory: sessionmaker[Session]) -> None:
    docking = world.api["ent_a"].post(
        "/api/v1/dockings",
        json={
            "need_id": world.ids["need_a"],
            "target_kind": "achievements",
            "target_id": world.ids["ach_u"],
        },
    )
    assert docking.status_code == 201, docking.text
    world.ids["docking"] = docking.json()["id"]
    world.ids["upload"], world.ids["errors"], world.ids["import_job"] = _uploads_of_ent_a(world)
    issued = world.pages["admin"].post(
        "/reports",
        data={"csrf_token": world.tokens["admin"], "year": "2026", "month": "1"},
        follow_redirects=False,
    )
    assert issued.status_code == 303, issued.text[:300]
    world.ids["report"] = int(issued.headers["location"].rsplit("/", 1)[1])
    issued = world.pages["admin"].post(
        "/reports",
        data={"csrf_token": world.tokens["admin"], "year": "2026", "month": "3"},
        follow_redirects=False,
    )
    world.ids["report_march"] = int(issued.headers["location"].rsplit("/", 1)[1])
    world.ids["contest_bonus"] = _contest_bonus(factory, world.ids["town_hy"])
    failures = run_rows(world, PAGE_ROWS)
    assert not failures, "\n".join(failures)
    # Only the two allowed docking requests exist (the refused ones made none).
    dockings = world.api["admin"].get("/api/v1/dockings").json()
    assert dockings["total"] == 2, dockings


def _uploads_of_ent_a(world: World) -> tuple[Any, Any, Any]:
    """An upload waiting for its preview, the error sheet of an import and the import's
    job (all ent_a's)."""
    browser, token = world.pages["ent_a"], world.tokens["ent_a"]
    table = (
        "需求名称,需求描述,行业领域,合作方式\n"
        "电机冷却结构优化,高速电机转子温升过高，需要新的冷却结构设计方案。,新能源汽车,合作开发\n"
        "造火箭,这一行的行业领域不存在所以导入失败。,航天,合作开发\n"
    ).encode()

    def upload() -> str:
        response = browser.post(
            "/transfer/upload/needs",
            data={"csrf_token": token},
            files={"file": ("needs.csv", table, "text/csv")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text[:300]
        return response.headers["location"].rsplit("/", 1)[1]

    first = upload()
    result = browser.post(f"/transfer/import/{upload()}", data={"csrf_token": token})
    link = soup(result.text).select_one("a[href^='/transfer/errors/']")
    assert link is not None, result.text[:500]
    job = str(result.url).rsplit("/", 1)[1]
    return first, str(link["href"]).rsplit("/", 1)[1], job


def test_every_route_is_in_the_matrix(world: World) -> None:
    """A new route must say who may use it: add it to the matrix (or to PUBLIC_ROUTES)."""
    app = world.api["anon"].app
    # The clinic visit routes have their rows in test_visits_access.py (its own world).
    from tests.web.test_event_requests_access import ALL_ROWS as REQUEST_ROWS
    from tests.web.test_visits_access import ALL_ROWS as VISIT_ROWS

    every = (
        API_ROWS
        + PAGE_ROWS
        + OUTCOME_ROWS
        + ATTACHMENT_ROWS
        + EVENT_API_ROWS
        + EVENT_PAGE_ROWS
        + VISIT_ROWS
    )
    every += REQUEST_ROWS  # meeting requests and the agenda feed (their own file)
    covered = {(r.method, r.path.split("?")[0]) for r in every}
    # FastAPI keeps included routers as groups; each lists its routes with the full path.
    routes = [
        (ctx.path, ctx.methods)
        for group in app.routes
        if hasattr(group, "effective_route_contexts")
        for ctx in group.effective_route_contexts()
    ]
    assert len(routes) > 50, "the app's routes were not found"
    missing = []
    for path, methods in routes:
        if path in PUBLIC_ROUTES:
            continue
        for method in set(methods) - {"HEAD"}:
            if not any(m == method and _same(path, p) for m, p in covered):
                missing.append(f"{method} {path}")
    assert not missing, "routes without a row in the access matrix:\n" + "\n".join(sorted(missing))


def _same(route_path: str, row_path: str) -> bool:
    """``/needs/{need_id}/edit`` matches the row ``/needs/{need_a}/edit``."""
    a, b = route_path.strip("/").split("/"), row_path.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


# Routes that serve everyone the same public or self-service content (login, registration,
# search, status, OpenAPI) and need no row.
PUBLIC_ROUTES = {
    "/",
    "/login",
    "/logout",
    "/register",
    "/api/v1/status",
    "/api/v1/search",
    # Links in emails, signed (outbound/tokens.py): one-click unsubscribe, click-through.
    "/unsubscribe/{token}",
    "/o/{token}",
}


# -- outcomes: agreements, contracts, payments, the audit log ---------------------------
# contract_a: ent_a (正余镇) buys from uni_u; contract_b: ent_b (三厂街道) buys from outside.
STAFF_ZY = roles("admin", "staff", "staff_zy")
PARTIES_A = STAFF_ZY | roles("ent_a", "uni_u")
LOGGED_IN = EVERYONE - {"anon"}


def contract_body(buyer: str) -> Callable[[str], dict[str, Any]]:
    def body(role: str) -> dict[str, Any]:
        return {
            "name": f"{role} 录入的技术开发合同",
            "contract_type": "development",
            "contract_subtype": "dev_commissioned",
            "seller_name": "丙理工大学",
            "seller_nature": "university",
            "seller_region": "320602",
            "seller_org_id": "uni_u",
            "buyer_name": "甲氢能科技有限公司",
            "buyer_nature": "enterprise",
            "buyer_region": "320684",
            "buyer_org_id": buyer,
            "signed_on": "2026-03-01",
            "amount_wan": "100",
            "tech_amount_wan": "80",
            "tech_field": "new_energy",
        }

    return body


def contract_form(role: str) -> dict[str, Any]:
    body = contract_body("ent_a")(role)
    body["name"] = f"{role} 页面录入的合同"
    return body


def agreement_body(role: str) -> dict[str, Any]:
    return {
        "kind": "framework",
        "title": f"{role} 录入的框架协议",
        "company_org_id": "ent_a",
        "partner_org_id": "uni_u",
        "signed_on": "2026-03-01",
    }


def scan(role: str) -> dict[str, Any]:
    """A one-page PDF, as a scan uploaded by ``role``."""
    return {"file": (f"{role} 上传的扫描件.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}


ATTACHMENT_ROWS: list[Row] = [
    Row("GET", "/api/v1/agreements/{agreement_a}/attachments", PARTIES_A),
    Row("GET", "/api/v1/contracts/{contract_a}/attachments", PARTIES_A),
    Row("GET", "/api/v1/agreements/{agreement_a}/attachments/{att_agreement}", PARTIES_A),
    Row("GET", "/api/v1/contracts/{contract_a}/attachments/{att_contract}", PARTIES_A),
    Row("GET", "/agreements/{agreement_a}/attachments/{att_agreement}", PARTIES_A, page=True),
    Row("GET", "/contracts/{contract_a}/attachments/{att_contract}", PARTIES_A, page=True),
    # Uploading and deleting is editing: staff in scope of the record's town only.
    Row(
        "POST",
        "/api/v1/agreements/{agreement_a}/attachments",
        STAFF_ZY,
        ok=201,
        body=lambda r: {"kind": "contract_text"},
        files=scan,
    ),
    Row(
        "POST",
        "/api/v1/contracts/{contract_a}/attachments",
        STAFF_ZY,
        ok=201,
        body=lambda r: {"kind": "certificate"},
        files=scan,
    ),
    Row(
        "POST",
        "/agreements/{agreement_a}/attachments",
        STAFF_ZY,
        ok=303,
        page=True,
        body=lambda r: {"kind": "other"},
        files=scan,
    ),
    Row(
        "POST",
        "/contracts/{contract_a}/attachments",
        STAFF_ZY,
        ok=303,
        page=True,
        body=lambda r: {"kind": "contract_text"},
        files=scan,
    ),
    # The first allowed role deletes; for the others it is gone already (404).
    Row(
        "DELETE",
        "/api/v1/agreements/{agreement_a}/attachments/{att_agreement_api}",
        roles("admin"),
        ok=204,
        skip=roles("staff", "staff_zy"),
    ),
    Row(
        "DELETE",
        "/api/v1/contracts/{contract_a}/attachments/{att_contract_api}",
        roles("admin"),
        ok=204,
        skip=roles("staff", "staff_zy"),
    ),
    Row(
        "POST",
        "/agreements/{agreement_a}/attachments/{att_agreement_page}/delete",
        roles("admin"),
        ok=303,
        page=True,
        skip=roles("staff", "staff_zy"),
    ),
    Row(
        "POST",
        "/contracts/{contract_a}/attachments/{att_contract_page}/delete",
        roles("admin"),
        ok=303,
        page=True,
        skip=roles("staff", "staff_zy"),
    ),
]


OUTCOME_ROWS: list[Row] = [
    Row("GET", "/api/v1/agreements", LOGGED_IN),
    Row("GET", "/api/v1/agreements/{agreement_a}", PARTIES_A),
    Row("POST", "/api/v1/agreements", STAFF_ZY, ok=201, body=agreement_body),
    Row(
        "PATCH",
        "/api/v1/agreements/{agreement_a}",
        STAFF_ZY,
        body=lambda r: {"summary": f"{r} 修改"},
    ),
    Row("GET", "/api/v1/contracts", LOGGED_IN),
    Row("GET", "/api/v1/contracts/export", LOGGED_IN),
    Row("GET", "/api/v1/contracts/{contract_a}", PARTIES_A),
    Row("GET", "/api/v1/contracts/{contract_b}", roles("admin", "staff", "ent_b")),
    Row("GET", "/api/v1/contracts/{contract_a}/payments", PARTIES_A),
    Row("POST", "/api/v1/contracts", STAFF_ZY, ok=201, body=contract_body("ent_a")),
    Row(
        "PATCH",
        "/api/v1/contracts/{contract_a}",
        STAFF_ZY,
        body=lambda r: {"note": f"{r} 已核对"},
    ),
    Row(
        "PATCH",
        "/api/v1/contracts/{contract_b}",
        roles("admin", "staff"),
        body=lambda r: {"note": f"{r} 已核对"},
    ),
    Row(
        "POST",
        "/api/v1/contracts/{contract_a}/payments",
        STAFF_ZY,
        ok=201,
        body=lambda r: {"received_on": "2026-04-01", "amount_wan": "10", "evidence": f"回单{r}"},
    ),
    # The first allowed role signs; for the others the draft is signed already (409).
    Row(
        "POST",
        "/api/v1/contracts/{contract_a}/actions/sign",
        roles("admin"),
        skip=roles("staff", "staff_zy"),
    ),
    Row("POST", "/api/v1/contracts/import", STAFF_ZY, ok=422),  # allowed, but no file
    Row("GET", "/api/v1/audit", roles("admin")),
    Row("GET", "/api/v1/audit/export", roles("admin")),
    # Pages
    Row("GET", "/agreements", LOGGED_IN, page=True),
    Row("GET", "/agreements/new", STAFF_ZY, page=True),
    Row("GET", "/agreements/{agreement_a}", PARTIES_A, page=True),
    Row("GET", "/agreements/{agreement_a}/edit", STAFF_ZY, page=True),
    Row(
        "POST",
        "/agreements/new",
        STAFF_ZY,
        ok=303,
        page=True,
        body=lambda r: {**agreement_body(r), "title": f"{r} 页面录入的协议"},
    ),
    Row(
        "POST",
        "/agreements/{agreement_a}/edit",
        STAFF_ZY,
        ok=303,
        page=True,
        body=lambda r: {**agreement_body(r), "title": "甲乙框架协议"},
    ),
    Row("GET", "/contracts", LOGGED_IN, page=True),
    Row("GET", "/contracts/export.xlsx", LOGGED_IN, page=True),
    Row("GET", "/contracts/new", STAFF_ZY, page=True),
    Row("GET", "/contracts/{contract_a}", PARTIES_A, page=True),
    Row("GET", "/contracts/{contract_b}", roles("admin", "staff", "ent_b"), page=True),
    Row("GET", "/contracts/{contract_a}/edit", STAFF_ZY, page=True),
    Row("POST", "/contracts/new", STAFF_ZY, ok=303, page=True, body=contract_form),
    Row(
        "POST",
        "/contracts/{contract_a}/edit",
        STAFF_ZY,
        ok=303,
        page=True,
        body=lambda r: {**contract_form(r), "name": "甲乙技术开发合同"},
    ),
    Row(
        "POST",
        "/contracts/{contract_a}/payments",
        STAFF_ZY,
        ok=303,
        page=True,
        body=lambda r: {"received_on": "2026-04-02", "amount_wan": "5"},
    ),
    Row(
        "POST",
        "/contracts/{contract_a}/actions/submit",
        roles("admin"),
        ok=303,
        page=True,
        skip=roles("staff", "staff_zy"),
    ),
    Row("POST", "/contracts/import", STAFF_ZY, ok=422, page=True),  # no file chosen
    Row("GET", "/admin/audit", roles("admin"), page=True),
    Row("GET", "/admin/audit/export.xlsx", roles("admin"), page=True),
]


def test_outcomes_access_matrix(world: World) -> None:
    admin = world.api["admin"]
    made = admin.post("/api/v1/agreements", json=_filled(agreement_body("admin"), world))
    assert made.status_code == 201, made.text
    world.ids["agreement_a"] = made.json()["id"]
    for name, buyer in (("contract_a", "ent_a"), ("contract_b", "ent_b")):
        body = _filled(contract_body(buyer)("admin"), world)
        if buyer == "ent_b":
            body.pop("seller_org_id")
        made = admin.post("/api/v1/contracts", json=body)
        assert made.status_code == 201, made.text
        world.ids[name] = made.json()["id"]
    for record, base in (
        ("agreement", "agreements/{agreement_a}"),
        ("contract", "contracts/{contract_a}"),
    ):
        for suffix in ("", "_api", "_page"):
            made = admin.post(
                f"/api/v1/{base.format(**world.ids)}/attachments", files=scan("admin")
            )
            assert made.status_code == 201, made.text
            world.ids[f"att_{record}{suffix}"] = made.json()["id"]
    failures = run_rows(world, OUTCOME_ROWS + ATTACHMENT_ROWS)
    assert not failures, "\n".join(failures)
    # An enterprise's list holds only its own contracts.
    mine = world.api["ent_b"].get("/api/v1/contracts").json()
    assert [c["id"] for c in mine["items"]] == [world.ids["contract_b"]]


def _filled(body: dict[str, Any], world: World) -> dict[str, Any]:
    return {k: _fill(v, world.ids) for k, v in body.items()}


# -- events (产学研对接会) ----------------------------------------------------------------
# The event is in 三厂街道: the 正余镇 staff member does not see it. Participants see it
# once open; only those registered have an agenda, only a meeting's sides its outcome.
PARTICIPANTS = roles("ent_a", "ent_b", "uni_u", "uni_v", "expert_u")
EVENT_STAFF = STAFF_ALL


def event_body(r: str) -> dict[str, Any]:
    from matchmaking import clock

    today = clock.local_today()
    return {
        "title": f"{r} 新建的对接会",
        "kind": "by_industry",
        "held_on": str(today + timedelta(days=9)),
        "town": "正余镇",
        "registration_opens": str(today),
        "registration_closes": str(today + timedelta(days=3)),
        "capacity": "40",
    }


EVENT_API_ROWS: list[Row] = [
    Row("GET", "/api/v1/events", EVERYONE - {"anon"}),
    Row("GET", "/api/v1/events/{event}", PARTICIPANTS | EVENT_STAFF),
    Row("POST", "/api/v1/events", EVENT_STAFF | {"staff_zy"}, ok=201, body=event_body),
    Row(
        "POST",
        "/api/v1/events/{event}/registration",
        PARTICIPANTS,
        body=lambda r: {"min_meetings": 0, "max_meetings": 3},
    ),
    Row("GET", "/api/v1/events/{event}/agenda", PARTICIPANTS),
]

EVENT_PAGE_ROWS: list[Row] = [
    Row("GET", "/events", EVERYONE - {"anon"}, page=True),
    Row("GET", "/events/new", EVENT_STAFF | {"staff_zy"}, page=True),
    Row("GET", "/events/{event}", PARTICIPANTS | EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/edit", EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/invite", EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/invitations.xlsx", EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/schedule", EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/tables", EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/checkin", EVENT_STAFF, page=True),
    Row("GET", "/events/checkin/{token_a}", EVENT_STAFF, page=True),
    Row("GET", "/events/runs/{run1}/progress", EVENT_STAFF, page=True),
    # The event report: staff of the district or the event's town, never participants.
    Row("GET", "/events/{event}/report", EVENT_STAFF, page=True),
    Row("GET", "/events/{event}/report.xlsx", EVENT_STAFF, page=True),
    # Refilling freed slots on the day: staff in scope. The pair already meets (or one
    # is not checked in), so staff get the refusal as a flash message after a redirect.
    Row("GET", "/events/{event}/refill", EVENT_STAFF, page=True),
    Row(
        "POST",
        "/events/{event}/refill",
        EVENT_STAFF,
        ok=303,
        page=True,
        body=lambda r: {"a_id": "reg_a", "b_id": "reg_u", "slot_id": "slot"},
    ),
    Row(
        "POST",
        "/events/new",
        EVENT_STAFF | {"staff_zy"},
        ok=303,
        page=True,
        body=event_body,
    ),
    Row(
        "POST",
        "/events/{event}/edit",
        EVENT_STAFF,
        ok=303,
        page=True,
        body=lambda r: {**event_body(r), "town": "三厂街道"},
    ),
    Row(
        "POST",
        "/events/{event}/sessions",
        EVENT_STAFF,
        ok=303,
        page=True,
        body=lambda r: {"start": "14:00", "meetings": "2", "tables": "4"},
    ),
    Row(
        "POST",
        "/events/{event}/invite",
        EVENT_STAFF,
        ok=303,
        page=True,
        body=lambda r: {"org_id": "ent_b"},
    ),
    Row(
        "POST",
        "/events/{event}/register",
        PARTICIPANTS,
        ok=303,
        page=True,
        body=lambda r: {"min_meetings": "0", "max_meetings": "3"},
    ),
    Row("GET", "/events/{event}/participants", PARTICIPANTS, page=True),
    Row(
        "POST",
        "/events/{event}/wishes",
        PARTICIPANTS,
        ok=303,
        page=True,
        body=lambda r: {"to_id": "reg_a", "level": "want"},
        skip=roles("ent_a"),  # a wish about oneself is refused (422)
    ),
    Row("GET", "/events/{event}/agenda", PARTICIPANTS, page=True),
    Row("GET", "/events/{event}/agenda.ics", PARTICIPANTS, page=True),
    Row("GET", "/events/{event}/qr.svg", PARTICIPANTS, page=True),
    Row(
        "POST",
        "/events/{event}/meetings/{meeting}/outcome",
        roles("ent_a", "uni_u"),
        ok=303,
        page=True,
        body=lambda r: {"outcome": "held"},
    ),
    Row(
        "POST",
        "/events/{event}/meetings/{meeting}/follow-up",
        roles("ent_a", "uni_u"),
        ok=303,
        page=True,
    ),
    Row("POST", "/events/meetings/{meeting}/lock", EVENT_STAFF, ok=303, page=True),
    Row("POST", "/events/runs/{run2}/publish", EVENT_STAFF, ok=303, page=True),
    Row("POST", "/events/{event}/schedule/run", EVENT_STAFF, ok=303, page=True),
    Row(
        "POST",
        "/events/runs/{run3}/cancel",
        EVENT_STAFF,
        ok=303,
        page=True,
        skip=roles("staff"),  # the first cancel stopped it (409)
    ),
    Row("POST", "/events/{event}/checkin/{reg_a}", EVENT_STAFF, ok=303, page=True),
    Row(
        "POST",
        "/events/{event}/cancel",
        roles("ent_b", "uni_v", "expert_u"),
        ok=303,
        page=True,
        skip=roles("ent_a", "uni_u"),  # they keep their registration for later rows
    ),
    Row(
        "POST",
        "/events/{event}/status",
        EVENT_STAFF,
        ok=303,
        page=True,
        body=lambda r: {"action": "close"},
    ),
    # The booklet: staff in scope and the participants still registered (ent_a, uni_u;
    # the others cancelled above).
    Row("GET", "/events/{event}/booklet", EVENT_STAFF | roles("ent_a", "uni_u"), page=True),
]


def _event_world(world: World, factory: sessionmaker[Session]) -> None:
    """An open event in 三厂街道 with a published schedule (run 1) and a second version."""
    from matchmaking.accounts.service import principal_for
    from matchmaking.enums import EventAction, WishLevel
    from matchmaking.events import repository, scheduling
    from matchmaking.events import service as events
    from matchmaking.events.schemas import EventCreate, RegistrationInput, SessionCreate
    from matchmaking.models import ScheduledMeeting

    ids = world.ids
    with factory() as session:

        def p(name: str) -> Any:
            user = session.scalars(select(User).where(User.username == name)).one()
            return principal_for(user)

        event = events.create(
            session, p("staff"), EventCreate(**{**event_body("staff"), "town": "三厂街道"})
        )
        events.add_session(session, p("staff"), event.id, SessionCreate(start="09:00", tables=5))
        events.move(session, p("staff"), event.id, EventAction.OPEN)
        reg_a = events.register(session, p("ent_a"), event.id, RegistrationInput())
        reg_u = events.register(session, p("uni_u"), event.id, RegistrationInput())
        events.set_wish(session, p("ent_a"), event.id, reg_u.id, WishLevel.MUST)
        first_slot = repository.slots(session, event.id)[0]
        ids.update(event=event.id, reg_a=reg_a.id, reg_u=reg_u.id, slot=first_slot.id)
        world.ids["token_a"] = reg_a.checkin_token  # type: ignore[assignment]
        run1 = scheduling.start_run(session, p("staff"), event.id)
        session.commit()
        manager = world.api["staff"].app.state.index_manager  # type: ignore[attr-defined]
        scheduling.execute(factory, manager, run1.id, time_limit_s=5)
        scheduling.publish(session, p("staff"), run1.id)
        run2 = scheduling.start_run(session, p("staff"), event.id)
        session.commit()
        scheduling.execute(factory, manager, run2.id, time_limit_s=5)
        meeting = session.scalars(
            select(ScheduledMeeting).where(ScheduledMeeting.run_id == run1.id)
        ).first()
        assert meeting is not None
        ids.update(run1=run1.id, run2=run2.id, run3=run2.id + 1, meeting=meeting.id)
        session.commit()


def test_event_access_matrix(world: World, factory: sessionmaker[Session]) -> None:
    _event_world(world, factory)
    failures = run_rows(world, EVENT_API_ROWS) + run_rows(world, EVENT_PAGE_ROWS)
    assert not failures, "\n".join(failures)
