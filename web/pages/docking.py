"""Docking pages: my dockings (incoming, outgoing, all); one docking, its history and actions."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from matchmaking import clock
from matchmaking.accounts.permissions import require_login
from matchmaking.common.validation import validation_details
from matchmaking.docking import service
from matchmaking.docking.schemas import Action, Box
from matchmaking.enums import AgreementKind, DockingStatus, Origin
from matchmaking.exceptions import Conflict, InvalidInput, MatchmakingError, Unauthorized
from matchmaking.matching import pairs
from matchmaking.notifications import service as notifications
from matchmaking.outcomes.schemas import SignedAgreement
from web.deps import IndexDep, Writes
from web.pages.common import Ui
from web.pages.forms import ListFilters, listing

router = APIRouter(prefix="/dockings")
PAGE_SIZE = 20
TABS = [(Box.INCOMING, "收到的"), (Box.OUTGOING, "发出的"), (Box.ALL, "全部")]


class DockingFilters(ListFilters):
    box: Box | None = None
    status: DockingStatus | None = None


@router.get("", response_class=HTMLResponse)
def docking_list(ui: Ui, f: Annotated[DockingFilters, Query()]) -> HTMLResponse:
    """My docking requests: received, sent or all, with a status filter.

    Without a choice it opens on 收到的 when something was received, else on 全部 (a
    company that has only sent requests sees them at once).
    """
    require_login(ui.principal)
    if f.box is None:
        f = f.model_copy(update={"box": service.default_box(ui.session, ui.principal)})
    assert f.box is not None
    found = service.list_for(
        ui.session, ui.principal, box=f.box, status=f.status, page=f.page, page_size=PAGE_SIZE
    )
    chosen = f.chosen()
    tabs = [(b.value, label) for b, label in TABS]
    context = {"box": chosen["box"], "status": chosen["status"], "tabs": tabs}
    return ui.render("docking/list.html", {**context, **listing(found, f)})


@router.get("/{docking_id}", response_class=HTMLResponse, dependencies=[Writes])
def docking_page(ui: Ui, docking_id: int) -> HTMLResponse:
    """One docking: both sides, status, history, contacts once accepted, and what I may do."""
    if ui.principal.user_id is not None:
        # Seen: its notifications no longer count as unread (a 403 below rolls this back).
        link = f"/dockings/{docking_id}"
        ui.notifications_read(
            notifications.mark_read_for_link(ui.session, ui.principal.user_id, link)
        )
    return _render_detail(ui, docking_id)


def _render_detail(
    ui: Ui,
    docking_id: int,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    d = service.detail(ui.session, ui.principal, docking_id)
    return ui.render(
        "docking/detail.html",
        {
            "d": d,
            "actions": [a.value for a in d.allowed_actions],
            "values": values or {},
            "errors": errors or {},
            "agreement_kinds": list(AgreementKind),
            "today": clock.local_today().isoformat(),
        },
        status_code=status_code,
    )


def _back(ui: Ui) -> str:
    """The same-site page the form was posted from (else the docking list)."""
    referer = urlparse(ui.request.headers.get("referer", ""))
    if referer.netloc and referer.netloc != ui.request.url.netloc:
        return "/dockings"
    path = referer.path or "/dockings"
    if not path.startswith("/") or path.startswith("//"):
        return "/dockings"
    return path + (f"?{referer.query}" if referer.query else "")


@router.post("/request")
def request_docking(
    ui: Ui,
    manager: IndexDep,
    need_id: Annotated[int, Form()],
    target_kind: Annotated[str, Form()],
    target_id: Annotated[int, Form()],
    message: Annotated[str, Form(max_length=2000)] = "",
    origin: Annotated[str, Form(max_length=32)] = "",
) -> RedirectResponse:
    """Request a docking from a need or achievement/expert page; go to the new docking."""
    try:
        fit = pairs.fit_for(ui.session, manager, need_id, target_kind, target_id)
        docking = service.request(
            ui.session,
            ui.principal,
            need_id=need_id,
            target_kind=target_kind,
            target_id=target_id,
            message=message,
            score=fit,
            origin=Origin(origin) if origin in set(Origin) else Origin.DIRECT,
        )
    except Unauthorized:
        raise
    except MatchmakingError as exc:
        # Checks run before any write: nothing to keep, go back and say why.
        ui.session.rollback()
        return ui.redirect(_back(ui), exc.message, "error")
    return ui.redirect(
        f"/dockings/{docking.id}", "对接申请已发送，对方会在平台通知中看到，请留意回复"
    )


FLASH = {
    Action.ACCEPT: "已接受对接，双方现在可以看到彼此的联系方式",
    Action.DECLINE: "已婉拒对接，对方会收到通知",
    Action.NEGOTIATE: "已进入洽谈阶段",
    Action.SIGN: "已记录签署合作协议并生成合作协议记录，科技局会收到通知",
}


@router.post("/{docking_id}/{action}", response_model=None)
def act(
    ui: Ui,
    docking_id: int,
    action: Action,
    message: Annotated[str, Form(max_length=2000)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
    agreement_kind: Annotated[str, Form(max_length=32)] = "project",
    agreement_title: Annotated[str, Form(max_length=400)] = "",
    signed_on: Annotated[str, Form(max_length=32)] = "",
    planned_amount_wan: Annotated[str, Form(max_length=64)] = "",
    summary: Annotated[str, Form(max_length=8000)] = "",
) -> HTMLResponse | RedirectResponse:
    """Accept, decline (with a reason), move to negotiation, or record the signed agreement
    (its fields create the cooperation agreement)."""
    values = {
        "message": message,
        "reason": reason,
        "action": action.value,
        "agreement_kind": agreement_kind,
        "agreement_title": agreement_title,
        "signed_on": signed_on,
        "planned_amount_wan": planned_amount_wan,
        "summary": summary,
    }
    agreement = None
    if action is Action.SIGN:
        fields = {
            "kind": agreement_kind or "project",
            "title": agreement_title.strip(),
            "signed_on": signed_on.strip() or None,
            "planned_amount_wan": planned_amount_wan.strip() or None,
            "summary": summary,
        }
        try:
            agreement = SignedAgreement.model_validate(fields)
        except ValidationError as exc:
            names = {"title": "agreement_title", "kind": "agreement_kind"}
            errors = {
                names.get(d["field"], d["field"]): d["message"]
                for d in validation_details(exc.errors())
            }
            return _render_detail(ui, docking_id, values=values, errors=errors, status_code=422)
    try:
        service.act(
            ui.session,
            ui.principal,
            docking_id,
            action,
            message=message,
            reason=reason,
            agreement=agreement,
        )
    except InvalidInput as exc:
        ui.session.rollback()
        errors = {exc.field or "form": exc.message}
        return _render_detail(ui, docking_id, values=values, errors=errors, status_code=422)
    except Conflict as exc:
        ui.session.rollback()
        return ui.redirect(f"/dockings/{docking_id}", exc.message, "error")
    return ui.redirect(f"/dockings/{docking_id}", FLASH[action])
