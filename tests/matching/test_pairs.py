"""Pair scoring (``matching.pairs``): the calibrated 0–1 fit, and the promise users see —
a pair's 匹配度 is the same number at an event and on a clinic visit."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.enums import Role
from matchmaking.events import service as events
from matchmaking.events.schemas import RegistrationInput
from matchmaking.matching import pairs
from matchmaking.matching.indexes import IndexManager
from matchmaking.matching.text import need_text
from matchmaking.models import Campaign
from matchmaking.visits import runner
from matchmaking.visits import service as visits
from matchmaking.visits.schemas import CampaignCreate, DiagnosisAsk, InviteExperts
from matchmaking.visits.states import CampaignAction
from tests.conftest import InlineDispatcher
from tests.factories import make_event, make_expert, make_need, make_org, make_user


def test_a_pair_has_the_same_fit_at_an_event_and_on_a_visit(
    factory: sessionmaker[Session],
    dispatcher: InlineDispatcher,
    index_manager: IndexManager,
) -> None:
    # Given a company whose need is also its problem for a clinic visit, a fitting expert
    # and an unrelated one, all at an event and in a visit campaign's pool.
    with factory() as session:
        staff = principal_for(make_user(session, role=Role.STAFF))
        org = make_org(session, kind="enterprise", town="三厂街道")
        company = principal_for(make_user(session, role=Role.ENTERPRISE, org_id=org.id))
        need = make_need(session, org_id=org.id)
        fitting = make_expert(session, name="李教授")
        unrelated = make_expert(
            session,
            name="王教授",
            fields=["textiles"],
            expertise="纺织品染色与后整理，涤纶面料印染色牢度提升。",
        )
        event = make_event(session)
        mine = events.register(session, company, event.id, RegistrationInput(need_ids=[need.id]))
        for expert in (fitting, unrelated):
            p = principal_for(make_user(session, role=Role.EXPERT, expert_id=expert.id))
            events.register(session, p, event.id, RegistrationInput())
        c = visits.create_campaign(
            session,
            staff,
            CampaignCreate(
                title="三厂街道技术专家巡诊", towns=["三厂街道"], half_days=["2030-03-04am"]
            ),
        )
        visits.move_campaign(session, staff, c.id, CampaignAction.OPEN)
        visits.invite(session, staff, c.id, InviteExperts(expert_ids=[fitting.id, unrelated.id]))
        request, _ = visits.ask(
            session,
            company,
            c.id,
            DiagnosisAsk(org_id=org.id, problem=need_text(need), industry_field="hydrogen_storage"),  # type: ignore[arg-type]
        )
        session.commit()
        ids = {"fitting": fitting.id, "unrelated": unrelated.id}
        campaign_id, request_id, event_id = c.id, request.id, event.id
        assert mine.need_ids == [need.id]

    # When the company looks at its suggested meetings, and staff build the assignment.
    with factory() as session:
        suggested = {
            s.registration.expert_id: s.fit
            for s in events.suggestions(session, index_manager, company, event_id)
        }
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None
        built = runner.build_instance(session, index_manager, campaign)
    affinity = {(a.visit, a.expert): a.score for a in built.instance.affinity}

    # Then the fitting pair shows one number on both, with the same shared terms ...
    at_event = suggested[ids["fitting"]]
    assert at_event is not None
    pair = (f"r{request_id}", f"e{ids['fitting']}")
    assert at_event.score == affinity[pair]
    assert list(at_event.terms) == built.terms[pair]
    assert f"匹配度 {affinity[pair]:.2f}" in at_event.reason
    assert pairs.FIT_THRESHOLD <= at_event.score <= 1
    # ... and the threshold means the same: the unrelated expert is below it at the
    # event, and not offered for the visit.
    below = suggested[ids["unrelated"]]
    assert below is not None
    assert below.score < pairs.FIT_THRESHOLD
    assert (f"r{request_id}", f"e{ids['unrelated']}") not in affinity
