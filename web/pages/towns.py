"""The district's towns list (区镇管理): administrators add, rename, reorder, deactivate."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from matchmaking.accounts.permissions import require_admin
from matchmaking.common.validation import validation_details
from matchmaking.exceptions import MatchmakingError
from matchmaking.towns import service as towns
from matchmaking.towns.schemas import TownCreate, TownUpdate
from web.pages.common import Ui

router = APIRouter(prefix="/admin/towns")
Text = Annotated[str, Form(max_length=200)]


def _page(
    ui: Ui,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    editing: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "towns": towns.listing(ui.session),
        "values": values or {},
        "errors": errors or {},
        "editing": editing,
    }
    return ui.render("towns/index.html", context, status_code=status_code)


def _field_errors(exc: ValidationError | MatchmakingError) -> dict[str, str]:
    if isinstance(exc, ValidationError):
        return {str(d["field"]): str(d["message"]) for d in validation_details(exc.errors())}
    if exc.field is None:
        raise exc
    return {exc.field: exc.message}


@router.get("", response_class=HTMLResponse)
def town_list(ui: Ui) -> HTMLResponse:
    """The towns in the order menus show them, with the forms to change the list."""
    require_admin(ui.principal)
    return _page(ui)


@router.post("", response_model=None)
def add_town(ui: Ui, name: Text = "", code: Text = "") -> HTMLResponse | RedirectResponse:
    """Add a town at the end of the list."""
    require_admin(ui.principal)
    try:
        town = towns.create(ui.session, ui.principal, TownCreate(name=name, code=code))
    except (ValidationError, MatchmakingError) as exc:
        errors = _field_errors(exc)
        return _page(ui, values={"name": name, "code": code}, errors=errors, status_code=400)
    return ui.redirect("/admin/towns", f"已添加“{town.name}”")


@router.post("/{town_id}/rename", response_model=None)
def rename_town(ui: Ui, town_id: int, name: Text = "") -> HTMLResponse | RedirectResponse:
    """Rename a town; its organizations and staff follow (they refer to it by id)."""
    require_admin(ui.principal)
    try:
        town = towns.update(ui.session, ui.principal, town_id, TownUpdate(name=name))
    except (ValidationError, MatchmakingError) as exc:
        errors = _field_errors(exc)
        return _page(ui, values={"rename": name}, errors=errors, editing=town_id, status_code=400)
    return ui.redirect("/admin/towns", f"已改名为“{town.name}”")


@router.post("/{town_id}/move")
def move_town(
    ui: Ui, town_id: int, direction: Annotated[Literal["up", "down"], Form()]
) -> RedirectResponse:
    """Move a town one place up or down the list."""
    require_admin(ui.principal)
    towns.move(ui.session, ui.principal, town_id, direction)
    return ui.redirect("/admin/towns")


@router.post("/{town_id}/active")
def set_active(ui: Ui, town_id: int, active: Annotated[bool, Form()]) -> RedirectResponse:
    """Deactivate a town (no longer offered at registration) or offer it again."""
    require_admin(ui.principal)
    town = towns.update(ui.session, ui.principal, town_id, TownUpdate(is_active=active))
    message = "已恢复启用" if town.is_active else "已停用：注册时不再提供，已登记的单位不受影响"
    return ui.redirect("/admin/towns", f"“{town.name}”{message}")
