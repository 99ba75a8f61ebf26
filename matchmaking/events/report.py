"""An event's report (活动报告) for staff: who came, which meetings were held (from the
outcomes both sides recorded), intents and follow-ups, the dockings its meetings started,
and, traced through those dockings, the cooperation agreements and technology contracts
that came of it, with the 合同成交额 of the registered contracts only.

Counting rules (the page says them too):

- participants are the registrations with status 已报名; 签到 = checked in; 未签到 = the rest;
- meetings are those of the published schedule; a meeting is 已洽谈 when either side recorded
  已洽谈 / 希望跟进 / 达成合作意向, 未到 when a side recorded 对方未到 and neither recorded
  one of those, else 未填写;
- dockings are every docking a meeting of this event started (``follow_up`` stores its id
  on the meeting; a meeting of a version rolled back since still counts);
- agreements are those made from these dockings (``docking_id``); contracts are those
  linked to these dockings or to these agreements; 成交额 sums the contracts in
  ``REGISTERED_CONTRACT_STATUSES`` (认定登记 and later), never drafts or refusals.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal
from matchmaking.enums import REGISTERED_CONTRACT_STATUSES, MeetingOutcome, RegistrationStatus
from matchmaking.events import repository
from matchmaking.events.service import _staff_event
from matchmaking.importing.template import append_row
from matchmaking.models import (
    CooperationAgreement,
    Docking,
    Event,
    Need,
    Registration,
    ScheduledMeeting,
    TechContract,
)

SIDE_LABEL = {"enterprise": "企业", "university": "高校", "institute": "科研院所", "expert": "专家"}
HELD = frozenset({MeetingOutcome.HELD, MeetingOutcome.FOLLOW_UP, MeetingOutcome.INTENT})


def meeting_state(a: MeetingOutcome | None, b: MeetingOutcome | None) -> str:
    """已洽谈, 未到 or 未填写, from both sides' recorded outcomes."""
    sides = {x for x in (a, b) if x is not None}
    if sides & HELD:
        return "已洽谈"
    if MeetingOutcome.NO_SHOW in sides:
        return "未到"
    return "未填写"


@dataclass
class ParticipantRow:
    reg: Registration
    side: str
    checked_in: datetime | None  # local
    meetings: int
    held: int


@dataclass
class MeetingRow:
    meeting: ScheduledMeeting
    start: datetime  # local
    a_name: str
    b_name: str
    state: str
    intent: bool
    follow_up: bool


@dataclass
class OutcomeRow:
    """One docking the event started, with what it led to."""

    docking: Docking
    need_title: str
    pair: str  # the meeting's two sides
    agreements: list[CooperationAgreement] = field(default_factory=list)
    contracts: list[TechContract] = field(default_factory=list)

    @property
    def registered_amount(self) -> Decimal:
        return sum(
            (c.amount_wan for c in self.contracts if c.status in REGISTERED_CONTRACT_STATUSES),
            Decimal(0),
        )


@dataclass
class Report:
    event: Event
    published_version: int | None
    participants: list[ParticipantRow]
    meetings: list[MeetingRow]
    outcomes: list[OutcomeRow]
    # (label, value) in the order the page and the 概况 sheet show them.
    figures: list[tuple[str, str]]


def _wan(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def build(session: Session, p: Principal, event_id: int) -> Report:
    """The event's report (staff of the district or of the event's town)."""
    event = _staff_event(session, p, event_id)
    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    names = {r.id: r.name for r in repository.registrations(session, event.id)}
    slots = {s.id: s for s in repository.slots(session, event.id)}
    run = repository.published_run(session, event.id)
    rows: list[MeetingRow] = []
    count: dict[int, int] = defaultdict(int)
    held: dict[int, int] = defaultdict(int)
    for m in repository.meetings(session, run.id) if run is not None else []:
        slot = slots.get(m.slot_id)
        if slot is None:
            continue
        state = meeting_state(m.outcome_a, m.outcome_b)
        for person in (m.a_id, m.b_id):
            count[person] += 1
            held[person] += state == "已洽谈"
        said = {m.outcome_a, m.outcome_b}
        rows.append(
            MeetingRow(
                meeting=m,
                start=clock.to_local(slot.starts_at),
                a_name=names.get(m.a_id, ""),
                b_name=names.get(m.b_id, ""),
                state=state,
                intent=MeetingOutcome.INTENT in said,
                follow_up=MeetingOutcome.FOLLOW_UP in said or m.docking_id is not None,
            )
        )
    rows.sort(key=lambda r: (r.start, r.meeting.table_no))
    people = [
        ParticipantRow(
            reg=r,
            side=SIDE_LABEL.get(r.side, r.side),
            checked_in=clock.to_local(r.checked_in_at) if r.checked_in_at else None,
            meetings=count[r.id],
            held=held[r.id],
        )
        for r in regs
    ]
    outcomes = _outcomes(session, event.id, names)

    checked = sum(1 for x in people if x.checked_in is not None)
    agreements = {a.id for o in outcomes for a in o.agreements}
    contracts = {c.id: c for o in outcomes for c in o.contracts}
    registered = [c for c in contracts.values() if c.status in REGISTERED_CONTRACT_STATUSES]
    amount = sum((c.amount_wan for c in registered), Decimal(0))
    figures = [
        ("报名参会", str(len(people))),
        ("签到", str(checked)),
        ("未签到", str(len(people) - checked)),
        ("安排洽谈", str(len(rows))),
        ("已洽谈", str(sum(r.state == "已洽谈" for r in rows))),
        ("未到", str(sum(r.state == "未到" for r in rows))),
        ("未填写结果", str(sum(r.state == "未填写" for r in rows))),
        ("达成合作意向", str(sum(r.intent for r in rows))),
        ("希望跟进", str(sum(r.follow_up for r in rows))),
        ("发起对接", str(len(outcomes))),
        ("签订合作协议", str(len(agreements))),
        ("技术合同（全部）", str(len(contracts))),
        ("已登记技术合同", str(len(registered))),
        ("已登记合同成交额（万元）", _wan(amount)),
    ]
    return Report(
        event=event,
        published_version=run.version if run is not None else None,
        participants=people,
        meetings=rows,
        outcomes=outcomes,
        figures=figures,
    )


def _outcomes(session: Session, event_id: int, names: dict[int, str]) -> list[OutcomeRow]:
    """Dockings started from this event's meetings (any version), and what came of them."""
    stmt = select(ScheduledMeeting).where(
        ScheduledMeeting.event_id == event_id, ScheduledMeeting.docking_id.is_not(None)
    )
    pair_of: dict[int, str] = {}
    for m in session.scalars(stmt.order_by(ScheduledMeeting.id)):
        assert m.docking_id is not None
        pair_of.setdefault(m.docking_id, f"{names.get(m.a_id, '')} × {names.get(m.b_id, '')}")
    if not pair_of:
        return []
    dockings = list(
        session.scalars(select(Docking).where(Docking.id.in_(pair_of)).order_by(Docking.id))
    )
    need_ids = {d.need_id for d in dockings}
    titles = {n.id: n.title for n in session.scalars(select(Need).where(Need.id.in_(need_ids)))}
    agreements = list(
        session.scalars(
            select(CooperationAgreement)
            .where(CooperationAgreement.docking_id.in_(pair_of))
            .order_by(CooperationAgreement.id)
        )
    )
    by_agreement = {a.id: a for a in agreements}
    linked = [TechContract.docking_id.in_(pair_of)]
    if by_agreement:
        linked.append(TechContract.agreement_id.in_(by_agreement))
    contracts = list(
        session.scalars(select(TechContract).where(or_(*linked)).order_by(TechContract.id))
    )
    out = {
        d.id: OutcomeRow(docking=d, need_title=titles.get(d.need_id, ""), pair=pair_of[d.id])
        for d in dockings
    }
    for a in agreements:
        assert a.docking_id is not None
        out[a.docking_id].agreements.append(a)
    for c in contracts:
        # A contract under an agreement belongs to the agreement's docking.
        docking_id = c.docking_id
        if docking_id not in out and c.agreement_id in by_agreement:
            docking_id = by_agreement[c.agreement_id].docking_id
        if docking_id in out:
            out[docking_id].contracts.append(c)
    return list(out.values())


def xlsx(report: Report) -> bytes:
    """The report as a workbook: 概况, 参会单位, 洽谈, 后续成果."""
    book = Workbook()
    bold = Font(bold=True)
    first = book.active
    assert first is not None
    first.title = "概况"
    e = report.event
    append_row(first, ["活动", e.title])
    append_row(first, ["举办日期", e.held_on.isoformat()])
    append_row(first, ["地点", e.venue])
    append_row(first, ["主办", e.organiser])
    version = f"第 {report.published_version} 版" if report.published_version else "未发布"
    append_row(first, ["发布的日程", version])
    append_row(first, [])
    append_row(first, ["指标", "数值"])  # row 7: bold below, like each sheet's heading row
    for label, value in report.figures:
        append_row(first, [label, value])

    people = book.create_sheet("参会单位")
    append_row(people, ["参会方", "类型", "签到时间", "安排洽谈", "已洽谈"])
    for x in report.participants:
        at = x.checked_in.strftime("%H:%M") if x.checked_in else "未签到"
        append_row(people, [x.reg.name, x.side, at, x.meetings, x.held])

    talks = book.create_sheet("洽谈")
    append_row(
        talks, ["时间", "桌号", "参会方甲", "参会方乙", "甲方结果", "乙方结果", "状态", "对接编号"]
    )
    for r in report.meetings:
        m = r.meeting
        append_row(
            talks,
            [
                r.start.strftime("%H:%M"),
                m.table_no,
                r.a_name,
                r.b_name,
                m.outcome_a.label if m.outcome_a else "未填写",
                m.outcome_b.label if m.outcome_b else "未填写",
                r.state,
                m.docking_id or "",
            ],
        )

    later = book.create_sheet("后续成果")
    append_row(
        later,
        [
            "对接编号",
            "洽谈双方",
            "需求",
            "对接状态",
            "合作协议",
            "技术合同",
            "合同状态",
            "合同成交额（万元）",
            "计入成交额",
        ],
    )
    for o in report.outcomes:
        agreements = "；".join(f"{a.title}（{a.status.label}）" for a in o.agreements)
        base = [o.docking.id, o.pair, o.need_title, o.docking.status.label, agreements]
        if not o.contracts:
            append_row(later, [*base, "", "", "", ""])
        for c in o.contracts:
            counted = "是" if c.status in REGISTERED_CONTRACT_STATUSES else "否（未登记）"
            append_row(later, [*base, c.name, c.status.label, float(c.amount_wan), counted])
    for sheet in book.worksheets:
        for cell in sheet[1 if sheet is not first else 7]:
            cell.font = bold
        for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
            widest = max((len(str(v or "")) for v in column), default=4)
            sheet.column_dimensions[get_column_letter(index)].width = min(60, max(8, widest * 2))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
