"""The event report: figures recomputed here from the rows the test made, the trace from
meetings to dockings, agreements and (registered only) contract value, and the workbook."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.enums import MeetingOutcome, Role
from matchmaking.events import report, repository
from matchmaking.events import service as events
from matchmaking.exceptions import Forbidden, NotFound
from matchmaking.models import Registration, ScheduledMeeting, ScheduleRun
from matchmaking.models.base import utcnow
from tests.events.test_service import register, who
from tests.factories import (
    make_agreement,
    make_contract,
    make_docking,
    make_event,
    make_need,
    make_org,
)

Out = MeetingOutcome


@dataclass
class Held:
    event: Any
    regs: dict[str, Registration]
    p: dict[str, Principal]
    run: ScheduleRun
    meetings: list[ScheduledMeeting]


def held_event(session: Session, *, town: str = "") -> Held:
    """An event with five registered participants (e1–e3 enterprises, u1 a university,
    u2 an institute) and a published schedule of meetings placed by hand."""
    event = make_event(session, town=town)
    orgs = {
        "e1": make_org(session, kind="enterprise", name="甲氢能科技有限公司"),
        "e2": make_org(session, kind="enterprise", name="乙储能材料有限公司"),
        "e3": make_org(session, kind="enterprise", name="丙精密制造有限公司"),
        "u1": make_org(session, kind="university", name="江海理工大学"),
        "u2": make_org(session, kind="institute", name="海门新材料研究院"),
    }
    role = {"e": Role.ENTERPRISE, "u": Role.UNIVERSITY}
    p = {k: who(session, role[k[0]], org_id=o.id) for k, o in orgs.items()}
    regs = {k: register(session, v, event.id, max_meetings=6) for k, v in p.items()}
    run = ScheduleRun(
        event_id=event.id, version=1, published=True, published_at=utcnow(), status="done"
    )
    session.add(run)
    session.flush()
    return Held(event, regs, p, run, [])


def meet(
    session: Session, h: Held, a: str, b: str, slot: int, table: int, **kw: Any
) -> ScheduledMeeting:
    slots = repository.slots(session, h.event.id)
    low, high = sorted((h.regs[a].id, h.regs[b].id))
    m = ScheduledMeeting(
        run_id=h.run.id,
        event_id=h.event.id,
        a_id=low,
        b_id=high,
        slot_id=slots[slot].id,
        table_no=table,
        score=0.5,
        reason="平台推荐",
        **kw,
    )
    session.add(m)
    session.flush()
    h.meetings.append(m)
    return m


def figures(r: report.Report) -> dict[str, str]:
    return dict(r.figures)


def test_report_counts_people_meetings_intents_and_traces_registered_contract_value(
    session: Session,
) -> None:
    h = held_event(session)
    for k in ("e1", "e2", "u1"):
        h.regs[k].checked_in_at = utcnow()
    # A cancelled registration is no participant.
    stranger = who(session, Role.ENTERPRISE, org_id=make_org(session, kind="enterprise").id)
    register(session, stranger, h.event.id)
    events.cancel_registration(session, stranger, h.event.id)

    held = meet(session, h, "e1", "u1", 0, 1, outcome_a=Out.INTENT, outcome_b=Out.HELD)
    follow = meet(session, h, "e2", "u1", 1, 1, outcome_a=Out.FOLLOW_UP)
    no_show = meet(session, h, "e3", "u2", 0, 2, outcome_a=Out.NO_SHOW)
    meet(session, h, "e1", "u2", 2, 1)  # nothing recorded
    # Conflicting answers: one side says the other did not come, the other says it was held.
    mixed = meet(session, h, "e2", "u2", 3, 1, outcome_a=Out.NO_SHOW, outcome_b=Out.HELD)
    # A meeting of an unpublished version is not in the report.
    draft = ScheduleRun(event_id=h.event.id, version=2, status="done")
    session.add(draft)
    session.flush()
    session.add(
        ScheduledMeeting(
            run_id=draft.id,
            event_id=h.event.id,
            a_id=h.regs["e3"].id,
            b_id=h.regs["u1"].id,
            slot_id=repository.slots(session, h.event.id)[4].id,
            table_no=1,
            outcome_a=Out.INTENT,
        )
    )

    # Dockings started from two meetings; what came of them.
    d1 = make_docking(session, need=make_need(session, org_id=h.regs["e1"].org_id))
    d2 = make_docking(session, need=make_need(session, org_id=h.regs["e2"].org_id))
    unrelated = make_docking(session)
    held.docking_id, follow.docking_id = d1.id, d2.id
    agreement = make_agreement(session, docking_id=d1.id, title="氢能储运联合研发协议")
    make_agreement(session, docking_id=unrelated.id)
    amounts = {"registered": "120.5", "performing": "30", "draft": "999", "not_registered": "55"}
    make_contract(
        session,
        agreement_id=agreement.id,
        amount_wan=amounts["registered"],
        tech_amount_wan="1",
        status="registered",
    )
    make_contract(
        session,
        docking_id=d2.id,
        amount_wan=amounts["performing"],
        tech_amount_wan="1",
        status="performing",
    )
    make_contract(
        session, docking_id=d2.id, amount_wan=amounts["draft"], tech_amount_wan="1"
    )  # a draft: not counted
    make_contract(
        session,
        docking_id=d1.id,
        amount_wan=amounts["not_registered"],
        tech_amount_wan="1",
        status="not_registered",
    )
    make_contract(
        session, docking_id=unrelated.id, amount_wan="7", tech_amount_wan="7", status="registered"
    )
    session.flush()

    staff = who(session, Role.STAFF)
    r = report.build(session, staff, h.event.id)
    f = figures(r)

    # Recomputed here from what the test made.
    assert f["报名参会"] == "5"
    assert f["签到"] == "3"
    assert f["未签到"] == "2"
    assert f["安排洽谈"] == str(len(h.meetings)) == "5"
    assert f["已洽谈"] == "3"  # held, follow, mixed
    assert f["未到"] == "1"  # no_show
    assert f["未填写结果"] == "1"
    assert f["达成合作意向"] == "1"
    # 希望跟进 marked, or a docking started from the meeting (follow, held).
    assert f["希望跟进"] == "2"
    assert f["发起对接"] == "2"
    assert f["签订合作协议"] == "1"
    assert f["技术合同（全部）"] == "4"
    assert f["已登记技术合同"] == "2"
    expected = Decimal(amounts["registered"]) + Decimal(amounts["performing"])
    assert f["已登记合同成交额（万元）"] == f"{expected:.2f}" == "150.50"

    states = {x.meeting.id: x.state for x in r.meetings}
    assert states[no_show.id] == "未到"
    assert states[mixed.id] == "已洽谈"
    by_docking = {o.docking.id: o for o in r.outcomes}
    assert set(by_docking) == {d1.id, d2.id}
    assert [a.title for a in by_docking[d1.id].agreements] == ["氢能储运联合研发协议"]
    assert by_docking[d1.id].registered_amount == Decimal(amounts["registered"])
    assert by_docking[d2.id].registered_amount == Decimal(amounts["performing"])
    people = {x.reg.name: x for x in r.participants}
    assert people["江海理工大学"].meetings == 2
    assert people["江海理工大学"].held == 2
    assert people["丙精密制造有限公司"].checked_in is None

    # The workbook: four sheets with Chinese headings and the same figures.
    book = load_workbook(io.BytesIO(report.xlsx(r)))
    assert book.sheetnames == ["概况", "参会单位", "洽谈", "后续成果"]
    overview = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True) if row}
    assert overview["活动"] == h.event.title
    assert overview["已登记合同成交额（万元）"] == "150.50"
    assert next(book["参会单位"].iter_rows(values_only=True))[:3] == ("参会方", "类型", "签到时间")
    talks = list(book["洽谈"].iter_rows(values_only=True))
    assert talks[0][:4] == ("时间", "桌号", "参会方甲", "参会方乙")
    assert len(talks) == 1 + 5
    assert "对方未到" in {row[4] for row in talks[1:]}
    later = list(book["后续成果"].iter_rows(values_only=True))
    assert later[0][0] == "对接编号"
    counted = {str(row[5]): str(row[8]) for row in later[1:] if row[5]}
    assert sorted(counted.values()) == ["否（未登记）", "否（未登记）", "是", "是"]
    text = " ".join(str(c) for row in later for c in row if c is not None)
    assert "registered" not in text  # statuses through their Chinese labels


def test_report_before_any_publication_is_empty_not_an_error(session: Session) -> None:
    event = make_event(session)
    r = report.build(session, who(session, Role.STAFF), event.id)
    assert figures(r)["安排洽谈"] == "0"
    assert figures(r)["已登记合同成交额（万元）"] == "0.00"
    assert r.published_version is None
    assert load_workbook(io.BytesIO(report.xlsx(r))).sheetnames[0] == "概况"


def test_only_staff_in_scope_see_the_report(session: Session) -> None:
    h = held_event(session, town="三厂街道")
    with pytest.raises(Forbidden):
        report.build(session, who(session, Role.STAFF, town="正余镇"), h.event.id)
    with pytest.raises(Forbidden):
        report.build(session, h.p["e1"], h.event.id)  # a participant
    with pytest.raises(NotFound):
        report.build(session, who(session, Role.STAFF), 10**9)
    assert report.build(session, who(session, Role.STAFF, town="三厂街道"), h.event.id)


def test_a_name_typed_as_a_formula_stays_text_in_the_workbook(session: Session) -> None:
    event = make_event(session)
    org = make_org(session, kind="enterprise", name='=HYPERLINK("http://evil.example","点我")')
    p = who(session, Role.ENTERPRISE, org_id=org.id)
    register(session, p, event.id)
    r = report.build(session, who(session, Role.STAFF), event.id)
    sheet = load_workbook(io.BytesIO(report.xlsx(r)))["参会单位"]
    cell = sheet.cell(row=2, column=1)
    assert cell.value == org.name
    assert cell.data_type == "s"  # text, not a formula Excel would run
