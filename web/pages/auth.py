"""Login, logout, registration of a new organization, and the account page (tokens, password)."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import require_login
from matchmaking.accounts.schemas import Registration
from matchmaking.enums import OrgKind
from matchmaking.models import User
from matchmaking.organizations import service as org_service
from matchmaking.towns import service as towns_service
from web.pages.common import Ui
from web.pages.forms import parse_values, read_form

router = APIRouter()
REGISTRABLE = [OrgKind.ENTERPRISE, OrgKind.UNIVERSITY, OrgKind.INSTITUTE]
HOME_FOR_ROLE = {
    "enterprise": "/my/needs",
    "university": "/my/achievements",
    "expert": "/my/profile",
    "staff": "/staff/board",
    "admin": "/staff/board",
}


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: never redirect a login to another host."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def start_session(request: Request, user: User) -> None:
    """A fresh session for this user: nothing from before (a planted CSRF token) survives.

    It carries the user's session epoch: once the epoch moves on (logout, a new
    password), this cookie and every copy of it are refused (``web.deps``).
    """
    request.session.clear()
    request.session["uid"] = user.id
    request.session["epoch"] = user.session_epoch or 0
    request.session["seen"] = time.time()


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.get("/login", response_class=HTMLResponse)
def login_form(ui: Ui, next: Annotated[str | None, Query()] = None) -> HTMLResponse:
    """The login form."""
    return ui.render(
        "auth/login.html", {"next": _safe_next(next) or "", "error": "", "username": ""}
    )


@router.post("/login", response_model=None)
def login(
    ui: Ui,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> HTMLResponse | RedirectResponse:
    """Check the password (rate limited per IP and per account) and start a session."""
    result = accounts.authenticate(
        ui.session,
        ui.request.app.state.settings,
        username=username,
        password=password,
        ip=client_ip(ui.request),
    )
    if result.user is None:
        context = {"next": _safe_next(next) or "", "error": result.message, "username": username}
        return ui.render("auth/login.html", context, status_code=400)
    start_session(ui.request, result.user)
    target = _safe_next(next) or HOME_FOR_ROLE.get(result.user.role, "/")
    return ui.redirect(target, f"欢迎，{result.user.display_name or result.user.username}")


@router.post("/logout")
def logout(ui: Ui) -> RedirectResponse:
    """End the session, and with it every session of this user (copied cookies too)."""
    if ui.principal.user_id is not None:
        accounts.end_sessions(ui.session, accounts.get_user(ui.session, ui.principal.user_id))
    ui.request.session.clear()
    return ui.redirect("/", "已退出登录")


@router.get("/register", response_class=HTMLResponse)
def register_form(ui: Ui) -> HTMLResponse:
    """Register a new enterprise, university or institute (reviewed by the bureau)."""
    towns = towns_service.names(ui.session, active_only=True)
    context = {"values": {}, "errors": {}, "kinds": REGISTRABLE, "towns": towns}
    return ui.render("auth/register.html", context)


def _passwords_match(values: dict[str, str]) -> dict[str, str]:
    if values.get("password") != values.get("password2"):
        return {"password2": "两次输入的密码不一致"}
    return {}


@router.post("/register", response_model=None)
async def register(request: Request, ui: Ui) -> HTMLResponse | RedirectResponse:
    """Create the organization (pending approval) and its first user, then log in."""
    form = await read_form(request, Registration, check=_passwords_match)
    if form.data is not None and form.ok:
        with form.field_errors():
            user = accounts.register(ui.session, form.data)
            start_session(request, user)
            return ui.redirect(
                "/account",
                "注册成功。单位信息已提交科技局审核，审核通过前您发布的内容暂不公开。",
            )
    values = {k: v for k, v in form.values.items() if k not in ("password", "password2")}
    towns = towns_service.names(ui.session, active_only=True)
    context = {"values": values, "errors": form.errors, "kinds": REGISTRABLE, "towns": towns}
    return ui.render("auth/register.html", context, status_code=400)


@router.get("/account", response_class=HTMLResponse)
def account(ui: Ui) -> HTMLResponse:
    """My account: organization and its review status, API tokens, password."""
    require_login(ui.principal)
    user = accounts.get_user(ui.session, ui.principal.user_id)  # type: ignore[arg-type]
    org = org_service.get(ui.session, user.org_id) if user.org_id else None
    tokens = accounts.tokens_of(ui.session, user.id)
    new_token = ui.request.session.pop("new_token", None)
    return ui.render(
        "auth/account.html",
        {"user": user, "org": org, "tokens": tokens, "new_token": new_token, "error": ""},
    )


@router.post("/account/tokens")
def create_token(ui: Ui, name: Annotated[str, Form()] = "") -> RedirectResponse:
    """A new API token with this user's permissions; shown once."""
    require_login(ui.principal)
    user = accounts.get_user(ui.session, ui.principal.user_id)  # type: ignore[arg-type]
    _token, plain = accounts.create_token(ui.session, user, name or "API")
    ui.request.session["new_token"] = plain
    return ui.redirect("/account", "已生成新的 API 令牌，请立即复制保存：它只显示这一次")


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(ui: Ui, token_id: int) -> RedirectResponse:
    """Revoke one of my API tokens."""
    require_login(ui.principal)
    user = accounts.get_user(ui.session, ui.principal.user_id)  # type: ignore[arg-type]
    accounts.revoke_token(ui.session, user, token_id)
    return ui.redirect("/account", "令牌已撤销")


class PasswordChange(BaseModel):
    current: str = ""
    new: str = ""
    new2: str = ""


def _new_passwords_match(values: dict[str, str]) -> dict[str, str]:
    return {"new2": "两次输入的新密码不一致"} if values["new"] != values["new2"] else {}


@router.post("/account/password", response_model=None)
def change_password(
    ui: Ui, values: Annotated[PasswordChange, Form()]
) -> HTMLResponse | RedirectResponse:
    """Change my password."""
    require_login(ui.principal)
    user = accounts.get_user(ui.session, ui.principal.user_id)  # type: ignore[arg-type]
    form = parse_values(PasswordChange, values.model_dump(), check=_new_passwords_match)
    if form.ok:
        with form.field_errors():
            accounts.change_password(ui.session, user, current=values.current, new=values.new)
            # This session goes on under the new epoch; every other one has ended.
            start_session(ui.request, user)
            return ui.redirect(
                "/account",
                "密码已修改。其他设备上的登录和全部 API 令牌已失效，如需请重新生成令牌。",
            )
    org = org_service.get(ui.session, user.org_id) if user.org_id else None
    tokens = accounts.tokens_of(ui.session, user.id)
    error = next(iter(form.errors.values()))
    context = {"user": user, "org": org, "tokens": tokens, "new_token": None, "error": error}
    return ui.render("auth/account.html", context, status_code=400)
