"""The event booklet (会刊): what each side brings, the schedule once published, no contact
data, and who may read it."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from matchmaking.enums import Role
from matchmaking.events import booklet
from matchmaking.events import service as events
from matchmaking.exceptions import Forbidden, NotFound
from tests.events.test_report import held_event, meet
from tests.events.test_service import register, who
from tests.factories import make_achievement, make_event, make_expert, make_need, make_org


@pytest.mark.parametrize(
    ("text", "leak"),
    [
        ("请联系王工 13812345678 洽谈", "13812345678"),
        ("电话：0513-82345678，工作日", "82345678"),
        ("邮箱 wang.gong@hm-tech.com.cn 或来电", "hm-tech"),
        ("手机 +86 138 1234 5678", "1234"),
    ],
)
def test_contact_data_typed_into_a_description_is_blanked(text: str, leak: str) -> None:
    out = booklet.scrub(text)
    assert leak not in out
    assert booklet.HIDDEN in out


def test_scrub_keeps_figures_that_are_not_contacts_and_shortens() -> None:
    assert booklet.scrub("耐腐蚀 5000 小时，接触电阻 ≤ 10 mΩ·cm²") == (
        "耐腐蚀 5000 小时，接触电阻 ≤ 10 mΩ·cm²"
    )
    long = booklet.scrub("涂" * 500)
    assert len(long) == booklet.SUMMARY_CHARS
    assert long.endswith("…")


def test_booklet_lists_needs_achievements_experts_and_the_published_tables(
    session: Session,
) -> None:
    h = held_event(session)
    make_need(
        session,
        org_id=h.regs["e1"].org_id,
        title="高压储氢瓶内胆阻氢材料",
        description="需要阻氢新材料，联系人手机 13900001111。",
    )
    make_achievement(session, org_id=h.regs["u1"].org_id, title="石墨烯改性阻氢涂层")
    expert = make_expert(session, org_id=make_org(session, kind="university").id, name="李教授")
    x = who(session, Role.EXPERT, expert_id=expert.id)
    register(session, x, h.event.id)
    staff = who(session, Role.STAFF)

    before = booklet.build(session, staff, h.event.id)
    # The run of held_event is published but holds no meetings yet.
    assert before.tables == []
    meet(session, h, "e1", "u1", 0, 3)
    b = booklet.build(session, staff, h.event.id)

    groups = dict(b.groups)
    assert list(groups) == ["企业", "高校", "科研院所", "专家"]
    e1 = next(e for e in groups["企业"] if e.name == "甲氢能科技有限公司")
    need = next(i for i in e1.items if i.title == "高压储氢瓶内胆阻氢材料")
    assert "13900001111" not in need.summary
    u1 = next(e for e in groups["高校"] if e.name == "江海理工大学")
    assert "石墨烯改性阻氢涂层" in [i.title for i in u1.items]
    li = groups["专家"][0]
    assert li.name == "李教授"
    assert "教授" in li.note
    assert "hydrogen" not in li.note  # field codes through their Chinese labels
    assert b.published_version == 1
    assert b.tables == [(3, [("09:00", "甲氢能科技有限公司", "江海理工大学")])]
    assert [s.times[:2] for s in b.sessions] == [["09:00", "09:25"]]


def test_only_staff_in_scope_and_registered_participants_read_the_booklet(
    session: Session,
) -> None:
    h = held_event(session, town="三厂街道")
    assert booklet.build(session, h.p["e1"], h.event.id).event.id == h.event.id
    outsider = who(session, Role.ENTERPRISE, org_id=make_org(session).id)
    with pytest.raises(Forbidden, match="已报名的参会方"):
        booklet.build(session, outsider, h.event.id)
    events.cancel_registration(session, h.p["e2"], h.event.id)
    with pytest.raises(Forbidden):
        booklet.build(session, h.p["e2"], h.event.id)
    with pytest.raises(Forbidden, match="不在您负责的区镇"):
        booklet.build(session, who(session, Role.STAFF, town="正余镇"), h.event.id)
    # A draft event is not shown to participants at all.
    draft = make_event(session, status="draft")
    with pytest.raises(NotFound, match="不存在"):
        booklet.build(session, outsider, draft.id)
