"""Staff's hand edits of a draft (another expert, another half-day), refused in Chinese
when they break a hard constraint; and the docking an assigned expert proposes from
the diagnosis (origin: visit)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.docking import service as docking
from matchmaking.enums import Origin, Role
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.models import AssignmentRun, DiagnosisRequest, Docking, Town, VisitAssignment
from matchmaking.visits import diagnosis, edits, service
from matchmaking.visits.schemas import (
    CampaignCreate,
    DiagnosisWrite,
    DraftPublish,
    InviteExperts,
    PoolExpertSet,
    ProposeDocking,
)
from matchmaking.visits.states import CampaignAction
from tests.factories import make_expert, make_need
from tests.visits.test_service import DAYS, Setup, _ask, _ask_all, _run, setup

__all__ = ["setup"]


def _rows(session: Session, run_id: int) -> dict[int, VisitAssignment]:
    """The draft's assignments by request (one expert per visit in this campaign)."""
    rows = session.scalars(select(VisitAssignment).where(VisitAssignment.run_id == run_id))
    return {a.request_id: a for a in rows}


def _expert(s: Setup, name: str) -> int:
    expert_id = s.experts[name].expert_id
    assert expert_id is not None
    return expert_id


def _other_hydrogen_expert(s: Setup, current: int) -> int:
    return next(_expert(s, n) for n in ("李教授", "周研究员") if _expert(s, n) != current)


def test_staff_replace_an_expert_and_a_rerun_keeps_the_edit(setup: Setup) -> None:
    s = setup
    ids = _ask_all(s)
    run_id = _run(s)
    with s.factory() as session:
        a = _rows(session, run_id)[ids["氢"]]
        before = a.expert_id
        other = _other_hydrogen_expert(s, before)
        edited = edits.replace_expert(session, s.staff, s.manager, a.id, other)
        session.commit()
        assert edited.expert_id == other
        assert edited.locked
        # The new expert's fit is the matcher's, with the terms they share with the problem.
        assert edited.score > 0
        assert edited.shared_terms
        page = service.draft(session, s.staff, run_id)
        visit = next(v for v in page["visits"] if v["request_id"] == ids["氢"])
        assert [x.expert_id for x in visit["experts"]] == [other]
        # The replaced expert is offered back as an alternate; the new one no longer is.
        alternates = [x["expert_id"] for x in visit["alternates"]]
        assert before in alternates
        assert other not in alternates
    # A re-run keeps the hand edit (expert and half-day).
    again = _run(s)
    with s.factory() as session:
        kept = _rows(session, again)[ids["氢"]]
        assert (kept.expert_id, kept.half_day) == (other, edited.half_day)
        assert kept.locked


def test_edits_that_break_a_hard_constraint_say_which(setup: Setup) -> None:
    s = setup
    with s.factory() as session:
        ids = {key: _ask(session, s, key) for key in ("氢", "焊")}
        ids["纺"] = _ask(session, s, "纺", wants_senior=True)
        session.commit()
    run_id = _run(s)
    with s.factory() as session:
        rows = _rows(session, run_id)
        hydrogen, textile = rows[ids["氢"]], rows[ids["纺"]]
        x = hydrogen.expert_id
        # Given: 氢 and 纺 on the same half-day.
        textile.half_day = hydrogen.half_day
        session.commit()

        def refused(expert_id: int, a: VisitAssignment = textile) -> str:
            with pytest.raises(InvalidInput) as caught:
                edits.replace_expert(session, s.staff, s.manager, a.id, expert_id)
            session.rollback()
            assert caught.value.field == "expert_id"
            return caught.value.message

        # Already visiting 氢 that half-day.
        assert "已安排了氢科技有限公司的巡诊" in refused(x)
        # Not free that half-day (the other hydrogen expert, free on the others only).
        other = _other_hydrogen_expert(s, x)
        free = [d for d in DAYS if d != textile.half_day]
        service.set_pool_expert(
            session, s.staff, s.campaign_id, other, PoolExpertSet(available=free)
        )
        session.commit()
        assert "没有空闲" in refused(other)
        # Over the maximum: 赵教授 takes one visit at most and already has 焊.
        zhao = _expert(s, "赵教授")
        if rows[ids["焊"]].expert_id != zhao:
            rows[ids["焊"]].expert_id = zhao
        service.set_pool_expert(
            session, s.staff, s.campaign_id, zhao, PoolExpertSet(available=DAYS, max_visits=1)
        )
        session.commit()
        assert "赵教授最多巡诊 1 次，本版已安排 1 次" in refused(zhao)
        # Not a senior, where the company asked for one.
        assert "正高级" in refused(_expert(s, "陈副教授"))
        # An expert outside the pool, and an id that names no one.
        outsider = make_expert(session, name="外聘专家", expertise="纺织品印染与后整理工艺研究。")
        session.commit()
        assert "不在本次巡诊的专家库中" in refused(outsider.id)
        assert "不在本次巡诊的专家库中" in refused(999_999)
        # The company's own expert (a conflict of interest).
        company_org = s.companies["纺"].org_id
        own = make_expert(session, org_id=company_org, name="厂内工程师", title="正高级工程师")
        service.invite(session, s.staff, s.campaign_id, InviteExperts(expert_ids=[own.id]))
        session.commit()
        assert "利益冲突" in refused(own.id)
        # Nothing was changed by any of them.
        session.expire_all()
        assert session.get(VisitAssignment, textile.id).expert_id == textile.expert_id  # type: ignore[union-attr]
        assert not session.get(VisitAssignment, textile.id).locked  # type: ignore[union-attr]


def test_a_visit_moves_only_where_the_company_and_its_experts_are_free(setup: Setup) -> None:
    s = setup
    ids = _ask_all(s)
    run_id = _run(s)
    with s.factory() as session:
        a = _rows(session, run_id)[ids["氢"]]
        original = a.half_day
        assert original is not None
        target = next(d for d in DAYS if d != original)
        moved = edits.move_visit(session, s.staff, run_id, ids["氢"], target)
        session.commit()
        assert [(m.half_day, m.locked) for m in moved] == [(target, True)]

        def refused(day: str) -> str:
            with pytest.raises(InvalidInput) as caught:
                edits.move_visit(session, s.staff, run_id, ids["氢"], day)
            session.rollback()
            return caught.value.message

        assert "不在活动日期内" in refused("2031-01-01am")
        # The company offered two of the three half-days only.
        r = session.get(DiagnosisRequest, ids["氢"])
        assert r is not None
        third = next(d for d in DAYS if d not in (target, original))
        r.preferred = [target, original]
        session.commit()
        assert "不方便接待" in refused(third)
        # The expert is free on the moved-to half-day only.
        service.set_pool_expert(
            session, s.staff, s.campaign_id, a.expert_id, PoolExpertSet(available=[target])
        )
        session.commit()
        assert "没有空闲" in refused(original)
        assert _rows(session, run_id)[ids["氢"]].half_day == target


def test_published_runs_other_campaigns_and_other_people_are_refused(setup: Setup) -> None:
    s = setup
    ids = _ask_all(s)
    run_id = _run(s)
    with s.factory() as session:
        a = _rows(session, run_id)[ids["氢"]]
        other = _other_hydrogen_expert(s, a.expert_id)
        # Only staff whose scope covers the campaign.
        for p in (s.experts["李教授"], s.companies["氢"]):
            with pytest.raises(Forbidden):
                edits.replace_expert(session, p, s.manager, a.id, other)
        town = session.scalar(select(Town).where(Town.name == "三厂街道"))
        assert town is not None
        stranger = Principal(
            user_id=s.staff.user_id, role=Role.STAFF, town_id=town.id, town=town.name
        )
        with pytest.raises(Forbidden):
            edits.move_visit(session, stranger, run_id, ids["氢"], DAYS[0])
        # A visit of another campaign, and a forged assignment id.
        c2 = service.create_campaign(
            session, s.staff, CampaignCreate(title="第二次巡诊活动", half_days=DAYS)
        )
        service.move_campaign(session, s.staff, c2.id, CampaignAction.OPEN)
        r2 = service.ask(
            session,
            s.companies["纺"],
            c2.id,
            _ask_data(s.companies["纺"]),
        )[0]
        session.commit()
        with pytest.raises(NotFound) as caught:
            edits.move_visit(session, s.staff, run_id, r2.id, DAYS[0])
        assert "不在第 1 版排班中" in caught.value.message
        with pytest.raises(NotFound):
            edits.replace_expert(session, s.staff, s.manager, 999_999, other)
        # Published (and later rolled back): what experts were told is not edited in place.
        service.publish(session, s.staff, run_id)
        session.commit()
        with pytest.raises(Conflict) as caught_c:
            edits.replace_expert(session, s.staff, s.manager, a.id, other)
        assert "已发布过" in caught_c.value.message
        service.rollback(session, s.staff, s.campaign_id)
        session.commit()
        with pytest.raises(Conflict):
            edits.move_visit(session, s.staff, run_id, ids["氢"], DAYS[0])


def _ask_data(p: Principal) -> object:
    from matchmaking.visits.schemas import DiagnosisAsk

    assert p.org_id is not None
    return DiagnosisAsk(
        org_id=p.org_id,
        problem="涤纶面料印染后色牢度不达标，水洗后褪色明显。",
        industry_field="textiles",  # type: ignore[arg-type]
    )


def test_the_assigned_expert_proposes_a_docking_from_the_diagnosis(setup: Setup) -> None:
    s = setup
    ids = _ask_all(s)
    run_id = _run(s)
    with s.factory() as session:
        service.publish(session, s.staff, run_id)
        session.commit()
        expert_id = _rows(session, run_id)[ids["氢"]].expert_id
    expert = next(p for p in s.experts.values() if p.expert_id == expert_id)
    bystander = next(p for p in s.experts.values() if p.expert_id != expert_id)
    company = s.companies["氢"]
    with s.factory() as session:
        assert company.org_id is not None
        open_need = make_need(session, org_id=company.org_id, title="电堆冷启动性能提升")
        foreign = make_need(session, org_id=s.companies["纺"].org_id, title="印染废水回用")
        session.commit()
        # Before the diagnosis: nothing to propose from.
        with pytest.raises(Conflict):
            diagnosis.propose_docking(
                session, expert, ids["氢"], ProposeDocking(need_id=open_need.id)
            )
        diagnosis.write(
            session,
            expert,
            ids["氢"],
            DiagnosisWrite(problems="双极板涂层附着力不足，接触电阻波动大"),
        )
        draft = diagnosis.draft_needs(session, expert, ids["氢"])[0]
        drafted = diagnosis.publish_draft(
            session, company, draft.id, DraftPublish(title="双极板涂层附着力提升")
        )
        session.commit()
        offered = {n.id for n in diagnosis.docking_needs(session, expert, ids["氢"])}
        assert offered == {open_need.id, drafted.id}
        # Other people, another company's need and forged ids are refused.
        with pytest.raises(Forbidden):
            diagnosis.propose_docking(
                session, bystander, ids["氢"], ProposeDocking(need_id=drafted.id)
            )
        with pytest.raises(Forbidden):
            diagnosis.propose_docking(
                session, company, ids["氢"], ProposeDocking(need_id=drafted.id)
            )
        for need_id in (foreign.id, 999_999):
            with pytest.raises(InvalidInput) as caught:
                diagnosis.propose_docking(
                    session, expert, ids["氢"], ProposeDocking(need_id=need_id)
                )
            assert "只能提议与氢科技有限公司的技术需求对接" in caught.value.message
        d = diagnosis.propose_docking(
            session, expert, ids["氢"], ProposeDocking(need_id=drafted.id, message="可先做样品测试")
        )
        session.commit()
        stored = session.get(Docking, d.id)
        assert stored is not None
        assert stored.origin is Origin.VISIT
        assert (stored.target_kind, stored.target_id) == ("experts", expert_id)
        # The company sees it among the requests asked of it, like any docking.
        incoming = docking.list_for(session, company, "incoming").items
        assert [x.id for x in incoming] == [d.id]
        # Once proposed, that need is no longer offered; a second proposal is a conflict.
        assert {n.id for n in diagnosis.docking_needs(session, expert, ids["氢"])} == {open_need.id}
        with pytest.raises(Conflict):
            diagnosis.propose_docking(
                session, expert, ids["氢"], ProposeDocking(need_id=drafted.id)
            )
    # Nobody else is offered anything to propose.
    with s.factory() as session:
        assert diagnosis.docking_needs(session, s.staff, ids["氢"]) == []


def test_only_experts_of_the_published_run_may_propose(setup: Setup) -> None:
    s = setup
    ids = _ask_all(s)
    run_id = _run(s)  # a draft only: nobody is assigned yet
    with s.factory() as session:
        expert_id = _rows(session, run_id)[ids["氢"]].expert_id
        expert = next(p for p in s.experts.values() if p.expert_id == expert_id)
        with pytest.raises(Forbidden):
            diagnosis.propose_docking(session, expert, ids["氢"], ProposeDocking(need_id=1))


def test_staff_add_an_expert_to_a_visit_the_run_could_not_staff(setup: Setup) -> None:
    s = setup
    ids = _ask_all(s)
    run_id = _run(s)
    with s.factory() as session:
        # Given: the run could not staff 氢 (its row gone, listed as unstaffed).
        gone = _rows(session, run_id)[ids["氢"]]
        session.delete(gone)
        run = session.get(AssignmentRun, run_id)
        assert run is not None
        run.result = {
            **(run.result or {}),
            "unstaffed": [{"request_id": ids["氢"], "company": "氢科技有限公司", "reason": "无"}],
        }
        session.commit()
        li = _expert(s, "李教授")

        def refused(half_day: str | None, expert_id: int = li) -> str:
            with pytest.raises(InvalidInput) as caught:
                edits.add_expert(
                    session, s.staff, s.manager, run_id, ids["氢"], expert_id, half_day
                )
            session.rollback()
            return caught.value.message

        assert "请选择巡诊时间" in refused(None)
        assert "不在活动日期内" in refused("2031-01-01am")
        r = session.get(DiagnosisRequest, ids["氢"])
        assert r is not None
        r.preferred = DAYS[:2]
        session.commit()
        assert "不方便接待" in refused(DAYS[2])
        assert "不在本次巡诊的专家库中" in refused(DAYS[0], 999_999)
        added = edits.add_expert(session, s.staff, s.manager, run_id, ids["氢"], li, DAYS[0])
        session.commit()
        assert (added.expert_id, added.half_day, added.locked) == (li, DAYS[0], True)
        assert added.score > 0
        page = service.draft(session, s.staff, run_id)
        assert ids["氢"] not in [u["request_id"] for u in page["unstaffed"]]
        # Full now (one expert a visit): a second is refused; staff replace instead.
        with pytest.raises(Conflict) as full:
            edits.add_expert(session, s.staff, s.manager, run_id, ids["氢"], _expert(s, "周研究员"))
        assert "请用“换为”替换专家" in full.value.message
    again = _run(s)
    with s.factory() as session:
        kept = _rows(session, again)[ids["氢"]]
        assert (kept.expert_id, kept.half_day) == (li, DAYS[0])
