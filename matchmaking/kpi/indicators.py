"""The indicator registry: what each KPI counts (口径), from which rows, by which date.

An indicator is a ``Source``: the rows behind it (a select with its joins and rules),
the value of a row (1 to count, or an amount), the date column that places a row in a
month (a date, or a UTC timestamp read in China time), and the town column. Figures,
rankings and drill-downs are all computed from the same ``Source``, so the number on a
card and the records behind it cannot disagree. Add an indicator by adding an entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, literal, select
from sqlalchemy.orm import aliased

from matchmaking.enums import REGISTERED_CONTRACT_STATUSES, ContractFlow, NeedStatus, OrgKind
from matchmaking.exceptions import InvalidInput
from matchmaking.models import (
    ContractPayment,
    CooperationAgreement,
    Docking,
    Need,
    Organization,
    TechContract,
)

Partner = aliased(Organization, name="partner_org")
Company = aliased(Organization, name="company_org")
NeedOrg = aliased(Organization, name="need_org")
PaidContract = aliased(TechContract, name="paid_contract")

REGISTERED = tuple(s.value for s in REGISTERED_CONTRACT_STATUSES)
ACADEMIC = (OrgKind.UNIVERSITY.value, OrgKind.INSTITUTE.value)


@dataclass(frozen=True)
class Source:
    """Where an indicator's rows come from (see the module docstring)."""

    # What one row of the drill-down is: needs | dockings | agreements | contracts | payments.
    kind: str
    # The table the rows are (the FROM of every query).
    table: Any
    id: Any
    name: Any
    when: Any
    town: Any
    # 1 per row, or an amount column.
    value: Any
    timestamp: bool
    joins: tuple[tuple[Any, Any], ...] = ()
    where: tuple[ColumnElement[bool], ...] = ()
    # Sources of one family share table, date, town, joins and ``where``, and differ only
    # by ``only`` (an extra condition) and value: their figures come from one query.
    family: str = ""
    only: ColumnElement[bool] | None = None
    # Extra columns shown in the drill-down: (label, expression).
    extra: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def base(self, *columns: Any) -> Select[Any]:
        stmt = select(*columns).select_from(self.table)
        for target, onclause in self.joins:
            stmt = stmt.join(target, onclause)
        stmt = stmt.where(*self.where)
        return stmt if self.only is None else stmt.where(self.only)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    caliber: str
    source: Source
    # Money figures are summed amounts (万元); the rest are counts.
    money: bool = False


def _agreements() -> Source:
    a = CooperationAgreement
    return Source(
        kind="agreements",
        table=a,
        id=a.id,
        name=a.title,
        when=a.signed_on,
        town=a.town_id,
        value=literal(1),
        timestamp=False,
        joins=(
            (Company, Company.id == a.company_org_id),
            (Partner, Partner.id == a.partner_org_id),
        ),
        where=(Company.kind == OrgKind.ENTERPRISE.value, Partner.kind.in_(ACADEMIC)),
        extra=(("企业", Company.name), ("合作方", Partner.name)),
    )


def _contracts(value: Any, *flows: ContractFlow) -> Source:
    c = TechContract
    only = c.flow.in_([f.value for f in flows]) if flows else None
    return Source(
        kind="contracts",
        table=c,
        id=c.id,
        name=c.name,
        when=c.registered_on,
        town=c.town_id,
        value=value,
        timestamp=False,
        where=(c.status.in_(REGISTERED),),
        family="registered_contracts",
        only=only,
        extra=(("卖方（输出方）", c.seller_name), ("买方（吸纳方）", c.buyer_name)),
    )


def _payments() -> Source:
    p = ContractPayment
    return Source(
        kind="payments",
        table=p,
        id=p.id,
        name=PaidContract.name,
        when=p.received_on,
        town=PaidContract.town_id,
        value=p.amount_wan,
        timestamp=False,
        joins=((PaidContract, PaidContract.id == p.contract_id),),
        extra=(("凭证", p.evidence),),
    )


def _needs(*, solved: bool) -> Source:
    n = Need
    return Source(
        kind="needs",
        table=n,
        id=n.id,
        name=n.title,
        when=n.updated_at if solved else n.created_at,
        town=NeedOrg.town_id,
        value=literal(1),
        timestamp=True,
        joins=((NeedOrg, NeedOrg.id == n.org_id),),
        where=(n.status == NeedStatus.SOLVED.value,) if solved else (),
        extra=(("企业", NeedOrg.name),),
    )


_TC = TechContract
REGISTRY: dict[str, Indicator] = {
    i.code: i
    for i in (
        Indicator(
            "agreements",
            "新增产学研合作项目",
            "项",
            "本区企业与高校、科研院所签订的合作协议（意向、框架、共建平台、项目协议）项数，"
            "按协议签订日期计入月份；与个人专家的协议不计。",
            _agreements(),
        ),
        Indicator(
            "contracts",
            "技术合同登记项数",
            "项",
            "经认定登记的技术合同项数（状态为已登记、履行中、已完成），按登记日期计入月份；"
            "已签订未登记、不予登记的合同不计。",
            _contracts(literal(1)),
        ),
        Indicator(
            "amount",
            "技术合同成交额",
            "万元",
            "已登记技术合同的合同成交额合计（登记口径），按登记日期计入月份。",
            _contracts(_TC.amount_wan),
            money=True,
        ),
        Indicator(
            "amount_out",
            "成交额（输出）",
            "万元",
            "已登记合同中卖方（输出方）在本区的合同成交额：输出区外与区内合同之和，按登记日期计。",
            _contracts(_TC.amount_wan, ContractFlow.OUTFLOW, ContractFlow.LOCAL),
            money=True,
        ),
        Indicator(
            "amount_in",
            "成交额（吸纳）",
            "万元",
            "已登记合同中买方（吸纳方）在本区的合同成交额：吸纳区外与区内合同之和，按登记日期计。",
            _contracts(_TC.amount_wan, ContractFlow.INFLOW, ContractFlow.LOCAL),
            money=True,
        ),
        Indicator(
            "tech_amount",
            "技术交易额",
            "万元",
            "已登记技术合同的核定技术交易额合计（不含设备、材料等非技术费用），按登记日期计。",
            _contracts(_TC.tech_amount_wan),
            money=True,
        ),
        Indicator(
            "received",
            "到账金额",
            "万元",
            "技术合同项下登记的到账款项合计，按到账日期计入月份，归入合同所属区镇。",
            _payments(),
            money=True,
        ),
        Indicator(
            "needs_posted",
            "征集技术需求",
            "条",
            "企业发布的技术需求条数，按发布时间（北京时间）计入月份，归入企业所属区镇。",
            _needs(solved=False),
        ),
        Indicator(
            "needs_solved",
            "解决技术需求",
            "条",
            "状态为“已解决”的技术需求条数，按最后更新时间（北京时间）计入月份。",
            _needs(solved=True),
        ),
    )
}

# Dockings appear only in the funnel (need → docking → agreement → contract → money).
DOCKING_SOURCE = Source(
    kind="dockings",
    table=Docking,
    id=Docking.id,
    name=Need.title,
    when=Docking.created_at,
    town=NeedOrg.town_id,
    value=literal(1),
    timestamp=True,
    joins=((Need, Need.id == Docking.need_id), (NeedOrg, NeedOrg.id == Need.org_id)),
)


def get(code: str) -> Indicator:
    try:
        return REGISTRY[code]
    except KeyError:
        raise InvalidInput(f"没有“{code}”这个指标", field="indicator") from None
