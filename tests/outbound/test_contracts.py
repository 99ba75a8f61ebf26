"""A contract step its parties act on (未予登记: correct and resubmit) reaches them by email;
the staff member who took the step is not told of it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.accounts import service as accounts
from matchmaking.config import Settings
from matchmaking.enums import ContractAction, NotRegisteredReason, Role
from matchmaking.outbound import jobs
from matchmaking.outcomes import contracts
from matchmaking.outcomes.schemas import ContractStep
from tests.factories import make_contract, make_org, make_user
from tests.outbound.conftest import Mailbox, body_of, channels, give_emails, subject_of

NOON = datetime(2026, 12, 2, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_rejected_registration_asks_both_parties_to_resubmit(
    factory: sessionmaker[Session], outbound: Settings, smtp_server: tuple[Mailbox, int]
) -> None:
    box = smtp_server[0]
    with clock.frozen(NOON), factory() as session:
        buyer, seller = make_org(session), make_org(session, kind="university")
        make_user(session, username="buyer_user", org_id=buyer.id)
        make_user(session, role="university", username="seller_user", org_id=seller.id)
        staff = accounts.principal_for(make_user(session, role=Role.STAFF, username="clerk"))
        c = make_contract(
            session, by=staff, buyer_org_id=buyer.id, seller_org_id=seller.id, name="电堆测试合同"
        )
        contracts.act(session, staff, c.id, ContractAction.SIGN, ContractStep())
        contracts.act(session, staff, c.id, ContractAction.SUBMIT, ContractStep())
        session.commit()
    addresses = give_emails(factory)
    with clock.frozen(NOON), factory() as session:
        step = ContractStep(reason=NotRegisteredReason.UNCLEAR_TERMS)
        contracts.act(session, staff, c.id, ContractAction.REJECT, step)
        session.commit()
    with clock.frozen(NOON):
        jobs.instant(factory, channels(outbound))
    for who in ("buyer_user", "seller_user"):
        [mail] = box.to(addresses[who])
        assert "技术合同" in subject_of(mail)
        text = body_of(mail)
        assert "电堆测试合同" in text
        assert "未予登记" in text
        assert NotRegisteredReason.UNCLEAR_TERMS.label in text
        assert f"to=/contracts/{c.id}" in text
    assert box.to(addresses["clerk"]) == []
