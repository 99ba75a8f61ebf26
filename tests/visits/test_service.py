"""Clinic visits end to end in the services: ask, run the assignment, publish, answer,
diagnose, draft needs; what each side may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from embeddings.encoders import Encoder
from matchmaking.accounts.permissions import Principal
from matchmaking.accounts.service import principal_for
from matchmaking.config import Settings
from matchmaking.enums import ItemStatus, Role, RunStatus
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.runtime import get_tokenizer
from matchmaking.models import AssignmentRun, Need, VisitAssignment
from matchmaking.models.base import utcnow
from matchmaking.visits import diagnosis, runner, service
from matchmaking.visits.schemas import (
    CampaignCreate,
    DiagnosisAsk,
    DiagnosisWrite,
    DraftPublish,
    FollowUpIn,
    InviteExperts,
)
from matchmaking.visits.states import CampaignAction
from tests.conftest import InlineDispatcher
from tests.factories import make_expert, make_org, make_user

DAYS = ["2030-03-04am", "2030-03-04pm", "2030-03-05am"]
PROBLEMS = {
    "氢": "燃料电池金属双极板在酸性湿热环境下腐蚀，接触电阻升高，电堆性能衰减快。",
    "纺": "涤纶面料印染后色牢度不达标，水洗后褪色明显，需要改进染色与后整理工艺。",
    "焊": "船用铝合金薄板焊接变形大，矫形工作量大，需要焊接变形预测与控制工艺。",
}
EXPERTISE = [
    (
        "李教授",
        "教授",
        "hydrogen_storage",
        "燃料电池双极板表面改性与导电防护涂层，金属双极板腐蚀与接触电阻。",
    ),
    (
        "周研究员",
        "研究员",
        "hydrogen_storage",
        "质子交换膜燃料电池电堆集成，双极板流场设计与耐腐蚀材料。",
    ),
    ("王教授", "教授", "textiles", "纺织品染色与后整理，涤纶面料印染色牢度提升，功能性整理工艺。"),
    ("陈副教授", "副教授", "textiles", "印染废水处理与染色工艺优化，面料水洗色牢度与褪色问题。"),
    ("赵教授", "教授", "ship_offshore", "船舶铝合金焊接变形预测与控制，焊接工艺与有限元模拟。"),
    ("孙高工", "正高级工程师", "ship_offshore", "船用薄板焊接矫形与反变形工艺，搅拌摩擦焊应用。"),
]


@dataclass
class Setup:
    factory: sessionmaker[Session]
    manager: IndexManager
    staff: Principal
    companies: dict[str, Principal]
    experts: dict[str, Principal]
    campaign_id: int


@pytest.fixture
def setup(
    settings: Settings,
    factory: sessionmaker[Session],
    encoder: Encoder,
    dispatcher: InlineDispatcher,
) -> Setup:
    with factory() as session:
        staff = principal_for(make_user(session, role=Role.STAFF))
        uni = make_org(session, kind="university", town="")
        experts = {}
        for name, title, field, text in EXPERTISE:
            e = make_expert(
                session, org_id=uni.id, name=name, title=title, fields=[field], expertise=text
            )
            experts[name] = principal_for(make_user(session, role=Role.EXPERT, expert_id=e.id))
        companies = {}
        for key in PROBLEMS:
            org = make_org(session, kind="enterprise", town="正余镇", name=f"{key}科技有限公司")
            companies[key] = principal_for(make_user(session, role=Role.ENTERPRISE, org_id=org.id))
        c = service.create_campaign(
            session,
            staff,
            CampaignCreate(title="正余镇技术专家巡诊", towns=["正余镇"], half_days=DAYS),
        )
        service.move_campaign(session, staff, c.id, CampaignAction.OPEN)
        for field in ("hydrogen_storage", "textiles", "ship_offshore"):
            service.invite(session, staff, c.id, InviteExperts(industry_field=field, max_visits=2))
        session.commit()
        campaign_id = c.id
    manager = IndexManager(settings, factory, encoder, get_tokenizer())
    return Setup(factory, manager, staff, companies, experts, campaign_id)


def _ask(session: Session, s: Setup, key: str, **extra: object) -> int:
    p = s.companies[key]
    assert p.org_id is not None
    data = DiagnosisAsk(
        org_id=p.org_id,
        problem=PROBLEMS[key],
        industry_field=_field(key),
        contact_phone="13800000000",
        address="正余镇工业园 8 号",
        **extra,
    )  # type: ignore[arg-type]
    r, _ = service.ask(session, p, s.campaign_id, data)
    return r.id


def _field(key: str) -> str:
    return {"氢": "hydrogen_storage", "纺": "textiles", "焊": "ship_offshore"}[key]


def _run(s: Setup) -> int:
    with s.factory() as session:
        run = service.start_run(session, s.staff, s.campaign_id)
        session.commit()
        run_id = run.id
    assert runner.execute(s.factory, s.manager, run_id) == "done"
    return run_id


def _ask_all(s: Setup) -> dict[str, int]:
    with s.factory() as session:
        ids = {key: _ask(session, s, key) for key in PROBLEMS}
        session.commit()
    return ids


def test_a_company_asking_twice_gets_its_one_request(setup: Setup) -> None:
    with setup.factory() as session:
        first = _ask(session, setup, "氢")
        second = _ask(session, setup, "氢")
        assert first == second
        listed = service.list_requests(session, setup.staff, setup.campaign_id)
        assert listed.total == 1
        # Another company may not ask on its behalf.
        other = setup.companies["纺"]
        p = setup.companies["氢"]
        assert p.org_id is not None
        with pytest.raises(Forbidden):
            service.ask(
                session,
                other,
                setup.campaign_id,
                DiagnosisAsk(
                    org_id=p.org_id, problem=PROBLEMS["氢"], industry_field="hydrogen_storage"
                ),
            )  # type: ignore[arg-type]


def test_instance_has_affinity_only_for_fitting_pool_experts(setup: Setup) -> None:
    ids = _ask_all(setup)
    with setup.factory() as session:
        # A closed expert is dropped with a note.
        closed = setup.experts["孙高工"].expert_id
        from matchmaking.models import Expert

        expert = session.get(Expert, closed)
        assert expert is not None
        expert.status = ItemStatus.CLOSED
        session.commit()
        c = service.get_campaign(session, setup.campaign_id)
        built = runner.build_instance(session, setup.manager, c)
    visits = {v.id for v in built.instance.visits}
    assert visits == {f"r{i}" for i in ids.values()}
    assert f"e{closed}" not in {e.id for e in built.instance.experts}
    assert any("孙高工" in n for n in built.notes)
    pairs = {(a.visit, built.names[a.expert]) for a in built.instance.affinity}
    # The hydrogen problem is served by hydrogen experts, not by the textile ones.
    assert (f"r{ids['氢']}", "李教授") in pairs
    assert (f"r{ids['氢']}", "王教授") not in pairs
    assert all(0 < a.score <= 1 for a in built.instance.affinity)
    senior = {built.names[e.id]: e.senior for e in built.instance.experts}
    assert senior["李教授"]
    assert not senior["陈副教授"]


def test_publish_then_only_assigned_experts_see_the_contact(setup: Setup) -> None:
    ids = _ask_all(setup)
    run_id = _run(setup)
    with setup.factory() as session:
        page = service.draft(session, setup.staff, run_id)
        assert page["run"].status == "done"
        staffed = [v for v in page["visits"] if v["experts"]]
        assert len(staffed) == 3
        service.publish(session, setup.staff, run_id)
        session.commit()
        rows = session.scalars(select(VisitAssignment).where(VisitAssignment.run_id == run_id))
        on_hydrogen = {a.expert_id for a in rows if a.request_id == ids["氢"]}
    for name, expert in setup.experts.items():
        with setup.factory() as session:
            r = service._request(session, ids["氢"])
            if expert.expert_id in on_hydrogen:
                read = service.request_read(session, expert, r)
                assert read.contact_phone == "13800000000", name
                assert read.address
                assert any(v.request_id == ids["氢"] for v in service.my_visits(session, expert))
            else:
                with pytest.raises(Forbidden):
                    service.ensure_request_visible(session, expert, ids["氢"])
    # Another company sees nothing of it either.
    with setup.factory() as session, pytest.raises(Forbidden):
        service.ensure_request_visible(session, setup.companies["纺"], ids["氢"])


def test_publishing_switches_the_one_published_run_atomically(setup: Setup) -> None:
    _ask_all(setup)
    first = _run(setup)
    with setup.factory() as session:
        service.publish(session, setup.staff, first)
        session.commit()
    second = _run(setup)
    with setup.factory() as session:
        service.publish(session, setup.staff, second)
        session.commit()
        published = session.scalars(
            select(AssignmentRun.version).where(
                AssignmentRun.campaign_id == setup.campaign_id, AssignmentRun.published.is_(True)
            )
        ).all()
        assert published == [2]
        # The database itself refuses a second published run.
        run = session.get(AssignmentRun, first)
        assert run is not None
        run.published = True
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
    with setup.factory() as session:
        back = service.rollback(session, setup.staff, setup.campaign_id)
        assert back is not None
        assert back.version == 1


def test_a_rerun_after_a_decline_keeps_the_published_visits(setup: Setup) -> None:
    ids = _ask_all(setup)
    first = _run(setup)
    with setup.factory() as session:
        service.publish(session, setup.staff, first)
        session.commit()
        before = {
            (a.request_id, a.expert_id): a.half_day
            for a in session.scalars(select(VisitAssignment).where(VisitAssignment.run_id == first))
        }
    declined = next((r, e) for (r, e) in before if r == ids["纺"])
    decliner = next(p for p in setup.experts.values() if p.expert_id == declined[1])
    with setup.factory() as session:
        a = session.scalar(
            select(VisitAssignment).where(
                VisitAssignment.run_id == first,
                VisitAssignment.request_id == declined[0],
                VisitAssignment.expert_id == declined[1],
            )
        )
        assert a is not None
        with pytest.raises(InvalidInput):
            service.respond(session, decliner, a.id, accept=False, reason="")
        service.respond(session, decliner, a.id, accept=False, reason="当天在外地开会")
        session.commit()
    second = _run(setup)
    with setup.factory() as session:
        after = {
            (a.request_id, a.expert_id): a.half_day
            for a in session.scalars(
                select(VisitAssignment).where(VisitAssignment.run_id == second)
            )
        }
    for pair, day in before.items():
        if pair != declined:
            assert after.get(pair) == day, pair
    assert declined not in after


def test_a_stale_run_is_failed_and_can_be_run_again(setup: Setup) -> None:
    _ask_all(setup)
    with setup.factory() as session:
        run = service.start_run(session, setup.staff, setup.campaign_id)
        with pytest.raises(Conflict):
            service.start_run(session, setup.staff, setup.campaign_id)
        # The worker died: no heartbeat for 20 minutes.
        run.status = RunStatus.RUNNING
        run.heartbeat_at = utcnow() - timedelta(minutes=20)
        session.commit()
        runs = service.runs_of(session, setup.staff, setup.campaign_id)
        assert runs[0].status is RunStatus.FAILED
        assert "重新运行" in runs[0].message
        again = service.start_run(session, setup.staff, setup.campaign_id)
        assert again.version == 2


def test_town_staff_of_another_town_cannot_manage_the_campaign(
    setup: Setup, factory: sessionmaker[Session]
) -> None:
    with factory() as session:
        from matchmaking.models import Town

        town = session.scalar(select(Town).where(Town.name == "三厂街道"))
        assert town is not None
        other = Principal(
            user_id=setup.staff.user_id, role=Role.STAFF, town_id=town.id, town=town.name
        )
        c = service.create_campaign(
            session, other, CampaignCreate(title="三厂街道巡诊活动", half_days=DAYS)
        )
        assert c.town_id == town.id
        with pytest.raises(Forbidden):
            service.start_run(session, other, setup.campaign_id)
        assert [x.id for x in service.list_campaigns(session, other).items] == [c.id]


def test_diagnosis_drafts_needs_that_say_what_is_missing(setup: Setup) -> None:
    ids = _ask_all(setup)
    run_id = _run(setup)
    with setup.factory() as session:
        service.publish(session, setup.staff, run_id)
        session.commit()
        expert_id = session.scalar(
            select(VisitAssignment.expert_id).where(
                VisitAssignment.run_id == run_id, VisitAssignment.request_id == ids["氢"]
            )
        )
    expert = next(p for p in setup.experts.values() if p.expert_id == expert_id)
    company = setup.companies["氢"]
    with setup.factory() as session:
        with pytest.raises(Forbidden):
            diagnosis.write(
                session,
                setup.experts["王教授"]
                if expert_id != setup.experts["王教授"].expert_id
                else setup.experts["赵教授"],
                ids["氢"],
                DiagnosisWrite(problems="腐蚀"),
            )
        diagnosis.write(
            session,
            expert,
            ids["氢"],
            DiagnosisWrite(
                problems="腐蚀\n" + "双极板涂层工艺不稳定，批次间接触电阻波动大。" * 400,
                suggestions="引入碳基复合涂层并建立在线检测。",
                follow_ups=[
                    FollowUpIn(
                        action="提供三批样品做对比测试",
                        owner="企业技术部",
                        due=utcnow().date() - timedelta(days=3),
                    )
                ],
            ),
        )
        drafts = diagnosis.draft_needs(session, expert, ids["氢"])
        session.commit()
        read = diagnosis.get_draft(session, company, drafts[0].id)
        # "腐蚀" is too short a title: the draft says so instead of failing later.
        assert any("标题" in m for m in read.missing), read.missing
        with pytest.raises(InvalidInput) as refused:
            diagnosis.publish_draft(session, company, drafts[0].id, DraftPublish())
        assert "标题" in refused.value.message
        session.rollback()
        with pytest.raises(Forbidden):
            diagnosis.publish_draft(
                session,
                setup.companies["纺"],
                drafts[0].id,
                DraftPublish(title="双极板涂层工艺稳定性提升"),
            )
        need = diagnosis.publish_draft(
            session, company, drafts[0].id, DraftPublish(title="双极板涂层工艺稳定性提升")
        )
        session.commit()
        stored = session.get(Need, need.id)
        assert stored is not None
        assert stored.org_id == company.org_id
        assert "接触电阻" in stored.description
        overdue = diagnosis.overdue(session, setup.staff)
        assert [f.company for f in overdue] == ["氢科技有限公司"]
