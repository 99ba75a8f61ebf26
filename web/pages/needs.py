"""Pages for technical needs: my needs, the need form with its quality check, the need page
with explained recommendations, and "not relevant" feedback."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from matchmaking import clock
from matchmaking.accounts import permissions
from matchmaking.accounts.permissions import Principal
from matchmaking.common.filters import ItemFilters
from matchmaking.docking import service as docking
from matchmaking.enums import (
    OPEN_NEED_STATUSES,
    CooperationMode,
    IndustryField,
    Kind,
    Maturity,
    NeedStatus,
    OrgStatus,
)
from matchmaking.exceptions import Forbidden, InvalidInput, MatchmakingError
from matchmaking.feedback import service as feedback
from matchmaking.matching import service as matching
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import Need
from matchmaking.needs import quality
from matchmaking.needs.schemas import NeedCreate, NeedUpdate
from matchmaking.organizations import service as org_service
from web.deps import IndexDep
from web.pages.common import Ui
from web.pages.forms import listing, read_form

router = APIRouter()
needs = SERVICES[Kind.NEEDS]
PAGE_SIZE = 20
# Recommendations: first this many, "显示更多" adds as many again.
STEP = 10
FORM_FIELDS = (
    "title",
    "description",
    "indicators",
    "industry_field",
    "budget_wan",
    "deadline",
    "cooperation_mode",
    "contact_name",
)
FORM_LABELS = {
    "title": "需求名称",
    "description": "需求描述",
    "indicators": "技术指标",
    "industry_field": "行业领域",
    "budget_wan": "预算",
    "deadline": "截止日期",
    "cooperation_mode": "合作方式",
    "contact_name": "联系人",
}
TARGET_LABELS = {"achievements": "推荐科技成果", "experts": "推荐专家"}


# -- my needs ----------------------------------------------------------------------
@router.get("/my/needs", response_class=HTMLResponse)
def my_needs(ui: Ui, page: Annotated[int, Query(ge=1)] = 1) -> HTMLResponse:
    """My organization's needs in every status, newest first."""
    permissions.require_login(ui.principal)
    p = ui.principal
    if p.org_id is None or Kind.NEEDS not in permissions.editable_kinds(p):
        raise Forbidden("“我的需求”只对企业用户开放；科技局工作人员请使用“需求管理”")
    org = org_service.get(ui.session, p.org_id)
    found = needs.list_page(
        ui.session,
        filters=ItemFilters(org_id=p.org_id),
        page=page,
        page_size=PAGE_SIZE,
        include_closed=True,
    )
    counts = docking.counts_by_need(ui.session, [n.id for n in found.items])
    context = {"org": org, "today": clock.local_today(), "docking_counts": counts}
    return ui.render("needs/mine.html", {**context, **listing(found)})


# -- the form ----------------------------------------------------------------------
def _need_values(need: Need) -> dict[str, str]:
    def text(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return str(value)

    return {name: text(getattr(need, name)) for name in FORM_FIELDS}


def _render_form(
    ui: Ui,
    *,
    need: Need | None,
    values: dict[str, str],
    errors: dict[str, str],
    hints: list[quality.Hint],
    org_id: int | None,
    status_code: int = 200,
) -> HTMLResponse:
    shown = [h for h in hints if h.field not in errors]
    return ui.render(
        "needs/form.html",
        {
            "need": need,
            "values": values,
            "errors": errors,
            "hints": shown,
            "hinted": {h.field for h in shown},
            "labels": FORM_LABELS,
            "org_id": org_id,
        },
        status_code=status_code,
    )


def _create_org_id(p: Principal, org_id: int | None) -> int:
    """Enterprises post for their own organization; staff name one (``?org_id=``)."""
    permissions.require_login(p)
    if p.is_staff:
        if org_id is None:
            raise InvalidInput("请从“需求管理”中选择企业后代为发布（缺少 org_id）", field="org_id")
        return org_id
    if p.org_id is None or Kind.NEEDS not in permissions.editable_kinds(p):
        raise Forbidden(f"{p.role.label if p.role else '访客'}不能发布技术需求")
    return p.org_id


async def _save(
    request: Request, ui: Ui, need: Need | None, owner: int
) -> HTMLResponse | RedirectResponse:
    """Publish or change a need: fields validated, then the quality hints unless confirmed."""
    form = await read_form(request, NeedCreate, fixed={"org_id": owner})
    values = {name: form.values.get(name, "") for name in FORM_FIELDS}
    hints = quality.check(values)
    if form.data is not None and form.ok and (not hints or form.values.get("confirm") == "1"):
        with form.field_errors():
            if need is None:
                saved = needs.create_as(ui.session, ui.principal, form.data)
                return ui.redirect(f"/needs/{saved.id}", _published_message(ui, saved))
            data = NeedUpdate(**form.data.model_dump(include=set(FORM_FIELDS)))
            needs.update_as(ui.session, ui.principal, need.id, data)
            return ui.redirect(f"/needs/{need.id}", "需求已保存")
    status = 400 if form.errors else 200
    return _render_form(
        ui,
        need=need,
        values=values,
        errors=form.errors,
        hints=hints,
        org_id=owner,
        status_code=status,
    )


@router.get("/needs/new", response_class=HTMLResponse)
def new_need_form(ui: Ui, org_id: Annotated[int | None, Query()] = None) -> HTMLResponse:
    """The form for a new need."""
    owner = _create_org_id(ui.principal, org_id)
    return _render_form(ui, need=None, values={}, errors={}, hints=[], org_id=owner)


@router.post("/needs/new", response_model=None)
async def create_need(
    request: Request, ui: Ui, org_id: Annotated[int | None, Form()] = None
) -> HTMLResponse | RedirectResponse:
    """Publish a need: fields validated, then the quality hints unless confirmed."""
    return await _save(request, ui, None, _create_org_id(ui.principal, org_id))


def _published_message(ui: Ui, need: Need) -> str:
    org = org_service.get(ui.session, need.org_id)
    if org.status != OrgStatus.ACTIVE.value:
        return "需求已保存。单位审核通过后将公开展示并参与推荐。"
    return "需求已发布，系统正在为您匹配科技成果和专家。"


@router.get("/needs/{need_id}/edit", response_class=HTMLResponse)
def edit_need_form(ui: Ui, need_id: int) -> HTMLResponse:
    """The form to change a need (its organization's users and staff in scope)."""
    need = needs.get(ui.session, need_id)
    permissions.ensure_can_edit(ui.principal, Kind.NEEDS, need)
    return _render_form(
        ui, need=need, values=_need_values(need), errors={}, hints=[], org_id=need.org_id
    )


@router.post("/needs/{need_id}/edit", response_model=None)
async def update_need(request: Request, ui: Ui, need_id: int) -> HTMLResponse | RedirectResponse:
    """Save changes to a need, with the same checks and hints as a new one."""
    need = needs.get(ui.session, need_id)
    permissions.ensure_can_edit(ui.principal, Kind.NEEDS, need)
    return await _save(request, ui, need, need.org_id)


@router.post("/needs/{need_id}/close")
def close_need(ui: Ui, need_id: int) -> RedirectResponse:
    """Close a need: it is no longer shown or recommended."""
    needs.close_as(ui.session, ui.principal, need_id)
    return ui.redirect(f"/needs/{need_id}", "需求已关闭，不再公开展示和推荐")


@router.post("/needs/{need_id}/status")
def change_status(ui: Ui, need_id: int, status: Annotated[str, Form()] = "") -> RedirectResponse:
    """Set the need's status: 征集中 / 对接中 / 已解决 / 已关闭."""
    try:
        new = NeedStatus(status)
    except ValueError:
        choices = "、".join(s.label for s in NeedStatus)
        raise InvalidInput(f"状态无效，可选：{choices}", field="status") from None
    needs.set_status_as(ui.session, ui.principal, need_id, new)
    return ui.redirect(f"/needs/{need_id}", f"需求状态已改为“{new.label}”")


# -- the need page -------------------------------------------------------------------
def _filters(
    target: Kind, industry_field: str, maturity: str, cooperation_mode: str, town: str
) -> tuple[ItemFilters, dict[str, str]]:
    """Filters valid for the tab (maturity and mode apply to achievements only)."""
    chosen = {"industry_field": "", "maturity": "", "cooperation_mode": "", "town": town.strip()}
    if industry_field in {f.value for f in IndustryField}:
        chosen["industry_field"] = industry_field
    if target is Kind.ACHIEVEMENTS:
        if maturity in {m.value for m in Maturity}:
            chosen["maturity"] = maturity
        if cooperation_mode in {m.value for m in CooperationMode}:
            chosen["cooperation_mode"] = cooperation_mode
    filters = ItemFilters(
        industry_field=chosen["industry_field"] or None,
        maturity=chosen["maturity"] or None,
        cooperation_mode=chosen["cooperation_mode"] or None,
        town=chosen["town"] or None,
    )
    return filters, chosen


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def need_page(
    ui: Ui,
    manager: IndexDep,
    need_id: int,
    target: Annotated[str, Query()] = "achievements",
    industry_field: Annotated[str, Query()] = "",
    maturity: Annotated[str, Query()] = "",
    cooperation_mode: Annotated[str, Query()] = "",
    town: Annotated[str, Query(max_length=64)] = "",
    limit: Annotated[int, Query(ge=1, le=matching.MAX_LIMIT)] = STEP,
) -> HTMLResponse:
    """A need, its contact (when permitted), and explained recommendations with actions."""
    p = ui.principal
    need = needs.get_visible(ui.session, p, need_id)
    kind = Kind.EXPERTS if target == "experts" else Kind.ACHIEVEMENTS
    filters, chosen = _filters(kind, industry_field, maturity, cooperation_mode, town)
    # Everything that reads need.org before recommend(): it reloads the bare row.
    org = need.org
    can_edit = permissions.can_edit(p, Kind.NEEDS, need)
    published = permissions.is_published(Kind.NEEDS, need)
    show_contacts = permissions.can_see_contacts(ui.session, p, org)
    error = ""
    try:
        matches = matching.recommend(
            ui.session,
            manager,
            source_kind=Kind.NEEDS,
            source_id=need.id,
            target_kind=kind,
            limit=limit,
            filters=filters,
        )
    except MatchmakingError as exc:
        matches, error = [], exc.message
    requested: dict[int, str] = {}
    marked: list[Any] = []
    if can_edit:
        pairs = [(need.id, kind.value, m.item.id) for m in matches]
        requested = {t: d.status for (_n, _k, t), d in docking.existing(ui.session, pairs).items()}
        marked = feedback.list_for_need(ui.session, p, need.id)
    query = urlencode({k: v for k, v in {"target": kind.value, **chosen}.items() if v})
    return ui.render(
        "needs/detail.html",
        {
            "need": need,
            "org": org,
            "published": published,
            "org_pending": org.status == OrgStatus.PENDING.value,
            "is_open": need.status in OPEN_NEED_STATUSES,
            "expired": need.deadline is not None and need.deadline < clock.local_today(),
            "show_contacts": show_contacts,
            "can_edit": can_edit,
            "target": kind.value,
            "targets": TARGET_LABELS,
            "chosen": chosen,
            "matches": matches,
            "error": error,
            "requested": requested,
            "marked": marked,
            "limit": limit,
            "more": limit + STEP if len(matches) >= limit and limit < matching.MAX_LIMIT else 0,
            "query": query,
        },
    )


# -- "not relevant" feedback -----------------------------------------------------------
@router.post("/needs/{need_id}/feedback")
def mark_not_relevant(
    ui: Ui,
    need_id: int,
    target_kind: Annotated[str, Form()] = "",
    target_id: Annotated[int, Form()] = 0,
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """Mark a recommended item not relevant to this need; it is no longer recommended to it."""
    feedback.mark_not_relevant(ui.session, ui.principal, need_id, target_kind, target_id, reason)
    return ui.redirect(
        f"/needs/{need_id}?target={'experts' if target_kind == 'experts' else 'achievements'}"
        "#recommendations",
        "已标记为不相关，该条目不会再推荐给此需求（可在页面下方撤销）",
    )


@router.post("/needs/{need_id}/feedback/undo")
def undo_not_relevant(
    ui: Ui,
    need_id: int,
    target_kind: Annotated[str, Form()] = "",
    target_id: Annotated[int, Form()] = 0,
) -> RedirectResponse:
    """Recommend an item marked not relevant to this need again."""
    done = feedback.undo(ui.session, ui.principal, need_id, target_kind, target_id)
    message = "已撤销“不相关”标记，该条目会重新参与推荐" if done else "该条目没有被标记为不相关"
    return ui.redirect(
        f"/needs/{need_id}?target={'experts' if target_kind == 'experts' else 'achievements'}"
        "#recommendations",
        message,
    )
