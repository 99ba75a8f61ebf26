"""A docking's "signed" step creates the cooperation agreement, in the same transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.docking import service as docking
from matchmaking.docking.schemas import Action
from matchmaking.enums import AgreementKind, Origin, Role
from matchmaking.exceptions import InvalidInput
from matchmaking.models import CooperationAgreement, Docking
from matchmaking.outcomes.schemas import SignedAgreement
from tests.factories import make_achievement, make_docking, make_need, make_org, make_user


def _negotiating(session: Session) -> tuple[Docking, object, object]:
    company = make_org(session, town="三厂街道")
    uni = make_org(session, kind="university")
    need = make_need(session, org_id=company.id, title="高强铝合金焊接工艺")
    ach = make_achievement(session, org_id=uni.id)
    ent_user = make_user(session, org_id=company.id)
    uni_user = make_user(session, role=Role.UNIVERSITY, org_id=uni.id)
    d = make_docking(session, need=need, target=ach, requester=ent_user)
    d.origin = Origin.RECOMMENDATION
    uni_p = principal_for(uni_user)
    docking.act(session, uni_p, d.id, Action.ACCEPT)
    docking.act(session, uni_p, d.id, Action.NEGOTIATE)
    return d, principal_for(ent_user), uni_p


def test_signing_a_docking_creates_its_agreement(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        d, ent, _ = _negotiating(session)
        fields = SignedAgreement(
            kind=AgreementKind.JOINT_PLATFORM,
            title="共建焊接工艺联合实验室",
            signed_on=date(2026, 11, 20),
            summary="三年合作",
            planned_amount_wan=Decimal("300"),
        )
        docking.act(session, ent, d.id, Action.SIGN, agreement=fields)
        a = session.scalars(
            select(CooperationAgreement).where(CooperationAgreement.docking_id == d.id)
        ).one()
        read = docking.detail(session, ent, d.id)
    assert (a.kind, a.title, a.planned_amount_wan) == (
        AgreementKind.JOINT_PLATFORM,
        "共建焊接工艺联合实验室",
        Decimal("300"),
    )
    assert a.company_org_id == d.need.org_id
    assert a.partner_org_id == d.responder_org_id
    assert a.origin is Origin.RECOMMENDATION  # traced to what started the docking
    assert read.agreement_id == a.id


def test_a_bad_agreement_date_leaves_the_docking_unsigned(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        d, ent, _ = _negotiating(session)
        with pytest.raises(InvalidInput, match="签订日期不能晚于今天"):
            with session.begin_nested():
                docking.act(
                    session,
                    ent,
                    d.id,
                    Action.SIGN,
                    agreement=SignedAgreement(signed_on=date(2099, 1, 1)),
                )
        session.refresh(d)
        assert d.status.value == "negotiating"
        assert session.scalar(select(CooperationAgreement.id)) is None


def test_the_sign_form_asks_for_the_agreement_fields(
    anon_client: TestClient, factory: sessionmaker[Session]
) -> None:
    from tests.web.pages_helpers import csrf as csrf_of
    from tests.web.pages_helpers import login

    client = anon_client

    with factory() as session:
        d, _, _ = _negotiating(session)
        ent_user = make_user(session, username="qiye_sign", org_id=d.need.org_id)
        docking_id = d.id
        session.commit()
    del ent_user
    login(client, "qiye_sign")
    csrf = csrf_of(client, f"/dockings/{docking_id}")
    page = client.get(f"/dockings/{docking_id}")
    assert "登记合作协议" in page.text
    assert 'name="agreement_kind"' in page.text
    bad = client.post(
        f"/dockings/{docking_id}/sign",
        data={"csrf_token": csrf, "agreement_kind": "project", "planned_amount_wan": "abc"},
    )
    assert bad.status_code == 422
    assert "应为数字" in bad.text
    ok = client.post(
        f"/dockings/{docking_id}/sign",
        data={
            "csrf_token": csrf,
            "agreement_kind": "framework",
            "agreement_title": "框架合作协议",
            "planned_amount_wan": "50",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with factory() as session:
        a = session.scalars(select(CooperationAgreement)).one()
    assert (a.kind, a.title, a.docking_id) == (AgreementKind.FRAMEWORK, "框架合作协议", docking_id)
