"""Agreements, contracts and payments: validation, who may see and change what, the audit."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.accounts.service import principal_for
from matchmaking.audit import repository as audit_repository
from matchmaking.enums import AuditAction, ContractAction, ContractFlow, ContractStatus, Role
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput
from matchmaking.models import AuditLog, TechContract
from matchmaking.outcomes import agreements, contracts, repository
from matchmaking.outcomes.schemas import (
    AgreementCreate,
    ContractCreate,
    ContractStep,
    ContractUpdate,
    PaymentCreate,
)
from tests.factories import make_agreement, make_contract, make_org, make_user

REG_NO = "2632068400000123"


def _staff(session: Session, town: str = "") -> object:
    return principal_for(make_user(session, role=Role.STAFF, town=town))


def _base(**over: object) -> dict[str, object]:
    return {
        "name": "合同",
        "contract_type": "development",
        "contract_subtype": "dev_commissioned",
        "seller_name": "甲大学",
        "seller_nature": "university",
        "seller_region": "320602",
        "buyer_name": "乙公司",
        "buyer_nature": "enterprise",
        "buyer_region": "320684",
        "signed_on": "2026-03-01",
        "amount_wan": "100",
        "tech_field": "electronic_info",
        **over,
    }


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"tech_amount_wan": "120"}, "技术交易额（120 万元）不能大于合同成交额（100 万元）"),
        ({"valid_from": "2026-05-01", "valid_to": "2026-04-01"}, "截止日期不能早于起始日期"),
        ({"registration_no": "1234567890123"}, "应为 14 位或 16 位数字"),
        ({"registration_no": "12345678901234x"}, "应为 14 位或 16 位数字"),
        ({"registration_no": REG_NO, "registered_on": "2026-02-01"}, "登记日期不能早于签订日期"),
        ({"contract_subtype": "license_exclusive"}, "不属于“技术开发”"),
        ({"amount_wan": "1e30"}, "不能大于"),
        ({"amount_wan": "-1"}, "不能小于"),
        ({"amount_wan": "1.123456"}, "最多 4 位小数"),
        ({"name": "合同\x00名称"}, "控制字符"),
        ({"seller_name": "\u202e司公"}, "改变文字显示方向"),
        ({"signed_on": "2026-02-30"}, "日期"),
        ({"signed_on": "1900-01-01"}, "日期应在 1985 年至 2100 年之间"),
        ({"seller_region": "32068"}, "行政区划代码应为 6 位数字"),
    ],
)
def test_bad_contract_input_is_refused_with_a_chinese_reason(
    over: dict[str, object], message: str
) -> None:
    from pydantic import ValidationError

    from matchmaking.common.validation import validation_details

    with pytest.raises(ValidationError) as caught:
        ContractCreate.model_validate(_base(**over))
    text = "；".join(d["message"] for d in validation_details(caught.value.errors()))
    assert message in text


def test_flow_follows_the_parties_regions() -> None:
    assert contracts.flow_of("320684", "310000", "320684") is ContractFlow.OUTFLOW
    assert contracts.flow_of("310000", "320684", "320684") is ContractFlow.INFLOW
    assert contracts.flow_of("320684101", "320684", "320684") is ContractFlow.LOCAL
    assert contracts.flow_of("3206", "310000", "320684") is ContractFlow.EXTERNAL


def test_a_contract_goes_from_draft_to_registered_with_its_history_and_audit(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        staff = _staff(session)
        c = make_contract(session, by=staff)
        assert (c.status, c.flow) == (ContractStatus.DRAFT, ContractFlow.INFLOW)
        contracts.act(session, staff, c.id, ContractAction.SIGN, ContractStep())
        contracts.act(session, staff, c.id, ContractAction.SUBMIT, ContractStep())

        # Registration asks for the number and refuses a date before signing
        with pytest.raises(InvalidInput, match="请填写合同登记编号"):
            contracts.act(session, staff, c.id, ContractAction.REGISTER, ContractStep())
        early = ContractStep(registration_no=REG_NO, registered_on=date(2026, 2, 1))
        with pytest.raises(InvalidInput, match="登记日期不能早于签订日期"):
            contracts.act(session, staff, c.id, ContractAction.REGISTER, early)
        assert session.scalar(select(func.count()).where(repository.REGISTERED)) == 0

        step = ContractStep(
            registration_no=REG_NO, registered_on=date(2026, 3, 20), authority="海门区科技局"
        )
        contracts.act(session, staff, c.id, ContractAction.REGISTER, step)
        detail = contracts.get(session, staff, c.id)
        session.commit()

    assert detail.status is ContractStatus.REGISTERED
    assert detail.registration_no == REG_NO
    assert [e.action for e in detail.events] == ["sign", "submit", "register"]
    assert detail.events[-1].before_label == "已提交登记"
    assert detail.allowed_actions == [ContractAction.PERFORM, ContractAction.TERMINATE]
    with factory() as session:
        assert session.scalar(select(func.count(TechContract.id)).where(repository.REGISTERED)) == 1
        log = audit_repository.of_entity(session, "contract", c.id)
    assert [e.action for e in log] == [AuditAction.CREATE] + [AuditAction.TRANSITION] * 3
    assert log[-1].old_values == {
        "status": "submitted",
        "registration_no": None,
        "registered_on": None,
        "authority": "",
    } | {k: v for k, v in log[-1].old_values.items() if k == "tech_amount_wan"}
    assert log[-1].new_values is not None
    assert log[-1].new_values["registration_no"] == REG_NO
    assert log[-1].actor_user_id == staff.user_id  # type: ignore[attr-defined]


def test_a_move_the_table_does_not_allow_is_refused_naming_the_status(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        staff = _staff(session)
        c = make_contract(session, by=staff)
        with pytest.raises(Conflict, match="该技术合同当前状态为“草稿”，不能登记通过"):
            contracts.act(session, staff, c.id, ContractAction.REGISTER, ContractStep())
        contracts.act(session, staff, c.id, ContractAction.SIGN, ContractStep())
        contracts.act(session, staff, c.id, ContractAction.SUBMIT, ContractStep())
        with pytest.raises(InvalidInput, match="请选择未予登记的原因"):
            contracts.act(session, staff, c.id, ContractAction.REJECT, ContractStep())
        step = ContractStep.model_validate({"reason": "not_technical"})
        row = contracts.act(session, staff, c.id, ContractAction.REJECT, step)
        assert row.status is ContractStatus.NOT_REGISTERED
        assert row.not_registered_reason is not None
        assert row.not_registered_reason.label == "不属于技术合同"


def test_one_registration_number_per_contract(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        make_contract(session, registration_no=REG_NO, registered_on="2026-03-10")
        with pytest.raises(Conflict, match=f"合同登记编号 {REG_NO} 已用于合同"):
            make_contract(session, registration_no=REG_NO, registered_on="2026-03-10")


def test_an_update_is_audited_with_old_and_new_values_and_revalidated(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        staff = _staff(session)
        c = make_contract(session, by=staff)
        contracts.update(session, staff, c.id, ContractUpdate(amount_wan=Decimal("150")))
        with pytest.raises(
            InvalidInput, match="技术交易额（80 万元）不能大于合同成交额（50 万元）"
        ):
            contracts.update(session, staff, c.id, ContractUpdate(amount_wan=Decimal("50")))
        contracts.update(session, staff, c.id, ContractUpdate(seller_region="320684"))
        log = audit_repository.of_entity(session, "contract", c.id)
        assert session.get(TechContract, c.id).flow is ContractFlow.LOCAL  # type: ignore[union-attr]
    assert log[1].action is AuditAction.UPDATE
    assert (log[1].old_values, log[1].new_values) == ({"amount_wan": "100"}, {"amount_wan": "150"})
    assert log[2].new_values == {"seller_region": "320684", "flow": "local"}


def test_town_staff_change_only_their_towns_records(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        sanchang = _staff(session, "三厂街道")
        haimen = _staff(session, "海门街道")
        buyer = make_org(session, town="三厂街道")
        c = make_contract(session, buyer_org_id=buyer.id)
        assert c.town_id == buyer.town_id  # the local party's town by default
        contracts.update(session, sanchang, c.id, ContractUpdate(note="已核对"))
        with pytest.raises(Forbidden, match="不在您负责的区镇（海门街道）范围内"):
            contracts.update(session, haimen, c.id, ContractUpdate(note="x"))
        with pytest.raises(Forbidden):
            contracts.get(session, haimen, c.id)
        with pytest.raises(Forbidden):
            make_contract(session, by=haimen, buyer_org_id=buyer.id)
        with pytest.raises(Forbidden):
            make_agreement(session, by=haimen, company_org_id=buyer.id)
        seen = contracts.list_for(session, haimen, contracts.ContractFilters())
        assert seen.total == 0


def test_enterprises_and_universities_see_their_own_records_only(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        uni = make_org(session, kind="university")
        mine, other = make_org(session), make_org(session)
        c1 = make_contract(session, buyer_org_id=mine.id, seller_org_id=uni.id)
        c2 = make_contract(session, buyer_org_id=other.id)
        a1 = make_agreement(session, company_org_id=mine.id, partner_org_id=uni.id)
        a2 = make_agreement(session, company_org_id=other.id)
        ent = principal_for(make_user(session, org_id=mine.id))
        univ = principal_for(make_user(session, role=Role.UNIVERSITY, org_id=uni.id))
        expert = principal_for(make_user(session, role=Role.EXPERT))

        assert [
            r.id for r in contracts.list_for(session, ent, contracts.ContractFilters()).items
        ] == [c1.id]
        assert [
            r.id for r in contracts.list_for(session, univ, contracts.ContractFilters()).items
        ] == [c1.id]
        assert contracts.list_for(session, expert, contracts.ContractFilters()).total == 0
        assert [
            r.id for r in agreements.list_for(session, ent, agreements.AgreementFilters()).items
        ] == [a1.id]
        assert contracts.get(session, ent, c1.id).id == c1.id
        with pytest.raises(Forbidden, match="只能查看本单位作为买方或卖方的技术合同"):
            contracts.get(session, ent, c2.id)
        with pytest.raises(Forbidden):
            agreements.get(session, univ, a2.id)
        # And they change nothing
        with pytest.raises(Forbidden, match="只有科技局工作人员"):
            contracts.update(session, ent, c1.id, ContractUpdate(note="改"))
        with pytest.raises(Forbidden):
            contracts.add_payment(
                session,
                ent,
                c1.id,
                PaymentCreate(received_on=date(2026, 4, 1), amount_wan=Decimal(1)),
            )


def test_payments_above_the_contract_value_warn_but_are_kept(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        staff = _staff(session)
        c = make_contract(session, by=staff)
        first = contracts.add_payment(
            session,
            staff,
            c.id,
            PaymentCreate(received_on=date(2026, 4, 1), amount_wan=Decimal(60)),
        )
        assert first.warnings == []
        assert first.paid_wan == 60
        second = contracts.add_payment(
            session,
            staff,
            c.id,
            PaymentCreate(received_on=date(2026, 5, 1), amount_wan=Decimal(50)),
        )
        with pytest.raises(InvalidInput, match="到账日期不能早于合同签订日期"):
            contracts.add_payment(
                session,
                staff,
                c.id,
                PaymentCreate(received_on=date(2026, 1, 1), amount_wan=Decimal(1)),
            )
        assert second.paid_wan == 110
        assert second.warnings == ["到账合计 110 万元已超过合同成交额 100 万元，请核对"]
        assert len(contracts.payments(session, staff, c.id)) == 2
        log = audit_repository.of_entity(session, "payment", second.payment.id)
    assert log[0].new_values is not None
    assert log[0].new_values["amount_wan"] == "50"


def test_agreements_need_a_local_company_and_a_partner(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        staff = _staff(session)
        uni = make_org(session, kind="university")
        company = make_org(session)
        base = {"kind": "framework", "title": "框架协议", "signed_on": "2026-03-01"}
        with pytest.raises(InvalidInput, match="不是企业"):
            agreements.create(
                session,
                staff,
                AgreementCreate.model_validate(
                    {**base, "company_org_id": uni.id, "partner_org_id": uni.id}
                ),
            )
        with pytest.raises(InvalidInput, match="请填写合作的高校院所或专家"):
            agreements.create(
                session,
                staff,
                AgreementCreate.model_validate({**base, "company_org_id": company.id}),
            )
        a = agreements.create(
            session,
            staff,
            AgreementCreate.model_validate(
                {**base, "company_org_id": company.id, "partner_org_id": uni.id, "origin": "event"}
            ),
        )
        assert (a.town_id, a.origin.label) == (company.town_id, "对接活动")
        log = audit_repository.of_entity(session, "agreement", a.id)
        assert log[0].action is AuditAction.CREATE


def test_nothing_in_the_code_updates_or_deletes_the_audit_log() -> None:
    # The repository offers append and reads only...
    public = {n for n in vars(audit_repository) if not n.startswith("_")}
    assert not {n for n in public if re.search(r"update|delete|remove|edit", n)}
    # ...and no module writes to the table another way.
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"(update|delete)\(\s*AuditLog|audit_log\s+(SET|WHERE)|DELETE FROM audit_log"
    )
    for path in (root / "matchmaking").rglob("*.py"):
        if "migrations" in path.parts:
            continue
        assert not pattern.search(path.read_text(encoding="utf-8")), path
    for path in (root / "web").rglob("*.py"):
        assert not pattern.search(path.read_text(encoding="utf-8")), path
    assert AuditLog.__tablename__ == "audit_log"
