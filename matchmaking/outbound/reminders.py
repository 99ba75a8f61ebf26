"""Reminders that keep pairings moving; each says what to do, with a link that does it.

- a docking request unanswered for 3 days: to the side that answers it;
  for 7 days: to the staff who cover the need's town;
- a signed agreement with no registered contract after 60 days: to the company;
- an event registration that gave no availability: to the registrant, before the event;
- visit follow-up actions past their due date: a weekly list to the company and the
  town's staff.

Each reminder is planned once per subject (the send log's key), so the job can run as
often as it likes.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts import repository as accounts
from matchmaking.enums import AgreementStatus, DockingStatus, EventStatus, RegistrationStatus, Role
from matchmaking.models import (
    CooperationAgreement,
    DiagnosisRecord,
    DiagnosisRequest,
    Docking,
    Event,
    FollowUp,
    Need,
    Organization,
    Registration,
    TechContract,
    User,
)
from matchmaking.outbound import service
from matchmaking.outbound.kinds import Category
from matchmaking.outbound.render import SUBJECT_PREFIX, Content, Item, Section

LIMIT = 500


def _content(title: str, text: str, label: str, path: str) -> dict[str, object]:
    return Content(
        subject=SUBJECT_PREFIX + title,
        heading=title,
        category=Category.REMINDERS,
        paragraphs=[text],
        action_label=label,
        action_path=path,
    ).to_payload()


def _plan(
    session: Session, users: list[User], kind: str, key: str, payload: dict[str, object]
) -> int:
    count = 0
    for user in {u.id: u for u in users}.values():
        greeting = f"{user.display_name or user.username}，您好："
        if service.plan_user_message(
            session,
            user,
            kind=kind,
            subject_key=key,
            category=Category.REMINDERS,
            title=str(payload["heading"]),
            payload={**payload, "greeting": greeting},
        ):
            count += 1
    return count


def _responders(session: Session, d: Docking) -> list[User]:
    users = accounts.users_of_org(session, d.responder_org_id)
    if d.target_kind == "experts":
        users += accounts.users_of_expert(session, d.target_id)
    return [u for u in users if u.id != d.requester_user_id]


def dockings(session: Session) -> int:
    now = clock.now()
    count = 0
    rows = session.execute(
        select(Docking, Need, Organization)
        .join(Need, Need.id == Docking.need_id)
        .join(Organization, Organization.id == Need.org_id)
        .where(
            Docking.status == DockingStatus.REQUESTED,
            Docking.created_at <= now - timedelta(days=3),
        )
        .order_by(Docking.id)
        .limit(LIMIT)
    ).all()
    for d, need, org in rows:
        path = f"/dockings/{d.id}"
        count += _plan(
            session,
            _responders(session, d),
            "remind_docking_3d",
            f"docking:{d.id}",
            _content(
                "有一个对接申请等待您答复",
                f"关于需求“{need.title}”的对接申请已等待 3 天以上。请打开对接页面，"
                "选择“接受”或“婉拒”（婉拒时请写明原因），对方会立即收到通知。",
                "去答复对接申请",
                path,
            ),
        )
        if d.created_at is not None and clock.to_local(d.created_at) <= clock.to_local(
            now - timedelta(days=7)
        ):
            count += _plan(
                session,
                accounts.staff_for_town(session, org.town_id),
                "remind_docking_7d",
                f"docking:{d.id}",
                _content(
                    "对接申请超过 7 天未答复",
                    f"{org.name}的需求“{need.title}”收到的对接申请已超过 7 天未获答复，"
                    "请联系答复方督促处理。",
                    "查看对接详情",
                    path,
                ),
            )
    return count


def agreements(session: Session) -> int:
    cutoff = clock.local_today() - timedelta(days=60)
    registered = select(TechContract.id).where(
        TechContract.agreement_id == CooperationAgreement.id,
        TechContract.registered_on.is_not(None),
    )
    rows = session.scalars(
        select(CooperationAgreement)
        .where(
            CooperationAgreement.status.in_([AgreementStatus.SIGNED, AgreementStatus.PERFORMING]),
            CooperationAgreement.signed_on <= cutoff,
            CooperationAgreement.signed_on > cutoff - timedelta(days=30),
            ~registered.exists(),
        )
        .order_by(CooperationAgreement.id)
        .limit(LIMIT)
    ).all()
    count = 0
    for a in rows:
        count += _plan(
            session,
            accounts.users_of_org(session, a.company_org_id),
            "remind_agreement_60d",
            f"agreement:{a.id}",
            _content(
                "合作协议签订已满 60 天，尚未登记技术合同",
                f"合作协议“{a.title}”签订于 {a.signed_on:%Y-%m-%d}，至今没有登记的技术合同。"
                "如已签订技术合同，请尽快录入并申请认定登记。",
                "录入技术合同",
                "/contracts/new",
            ),
        )
    return count


def registrations(session: Session) -> int:
    today = clock.local_today()
    rows = session.execute(
        select(Registration, Event, User)
        .join(Event, Event.id == Registration.event_id)
        .join(User, User.id == Registration.user_id)
        .where(
            Registration.status == RegistrationStatus.REGISTERED,
            Event.status.in_([EventStatus.OPEN, EventStatus.CLOSED]),
            Event.held_on > today,
            Event.held_on <= today + timedelta(days=7),
        )
        .limit(LIMIT)
    ).all()
    count = 0
    for reg, event, user in rows:
        if reg.unavailable_slot_ids or reg.min_meetings:
            continue  # said something about its time already
        count += _plan(
            session,
            [user],
            "remind_availability",
            f"registration:{reg.id}",
            _content(
                "请确认您的可洽谈时段",
                f"您已报名“{event.title}”（{event.held_on:%Y-%m-%d}），但还没有填写哪些时段不便洽谈。"
                "填写后排程会避开这些时段。",
                "填写可洽谈时段",
                f"/events/{event.id}",
            ),
        )
    return count


def follow_ups(session: Session) -> int:
    """Visit follow-up actions past their due date: one list a week to each company user
    and each staff member of the town (not one email per action)."""
    today = clock.local_today()
    rows = session.execute(
        select(FollowUp, DiagnosisRequest, Organization)
        .join(DiagnosisRecord, DiagnosisRecord.id == FollowUp.record_id)
        .join(DiagnosisRequest, DiagnosisRequest.id == DiagnosisRecord.request_id)
        .join(Organization, Organization.id == DiagnosisRequest.org_id)
        .where(
            FollowUp.done.is_(False),
            FollowUp.due < today,
            FollowUp.due >= today - timedelta(days=30),
        )
        .order_by(FollowUp.due, FollowUp.id)
        .limit(LIMIT)
    ).all()
    lists: dict[int, tuple[User, list[Item]]] = {}
    for f, r, org in rows:
        item = Item(
            title=f"{org.name}：{f.action[:100]}",
            lines=[f"负责人：{f.owner}，应于 {f.due:%Y-%m-%d} 完成"],
            path=f"/visits/requests/{r.id}",
        )
        users = accounts.users_of_org(session, org.id) + accounts.staff_for_town(
            session, org.town_id
        )
        for user in users:
            lists.setdefault(user.id, (user, []))[1].append(item)
    iso = today.isocalendar()
    key = f"follow_ups:{iso.year}-W{iso.week:02d}"
    count = 0
    for user, items in lists.values():
        payload = Content(
            subject=SUBJECT_PREFIX + f"有 {len(items)} 项巡诊后续行动已逾期",
            heading="巡诊后续行动已逾期",
            category=Category.REMINDERS,
            paragraphs=["以下后续行动已过完成期限，至今未标记完成。完成后请在诊断记录页面标记。"],
            sections=[Section(heading="逾期的后续行动", items=items[:30])],
            action_label="查看全部逾期事项" if user.role is Role.STAFF else "",
            action_path="/visits/follow-ups" if user.role is Role.STAFF else "",
        ).to_payload()
        count += _plan(session, [user], "remind_follow_ups", key, payload)
    return count


def plan_all(session: Session) -> int:
    count = dockings(session) + agreements(session) + registrations(session)
    count += follow_ups(session)
    session.flush()
    return count
