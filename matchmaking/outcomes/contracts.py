"""Technology contracts (技术合同) as registered, their status, and money received.

draft → signed → submitted → registered | not_registered → performing → completed |
terminated: every move through ``MACHINE.move`` with a history row (who, when, from,
to) and an audit entry. Only registered contracts count toward 成交额 / 技术交易额 /
登记项数 (``repository.REGISTERED``); the flow (输出/吸纳/区内) follows the parties'
region codes against ``Settings.district_code``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal, require_login
from matchmaking.audit import service as audit
from matchmaking.common.pagination import Page
from matchmaking.common.transitions import StateMachine, Transition
from matchmaking.config import get_settings
from matchmaking.enums import (
    AuditAction,
    ContractAction,
    ContractFlow,
    ContractStatus,
    ContractType,
    NotRegisteredReason,
    Origin,
    TechField,
)
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.models import ContractPayment, TechContract, TechContractEvent
from matchmaking.outcomes import access, repository
from matchmaking.outcomes.schemas import (
    ContractCreate,
    ContractDetail,
    ContractEventRead,
    ContractFields,
    ContractRead,
    ContractStep,
    ContractUpdate,
    PaymentCreate,
    PaymentRead,
    PaymentResult,
    wan_text,
)
from matchmaking.towns import repository as towns_repository

NOUN = "技术合同"
S = ContractStatus
A = ContractAction
TRANSITIONS: dict[tuple[ContractStatus, ContractAction], ContractStatus] = {
    (S.DRAFT, A.SIGN): S.SIGNED,
    (S.DRAFT, A.TERMINATE): S.TERMINATED,
    (S.SIGNED, A.SUBMIT): S.SUBMITTED,
    (S.SIGNED, A.TERMINATE): S.TERMINATED,
    (S.SUBMITTED, A.REGISTER): S.REGISTERED,
    (S.SUBMITTED, A.REJECT): S.NOT_REGISTERED,
    (S.NOT_REGISTERED, A.RESUBMIT): S.SUBMITTED,
    (S.NOT_REGISTERED, A.TERMINATE): S.TERMINATED,
    (S.REGISTERED, A.PERFORM): S.PERFORMING,
    (S.REGISTERED, A.TERMINATE): S.TERMINATED,
    (S.PERFORMING, A.COMPLETE): S.COMPLETED,
    (S.PERFORMING, A.TERMINATE): S.TERMINATED,
}
MACHINE = StateMachine(
    TechContract, TRANSITIONS, noun=NOUN, verbs={a: a.label for a in ContractAction}
)
IMPORT_EVENT = "import"
# Steps the contract's parties hear of (a rejection asks them to correct and resubmit).
NOTIFIED_STEPS = (A.REGISTER, A.REJECT, A.TERMINATE)
EXPORT_LIMIT = 100_000


class ContractFilters(BaseModel):
    status: ContractStatus | None = None
    contract_type: ContractType | None = None
    tech_field: TechField | None = None
    flow: ContractFlow | None = None
    origin: Origin | None = None
    town_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    org_id: int | None = Field(default=None, ge=1, le=2**63 - 1)
    registered: bool | None = Field(default=None, description="只看已认定登记的（true）")
    q: str | None = Field(default=None, max_length=100)
    date_from: date | None = Field(default=None, description="签订日期起")
    date_to: date | None = Field(default=None, description="签订日期止")


# -- flow and town ---------------------------------------------------------------
def is_local(region: str, district_code: str | None = None) -> bool:
    code = district_code or get_settings().district_code
    return bool(region) and len(region) >= len(code) and region.startswith(code)


def flow_of(
    seller_region: str, buyer_region: str, district_code: str | None = None
) -> ContractFlow:
    """输出 when the seller is local, 吸纳 when the buyer is, 区内 when both are."""
    seller, buyer = is_local(seller_region, district_code), is_local(buyer_region, district_code)
    if seller and buyer:
        return ContractFlow.LOCAL
    if seller:
        return ContractFlow.OUTFLOW
    if buyer:
        return ContractFlow.INFLOW
    return ContractFlow.EXTERNAL


def _default_town(session: Session, values: dict[str, Any]) -> int | None:
    """The local party's town: the buyer's (吸纳) first, else the seller's."""
    for key in ("buyer_org_id", "seller_org_id"):
        org = access.ensure_org(session, values.get(key), "合同当事方", key)
        if org is not None and org.town_id is not None:
            return org.town_id
    return None


def _check_refs(session: Session, values: dict[str, Any]) -> None:
    for key in ("buyer_org_id", "seller_org_id"):
        access.ensure_org(session, values.get(key), "合同当事方", key)
    town_id = values.get("town_id")
    if town_id is not None and towns_repository.get(session, town_id) is None:
        raise InvalidInput(f"区镇（编号 {town_id}）不存在", field="town_id")
    if values.get("agreement_id") and repository.agreement(session, values["agreement_id"]) is None:
        raise InvalidInput(f"合作协议 {values['agreement_id']} 不存在", field="agreement_id")
    if values.get("signed_on") and values["signed_on"] > clock.local_today():
        raise InvalidInput("签订日期不能晚于今天", field="signed_on")
    if values.get("registered_on") and values["registered_on"] > clock.local_today():
        raise InvalidInput("登记日期不能晚于今天", field="registered_on")


def _check_number_free(session: Session, number: str | None, contract_id: int | None) -> None:
    if not number:
        return
    other = repository.contract_by_registration_no(session, number)
    if other is not None and other.id != contract_id:
        raise Conflict(
            f"合同登记编号 {number} 已用于合同“{other.name}”（编号 {other.id}）",
            field="registration_no",
        )


# -- create, update ---------------------------------------------------------------
IMPORTED_REGISTERED = (S.REGISTERED, S.PERFORMING, S.COMPLETED, S.TERMINATED)
IMPORTED_UNREGISTERED = (S.DRAFT, S.SIGNED, S.SUBMITTED, S.NOT_REGISTERED, S.TERMINATED)


def create(
    session: Session,
    p: Principal,
    data: ContractCreate,
    *,
    action: AuditAction = AuditAction.CREATE,
    status: ContractStatus | None = None,
) -> TechContract:
    """Staff enter a contract. With a registration number it is entered as registered.

    ``status`` (an import's 状态 column) sets where an existing contract already is:
    one of ``IMPORTED_REGISTERED`` with a registration number, else of
    ``IMPORTED_UNREGISTERED``.
    """
    values = data.model_dump()
    _check_refs(session, values)
    if values["town_id"] is None:
        values["town_id"] = _default_town(session, values)
    access.ensure_can_edit_town(p, values["town_id"], NOUN)
    _check_number_free(session, values["registration_no"], None)
    registered = values["registration_no"] is not None
    if registered and values["registered_on"] is None:
        raise InvalidInput("填写了合同登记编号时，请同时填写登记日期", field="registered_on")
    if not registered and values["registered_on"] is not None:
        raise InvalidInput("填写了登记日期时，请同时填写合同登记编号", field="registration_no")
    allowed = IMPORTED_REGISTERED if registered else IMPORTED_UNREGISTERED
    if status is not None and status not in allowed:
        need = "没有合同登记编号" if registered else "有合同登记编号"
        raise InvalidInput(f"状态为“{status.label}”的合同应{need}", field="status")
    default = S.REGISTERED if registered else S.DRAFT
    status = status or default
    row = TechContract(
        **values,
        flow=flow_of(values["seller_region"], values["buyer_region"]),
        status=status,
        created_by_user_id=p.user_id,
    )
    session.add(row)
    session.flush()
    if registered:
        repository.add_event(
            session,
            row.id,
            p.user_id,
            IMPORT_EVENT if action is AuditAction.IMPORT else "create",
            "",
            status.value,
            "录入时已认定登记",
        )
    audit.record(session, p, "contract", row.id, action, new=audit.snapshot(row))
    return row


def _load(session: Session, contract_id: int) -> TechContract:
    row = repository.contract(session, contract_id)
    if row is None:
        raise NotFound(f"技术合同 {contract_id} 不存在")
    return row


def update(
    session: Session,
    p: Principal,
    contract_id: int,
    data: ContractUpdate | ContractCreate,
    *,
    action: AuditAction = AuditAction.UPDATE,
) -> TechContract:
    """Change a contract's fields (status moves go through ``act``)."""
    row = _load(session, contract_id)
    access.ensure_can_edit_town(p, row.town_id, NOUN)
    before = audit.snapshot(row)
    if isinstance(data, ContractCreate):  # an import row: every column, status kept
        values = data.model_dump(exclude_unset=True, exclude={"registration_no", "origin"})
        if row.registration_no is None and values.get("registered_on") is not None:
            raise InvalidInput("填写了登记日期时，请同时填写合同登记编号", field="registration_no")
    else:
        values = data.model_dump(exclude_unset=True)
    merged = {**_typed(row), **values}
    try:
        ContractFields.check_merged(merged)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    _check_refs(session, values)
    if "town_id" in values:
        if values["town_id"] is None:
            values["town_id"] = _default_town(session, merged)
        access.ensure_can_edit_town(p, values["town_id"], NOUN)
    for key, value in values.items():
        setattr(row, key, value)
    row.flow = flow_of(row.seller_region, row.buyer_region)
    session.flush()
    old, new = audit.changes(before, audit.snapshot(row))
    if new:
        audit.record(session, p, "contract", row.id, action, old=old, new=new)
    return row


def _typed(row: TechContract) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in TechContract.__table__.columns}


# -- status ----------------------------------------------------------------------
def act(
    session: Session, p: Principal, contract_id: int, action: ContractAction, step: ContractStep
) -> TechContract:
    """Move a contract on; 登记 asks for the number, date and authority, 未予登记 the reason."""
    row = _load(session, contract_id)
    access.ensure_can_edit_town(p, row.town_id, NOUN)
    MACHINE.next_state(row.status, action)  # refuses early, naming the current status
    before = audit.snapshot(row)
    values: dict[str, Any] = {}
    note = step.note.strip()
    if action is A.REGISTER:
        if step.registration_no is None:
            raise InvalidInput("请填写合同登记编号（14 位或 16 位数字）", field="registration_no")
        if step.registered_on is None:
            raise InvalidInput("请填写登记日期", field="registered_on")
        if step.registered_on < row.signed_on:
            raise InvalidInput("登记日期不能早于签订日期", field="registered_on")
        if step.registered_on > clock.local_today():
            raise InvalidInput("登记日期不能晚于今天", field="registered_on")
        tech = step.tech_amount_wan if step.tech_amount_wan is not None else row.tech_amount_wan
        if tech is not None and tech > row.amount_wan:
            raise InvalidInput(
                f"技术交易额（{wan_text(tech)} 万元）不能大于合同成交额"
                f"（{wan_text(row.amount_wan)} 万元）",
                field="tech_amount_wan",
            )
        _check_number_free(session, step.registration_no, row.id)
        values = {
            "registration_no": step.registration_no,
            "registered_on": step.registered_on,
            "authority": step.authority.strip() or row.authority,
            "tech_amount_wan": tech,
            "not_registered_reason": None,
        }
        note = f"登记编号 {step.registration_no}" + (f"；{note}" if note else "")
    elif action is A.REJECT:
        if step.reason is None:
            allowed = "、".join(r.label for r in NotRegisteredReason)
            raise InvalidInput(f"请选择未予登记的原因：{allowed}", field="reason")
        values = {"not_registered_reason": step.reason}
        note = f"原因：{step.reason.label}" + (f"；{note}" if note else "")

    def record(t: Transition[ContractStatus, ContractAction]) -> None:
        repository.add_event(
            session,
            t.row_id,
            t.actor_user_id,
            t.action.value,
            t.before.value,
            t.after.value,
            note,
            at=t.at,
        )

    MACHINE.move(session, row, action, actor_user_id=p.user_id, record=record, values=values)
    session.refresh(row)
    if action in NOTIFIED_STEPS:
        _tell_parties(session, p, row, action)
    old, new = audit.changes(before, audit.snapshot(row))
    audit.record(session, p, "contract", row.id, AuditAction.TRANSITION, old=old, new=new)
    return row


def _tell_parties(
    session: Session, p: Principal, row: TechContract, action: ContractAction
) -> None:
    from matchmaking.accounts import repository as accounts_repository
    from matchmaking.enums import NotificationKind
    from matchmaking.notifications.service import notify

    users = [
        u.id
        for org_id in (row.buyer_org_id, row.seller_org_id)
        if org_id is not None
        for u in accounts_repository.users_of_org(session, org_id)
    ]
    reason = row.not_registered_reason
    notify(
        session,
        users,
        NotificationKind.CONTRACT_STEP,
        {
            "name": row.name,
            "action": action.value,
            "registration_no": row.registration_no or "",
            "reason": reason.label if reason is not None else "",
        },
        subject=("contract", row.id),
        link=f"/contracts/{row.id}",
        skip=p.user_id,
    )


# -- payments --------------------------------------------------------------------
def _payment_warnings(row: TechContract, paid: Decimal) -> list[str]:
    if paid > row.amount_wan:
        return [f"到账合计 {_fmt(paid)} 万元已超过合同成交额 {_fmt(row.amount_wan)} 万元，请核对"]
    return []


def _fmt(value: Decimal) -> str:
    return wan_text(value)


def add_payment(
    session: Session, p: Principal, contract_id: int, data: PaymentCreate
) -> PaymentResult:
    """Record money received; a sum above the contract value is a warning, not a refusal."""
    row = _load(session, contract_id)
    access.ensure_can_edit_town(p, row.town_id, NOUN)
    if data.received_on > clock.local_today():
        raise InvalidInput("到账日期不能晚于今天", field="received_on")
    if data.received_on < row.signed_on:
        raise InvalidInput("到账日期不能早于合同签订日期", field="received_on")
    payment = ContractPayment(contract_id=row.id, **data.model_dump(), created_by_user_id=p.user_id)
    session.add(payment)
    session.flush()
    audit.record(session, p, "payment", payment.id, AuditAction.CREATE, new=audit.snapshot(payment))
    paid = repository.paid_by_contract(session, [row.id]).get(row.id, Decimal(0))
    return PaymentResult(
        payment=_payment_read(payment), paid_wan=paid, warnings=_payment_warnings(row, paid)
    )


def payments(session: Session, p: Principal, contract_id: int) -> list[PaymentRead]:
    row = _load(session, contract_id)
    _ensure_can_see(p, row)
    return [_payment_read(x) for x in repository.payments_of(session, row.id)]


def _payment_read(x: ContractPayment) -> PaymentRead:
    return PaymentRead(
        id=x.id,
        contract_id=x.contract_id,
        received_on=x.received_on,
        amount_wan=x.amount_wan,
        evidence=x.evidence,
        attachment=x.attachment,
        created_at=x.created_at,
    )


# -- reads -----------------------------------------------------------------------
def _ensure_can_see(p: Principal, row: TechContract) -> None:
    require_login(p)
    if not access.can_see_contract(p, row):
        if p.is_staff:
            raise Forbidden("该技术合同不在您负责的区镇范围内")
        raise Forbidden("只能查看本单位作为买方或卖方的技术合同")


def get(session: Session, p: Principal, contract_id: int) -> ContractDetail:
    row = _load(session, contract_id)
    _ensure_can_see(p, row)
    read = reads(session, [row])[0]
    events = repository.events_of(session, row.id)
    editable = p.is_staff and p.scope.covers(row.town_id)
    return ContractDetail(
        **read.model_dump(),
        events=_event_reads(session, events),
        allowed_actions=MACHINE.actions_from(row.status) if editable else [],
        payments=[_payment_read(x) for x in repository.payments_of(session, row.id)],
        can_edit=editable,
    )


def _event_reads(session: Session, events: list[TechContractEvent]) -> list[ContractEventRead]:
    users = repository.users_by_id(session, [e.actor_user_id for e in events])
    out = []
    for e in events:
        user = users.get(e.actor_user_id) if e.actor_user_id is not None else None
        out.append(
            ContractEventRead(
                action=e.action,
                action_label=_action_label(e.action),
                before_label=_status_label(e.before),
                after_label=_status_label(e.after),
                note=e.note,
                at=e.at,
                actor_name=(user.display_name or user.username) if user else "系统",
            )
        )
    return out


def _action_label(code: str) -> str:
    if code == IMPORT_EVENT:
        return "导入"
    if code == "create":
        return "录入"
    try:
        return ContractAction(code).label
    except ValueError:
        return code


def _status_label(code: str) -> str:
    try:
        return ContractStatus(code).label
    except ValueError:
        return "—"


def where_of(f: ContractFilters) -> list[ColumnElement[bool]]:
    C = TechContract
    where: list[ColumnElement[bool]] = []
    for key in ("status", "contract_type", "tech_field", "flow", "origin", "town_id"):
        value = getattr(f, key)
        if value:
            where.append(getattr(C, key) == value)
    if f.org_id:
        where.append((C.seller_org_id == f.org_id) | (C.buyer_org_id == f.org_id))
    if f.registered is True:
        where.append(repository.REGISTERED)
    elif f.registered is False:
        where.append(C.registered_on.is_(None))
    if f.q and f.q.strip():
        text = f.q.strip()
        where.append(
            C.name.contains(text, autoescape=True)
            | C.seller_name.contains(text, autoescape=True)
            | C.buyer_name.contains(text, autoescape=True)
            | (C.registration_no == text)
        )
    if f.date_from:
        where.append(C.signed_on >= f.date_from)
    if f.date_to:
        where.append(C.signed_on <= f.date_to)
    return where


def list_for(
    session: Session, p: Principal, filters: ContractFilters, *, page: int = 1, size: int = 20
) -> Page[ContractRead]:
    where = [access.contract_clause(p), *where_of(filters)]
    found = repository.contracts_page(session, where, page=page, size=size)
    return found.map(lambda rows: reads(session, list(rows)))


def matching(session: Session, p: Principal, filters: ContractFilters) -> list[TechContract]:
    """Every contract the filters select that ``p`` may see (exports)."""
    where = [access.contract_clause(p), *where_of(filters)]
    return repository.contracts_matching(session, where, EXPORT_LIMIT)


def reads(session: Session, rows: Sequence[TechContract]) -> list[ContractRead]:
    paid = repository.paid_by_contract(session, [c.id for c in rows])
    towns = repository.town_names(session) if rows else {}
    out = []
    for c in rows:
        total = paid.get(c.id, Decimal(0))
        out.append(
            ContractRead(
                **{k: getattr(c, k) for k in ContractRead.model_fields if hasattr(c, k)},
                contract_type_label=c.contract_type.label,
                contract_subtype_label=c.contract_subtype.label,
                seller_nature_label=c.seller_nature.label,
                buyer_nature_label=c.buyer_nature.label,
                tech_field_label=c.tech_field.label,
                ip_type_label=c.ip_type.label,
                town=towns.get(c.town_id, "") if c.town_id else "",
                flow_label=c.flow.label,
                not_registered_reason_label=(
                    c.not_registered_reason.label if c.not_registered_reason else ""
                ),
                status_label=c.status.label,
                origin_label=c.origin.label,
                paid_wan=total,
                warnings=_payment_warnings(c, total),
            )
        )
    return out


def validation_message(exc: ValidationError) -> str:
    from matchmaking.common.validation import validation_details

    return "；".join(d["message"] for d in validation_details(exc.errors()))
