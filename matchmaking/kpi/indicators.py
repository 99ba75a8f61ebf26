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

from sqlalchemy import ColumnElement, Select, case, func, literal, select
from sqlalchemy.orm import aliased

from matchmaking.enums import (
    REGISTERED_CONTRACT_STATUSES,
    ContractFlow,
    EventStatus,
    NeedStatus,
    OrgKind,
    RegistrationStatus,
)
from matchmaking.exceptions import InvalidInput
from matchmaking.models import (
    Campaign,
    ContractPayment,
    CooperationAgreement,
    DiagnosisNeed,
    DiagnosisRecord,
    DiagnosisRequest,
    Docking,
    Event,
    Expert,
    Need,
    Organization,
    Registration,
    TechContract,
)
from matchmaking.visits.states import DraftStatus

Partner = aliased(Organization, name="partner_org")
Company = aliased(Organization, name="company_org")
NeedOrg = aliased(Organization, name="need_org")
PaidContract = aliased(TechContract, name="paid_contract")
VisitedOrg = aliased(Organization, name="visited_org")

# An event counts once it took place: marked 已举办, or archived after that (an event
# can only be archived from 已举办). There is no cancelled state: an event that was never
# marked held (draft, open, closed) does not count, even once its date has passed.
HELD = (EventStatus.HELD.value, EventStatus.ARCHIVED.value)

REGISTERED = tuple(s.value for s in REGISTERED_CONTRACT_STATUSES)
ACADEMIC = (OrgKind.UNIVERSITY.value, OrgKind.INSTITUTE.value)


@dataclass(frozen=True)
class Source:
    """Where an indicator's rows come from (see the module docstring)."""

    # What one row of the drill-down is: needs | dockings | agreements | contracts | payments
    # | events | visits.
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
    # The page of a drill-down row: a format string for the link id ("/needs/{}"), and the
    # column that id comes from (None: the row's ``id``).
    url: str = ""
    url_id: Any = None

    @property
    def link(self) -> Any:
        return self.id if self.url_id is None else self.url_id

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
        url="/needs/{}",
    )


# 参会单位: a registration that is 已报名 (not merely invited, not cancelled) and speaks
# for an organization (participant "org:<id>"); an expert registered in person is not a
# 单位. One registration per participant and event (a unique key), so each organization
# counts once per event.
_PARTICIPANT_RULES = (
    Registration.status == RegistrationStatus.REGISTERED.value,
    Registration.expert_id.is_(None),
    Registration.org_id.is_not(None),
)

# The side of a registration in Chinese (the drill-down shows no English codes).
_SIDE = case(
    *((Registration.side == k.value, k.label) for k in OrgKind),
    else_="其他",
)


def _registered_orgs(event_id: Any) -> Any:
    """How many organizations take part in an event (the ``event_participants`` rule)."""
    r = Registration
    return (
        select(func.count())
        .where(r.event_id == event_id, *_PARTICIPANT_RULES)
        .correlate_except(r)
        .scalar_subquery()
    )


def _events() -> Source:
    e = Event
    return Source(
        kind="events",
        table=e,
        id=e.id,
        name=e.title,
        when=e.held_on,
        town=e.town_id,
        value=literal(1),
        timestamp=False,
        where=(e.status.in_(HELD),),
        extra=(("地点", e.venue), ("主办单位", e.organiser), ("参会单位", _registered_orgs(e.id))),
        url="/events/{}",
    )


def _participants() -> Source:
    r = Registration
    return Source(
        kind="events",
        table=r,
        id=r.id,
        name=r.name,
        when=Event.held_on,
        town=Event.town_id,
        value=literal(1),
        timestamp=False,
        joins=((Event, Event.id == r.event_id),),
        where=(Event.status.in_(HELD), *_PARTICIPANT_RULES),
        extra=(
            ("单位类型", _SIDE),
            ("活动", Event.title),
            ("签到", case((r.checked_in_at.is_not(None), "已签到"), else_="未签到")),
        ),
        url="/events/{}",
        url_id=r.event_id,
    )


def _expert_name(expert_id: Any) -> Any:
    return select(Expert.name).where(Expert.id == expert_id).scalar_subquery()


def _visits() -> Source:
    d = DiagnosisRecord
    return Source(
        kind="visits",
        table=d,
        id=d.id,
        name=VisitedOrg.name,
        when=d.created_at,
        town=VisitedOrg.town_id,
        value=literal(1),
        timestamp=True,
        joins=(
            (DiagnosisRequest, DiagnosisRequest.id == d.request_id),
            (VisitedOrg, VisitedOrg.id == DiagnosisRequest.org_id),
            (Campaign, Campaign.id == DiagnosisRequest.campaign_id),
        ),
        extra=(("巡诊活动", Campaign.title), ("诊断专家", _expert_name(d.expert_id))),
        url="/visits/requests/{}",
        url_id=d.request_id,
    )


def _visit_needs() -> Source:
    n = Need
    return Source(
        kind="visits",
        table=DiagnosisNeed,
        id=n.id,
        name=n.title,
        when=n.created_at,
        town=VisitedOrg.town_id,
        value=literal(1),
        timestamp=True,
        joins=(
            (n, n.id == DiagnosisNeed.need_id),
            (DiagnosisRecord, DiagnosisRecord.id == DiagnosisNeed.record_id),
            (DiagnosisRequest, DiagnosisRequest.id == DiagnosisRecord.request_id),
            (VisitedOrg, VisitedOrg.id == DiagnosisRequest.org_id),
        ),
        where=(DiagnosisNeed.status == DraftStatus.PUBLISHED.value,),
        extra=(("企业", VisitedOrg.name), ("诊断专家", _expert_name(DiagnosisRecord.expert_id))),
        url="/needs/{}",
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
        Indicator(
            "events_held",
            "开展对接活动",
            "场",
            "已举办的产学研对接活动场数（状态为“已举办”或举办后“已归档”），按活动日期计入月份，"
            "归入活动所属区镇；未标记为已举办的活动（草稿、报名中、报名截止）即使日期已过也不计；"
            "未指定区镇的全区活动只计入全区合计。",
            _events(),
        ),
        Indicator(
            "event_participants",
            "对接活动参会单位",
            "家",
            "已举办活动中状态为“已报名”的企业、高校、科研院所，每场活动每家单位计一次"
            "（仅邀请未报名、已取消报名的不计；专家以个人身份报名的不计），"
            "按活动日期计入月份，归入活动所属区镇。",
            _participants(),
        ),
        Indicator(
            "visits_made",
            "专家巡诊",
            "次",
            "专家上门诊断后填写的诊断记录次数（每家企业每次巡诊一份），"
            "按记录填写时间（北京时间）计入月份，归入被诊断企业所属区镇。",
            _visits(),
        ),
        Indicator(
            "visit_needs",
            "巡诊形成需求",
            "条",
            "由诊断记录转为技术需求、并经企业确认发布的需求条数（待企业确认、已放弃的草稿不计），"
            "按需求发布时间（北京时间）计入月份，归入企业所属区镇。",
            _visit_needs(),
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
