"""Accounts as a person meets them: register, log in, limits, CSRF, sessions, API tokens."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.models import Organization, User
from tests.conftest import add_need, add_org, make_user
from tests.web.pages_helpers import csrf, login, post_form, soup

PASSWORD = "correct-horse-battery"
REGISTRATION = {
    "org_name": "海门新材科技有限公司",
    "org_kind": "enterprise",
    "town": "三厂街道",
    "display_name": "张工",
    "contact_phone": "0513-82000001",
    "username": "zhang",
    "password": "a-long-enough-password",
    "password2": "a-long-enough-password",
}


def test_registration_creates_a_pending_organization_whose_needs_wait_for_approval(
    make_client: Callable[..., TestClient],
    client: TestClient,
    anon_client: TestClient,
    factory: sessionmaker[Session],
) -> None:
    # Given a visitor who registers a new company
    browser = make_client()
    response = post_form(browser, "/register", REGISTRATION, follow_redirects=False)
    assert response.status_code == 303
    account = browser.get("/account")
    assert "待审核" in account.text
    assert "海门新材科技有限公司" in account.text
    with factory() as session:
        org = session.scalars(
            select(Organization).where(Organization.name == "海门新材科技有限公司")
        ).one()
        user = session.scalars(select(User).where(User.username == "zhang")).one()
        assert org.status == "pending"
        assert user.role == "enterprise"
        assert user.password_hash.startswith("$argon2id$")
        org_id = org.id

    # When the company posts a need before approval (admin builds it for brevity)
    need = add_need(
        client,
        org_id,
        "高强度铝合金焊接变形控制",
        "船用铝合金薄板焊接变形大，需要变形预测与控制工艺。",
    )
    # Then visitors cannot see it yet
    assert anon_client.get(f"/api/v1/needs/{need['id']}").status_code == 401

    # When staff approve the organization
    staff = make_client(make_user(factory, "staff", "staff"))
    assert staff.get("/api/v1/organizations?status=pending").json()["total"] == 1
    approve = staff.patch(f"/api/v1/organizations/{org_id}", json={"status": "active"})
    assert approve.status_code == 200
    # Then the need is public
    assert anon_client.get(f"/api/v1/needs/{need['id']}").status_code == 200


def test_registration_errors_name_the_field_and_keep_the_input(
    make_client: Callable[..., TestClient],
) -> None:
    browser = make_client()
    bad = {**REGISTRATION, "password": "short", "password2": "different", "username": "x"}
    response = post_form(browser, "/register", bad)
    assert response.status_code == 400
    page = soup(response.text)
    errors = " ".join(e.get_text() for e in page.select(".field-error"))
    assert "至少 12 个字符" in errors
    assert "两次输入的密码不一致" in errors
    # Each error stands at its field, under the field's name.
    username = page.select_one("input[name=username]").find_parent("label")
    assert "登录名" in username.get_text()
    assert "只能使用" in username.select_one(".field-error").get_text()
    assert page.select_one("input[name=org_name]")["value"] == "海门新材科技有限公司"
    assert page.select_one("input[name=password]")["value"] == ""


def test_login_is_limited_per_account_with_a_clear_message(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "liwei", "admin")
    browser = make_client()
    first = post_form(browser, "/login", {"username": "liwei", "password": "wrong-password-1"})
    assert first.status_code == 400
    assert "用户名或密码不正确" in first.text
    for _ in range(4):
        post_form(browser, "/login", {"username": "liwei", "password": "wrong-password-1"})
    # The right password no longer gets in while the account is locked.
    locked = post_form(browser, "/login", {"username": "liwei", "password": PASSWORD})
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.text
    # An unknown user gets the same answer as a wrong password (no username probing).
    other = make_client()
    unknown = post_form(other, "/login", {"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 400
    assert "用户名或密码不正确" in unknown.text


def test_session_cookie_flags_logout_and_next(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "staffer", "staff")
    browser = make_client()
    # A page that needs a login sends the visitor to the login form and back.
    redirect = browser.get("/account", follow_redirects=False)
    assert redirect.status_code == 303
    assert redirect.headers["location"] == "/login?next=%2Faccount"
    response = post_form(
        browser,
        "/login",
        {"username": "staffer", "password": PASSWORD, "next": "/account"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert "staffer" in browser.get("/account").text
    # An open redirect is refused: next must be a path on this site.
    evil = post_form(
        make_client(),
        "/login",
        {"username": "staffer", "password": PASSWORD, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert evil.headers["location"] == "/staff/board"
    post_form(browser, "/logout", {})
    assert browser.get("/account", follow_redirects=False).status_code == 303


def test_idle_session_is_logged_out(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session]
) -> None:
    make_user(factory, "idle", "admin")
    browser = make_client()
    login(browser, "idle")
    assert browser.get("/account").status_code == 200
    browser.app.state.settings.session_idle_minutes = 0
    response = browser.get("/account", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Faccount"
    assert "登录已超时" in browser.get(response.headers["location"]).text


def test_forms_and_cookie_api_calls_need_the_csrf_token(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session], client: TestClient
) -> None:
    org_id = add_org(client, "海门氢能装备有限公司", "enterprise")
    make_user(factory, "qiye", "enterprise", org_id=org_id)
    browser = make_client()
    # A login form posted without the token (a forged cross-site post) is refused.
    browser.get("/login")
    forged = browser.post("/login", data={"username": "qiye", "password": PASSWORD})
    assert forged.status_code == 403
    assert "CSRF" in forged.text
    login(browser, "qiye")
    body = {
        "org_id": org_id,
        "title": "燃料电池空压机噪声控制",
        "description": "离心式空压机高速运行噪声大，需要降噪方案和结构优化。",
        "industry_field": "hydrogen_storage",
        "cooperation_mode": "joint_development",
    }
    # The same user's cookie without the header cannot change data through the API...
    assert browser.post("/api/v1/needs", json=body).status_code == 403
    # ...with the page's token it can.
    token = csrf(browser, "/account")
    created = browser.post("/api/v1/needs", json=body, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text


def test_api_tokens_carry_their_owners_permissions_and_can_be_revoked(
    make_client: Callable[..., TestClient], factory: sessionmaker[Session], client: TestClient
) -> None:
    mine = add_org(client, "海门智造装备有限公司", "enterprise")
    other = add_org(client, "海门另一家企业有限公司", "enterprise")
    make_user(factory, "owner", "enterprise", org_id=mine)
    browser = make_client()
    login(browser, "owner")
    page = soup(post_form(browser, "/account/tokens", {"name": "ERP 同步"}).text)
    token = page.select_one("code.token").get_text()
    api = make_client(token)
    need = {
        "title": "焊接机器人视觉纠偏",
        "description": "厚板多层多道焊接过程中焊缝跟踪误差大，需要视觉纠偏。",
        "industry_field": "intelligent_manufacturing",
        "cooperation_mode": "commissioned_development",
    }
    assert api.post("/api/v1/needs", json={**need, "org_id": mine}).status_code == 201
    denied = api.post("/api/v1/needs", json={**need, "org_id": other})
    assert denied.status_code == 403
    assert "本单位" in denied.json()["message"]
    # Revoke it on the account page: the token stops working.
    token_id = soup(browser.get("/account").text).select_one("form[action$='/revoke']")["action"]
    post_form(browser, token_id, {})
    revoked = api.post("/api/v1/needs", json={**need, "title": "另一条需求标题", "org_id": mine})
    assert revoked.status_code == 401
    assert revoked.headers["www-authenticate"] == "Bearer"


def test_an_anonymous_change_through_the_api_is_401_even_with_a_bad_body(
    anon_client: TestClient,
) -> None:
    response = anon_client.post("/api/v1/needs", json={})
    assert response.status_code == 401
    assert "API 令牌" in response.json()["message"]
    assert anon_client.get("/api/v1/needs").status_code == 200
