"""Issue a monthly report: every figure of the month, frozen as JSON when issued.

The snapshot is the report: the downloads and the page read it, never the live tables,
so a report does not change when the data does. A correction is a new version with a
note saying what changed; the earlier version stays as issued.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import DISTRICT, Principal, require_staff
from matchmaking.audit import service as audit
from matchmaking.enums import REGISTERED_CONTRACT_STATUSES, AuditAction
from matchmaking.exceptions import Forbidden, InvalidInput, NotFound
from matchmaking.kpi import service
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import CooperationAgreement, MonthlyReport, Organization, TechContract

# The indicators whose town rankings the report prints (the bureau's headline figures).
RANKED = ("agreements", "contracts", "amount", "received")
MAX_TEXT = 4000
NOTABLE = 8
SNAPSHOT_FORMAT = 1


def _clean(text: str, *, field: str, label: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{label}不能超过 {MAX_TEXT} 字", field=field)
    if any((ord(ch) < 32 and ch not in "\n\t") or ord(ch) == 127 for ch in text):
        raise InvalidInput(f"{label}含有无法显示的控制字符，请删除后重试", field=field)
    return text


def snapshot(session: Session, year: int, month: int, plan: str = "") -> dict[str, Any]:
    """Every figure of the report for ``year``/``month`` (the district, all towns)."""
    view = service.View(year=year, month=month, scope=DISTRICT)
    names = service.town_names(session)
    # Every figure from one read of the month's data.
    monthly = service.all_monthly(session, view)
    overall = [f.as_json() for f in service.summary(session, view, monthly)]
    rankings = {code: service.ranking(session, view, code, monthly) for code in RANKED}
    behind = sorted(
        {row["town"] for code in RANKED for row in rankings[code] if row["rag"] == "red"}
    )
    start, end = date(year, month, 1), date(year + month // 12, month % 12 + 1, 1)
    agreements = session.execute(
        select(CooperationAgreement.title, Organization.name, CooperationAgreement.town_id)
        .join(Organization, Organization.id == CooperationAgreement.company_org_id)
        .where(CooperationAgreement.signed_on >= start, CooperationAgreement.signed_on < end)
        .order_by(
            CooperationAgreement.planned_amount_wan.desc().nulls_last(),
            CooperationAgreement.id,
        )
        .limit(NOTABLE)
    ).all()
    registered = [s.value for s in REGISTERED_CONTRACT_STATUSES]
    contracts = session.execute(
        select(
            TechContract.name,
            TechContract.buyer_name,
            TechContract.amount_wan,
            TechContract.town_id,
        )
        .where(
            TechContract.status.in_(registered),
            TechContract.registered_on >= start,
            TechContract.registered_on < end,
        )
        .order_by(TechContract.amount_wan.desc(), TechContract.id)
        .limit(NOTABLE)
    ).all()
    quality = service.quality(session, view)
    return {
        "format": SNAPSHOT_FORMAT,
        "year": year,
        "month": month,
        "data_as_of": service.data_as_of(),
        "overall": overall,
        "rankings": {
            code: {"label": REGISTRY[code].label, "unit": REGISTRY[code].unit, "towns": rows}
            for code, rows in rankings.items()
        },
        "notable": {
            "agreements": [
                {"title": t, "company": c, "town": names.get(town, "") if town else ""}
                for t, c, town in agreements
            ],
            "contracts": [
                {
                    "name": n,
                    "buyer": b,
                    "amount": service.num(service.dec(a)),
                    "town": names.get(town, "") if town else "",
                }
                for n, b, a, town in contracts
            ],
        },
        "problems": {"behind": behind, "quality": quality},
        "plan": plan,
    }


def issue(
    session: Session,
    principal: Principal,
    *,
    year: int,
    month: int,
    plan: str = "",
    note: str = "",
) -> MonthlyReport:
    """Freeze the month's figures as a new report (or a corrected version, with a note)."""
    require_staff(principal)
    if not principal.scope.district:
        raise Forbidden("月度通报由区科技局统一印发，区镇工作人员可以查看但不能印发")
    if not 2000 <= year <= 2100 or not 1 <= month <= 12:
        raise InvalidInput("请选择正确的年份和月份", field="month")
    today = clock.local_today()
    if (year, month) > (today.year, today.month):
        raise InvalidInput("不能印发尚未开始的月份的通报", field="month")
    plan = _clean(plan, field="plan", label="下月工作安排")
    note = _clean(note, field="note", label="更正说明")
    latest = session.scalar(
        select(func.max(MonthlyReport.version)).where(
            MonthlyReport.year == year, MonthlyReport.month == month
        )
    )
    version = (latest or 0) + 1
    if version > 1 and not note:
        raise InvalidInput(
            f"{year}年{month}月的通报已经印发；重新印发即为更正版，请填写更正说明", field="note"
        )
    report = MonthlyReport(
        year=year,
        month=month,
        version=version,
        note=note,
        plan=plan,
        snapshot=snapshot(session, year, month, plan),
        issued_by_user_id=principal.user_id,
    )
    session.add(report)
    session.flush()
    audit.record(
        session,
        principal,
        "monthly_report",
        report.id,
        AuditAction.CREATE,
        old=None,
        new={"year": year, "month": month, "version": version, "note": note},
    )
    return report


def listing(session: Session, principal: Principal) -> list[MonthlyReport]:
    require_staff(principal)
    return list(
        session.scalars(
            select(MonthlyReport).order_by(
                MonthlyReport.year.desc(), MonthlyReport.month.desc(), MonthlyReport.version.desc()
            )
        )
    )


def get(session: Session, principal: Principal, report_id: int) -> MonthlyReport:
    require_staff(principal)
    report = session.get(MonthlyReport, report_id)
    if report is None:
        raise NotFound("没有这期通报")
    return report


def title(report: MonthlyReport) -> str:
    return f"{report.year}年{report.month}月产学研合作工作通报"


def number(report: MonthlyReport) -> str:
    """The 文号-like line: 第 N 期 of the year (the month), and the version if corrected."""
    suffix = f"（更正版{report.version - 1}）" if report.version > 1 else ""
    return f"{report.year}年第{report.month}期{suffix}"


def review(
    session: Session, principal: Principal, report_id: int, earlier_id: int
) -> list[dict[str, Any]]:
    """双月点评: each town's rank and colour in two reports, per ranked indicator.

    Rows: indicator, town, rank before and now, the move (+ is up), colour before and now,
    and whether the town newly turned red.
    """
    now, before = get(session, principal, report_id), get(session, principal, earlier_id)
    if (before.year, before.month) >= (now.year, now.month):
        raise InvalidInput("请选择更早月份的通报作比较", field="against")
    rows = []
    for code, ranked in now.snapshot["rankings"].items():
        earlier = {t["town"]: t for t in before.snapshot["rankings"].get(code, {}).get("towns", [])}
        for town in ranked["towns"]:
            old = earlier.get(town["town"])
            rows.append(
                {
                    "indicator": ranked["label"],
                    "town": town["town"],
                    "rank": town["rank"],
                    "rank_before": old["rank"] if old else None,
                    "move": (old["rank"] - town["rank"]) if old else None,
                    "rag": town["rag"],
                    "rag_before": old["rag"] if old else "none",
                    "newly_red": town["rag"] == "red" and (old is None or old["rag"] != "red"),
                }
            )
    return rows
