"""The demo district's outcomes: three years of agreements, contracts and payments
(``data/demo/agreements.csv``, ``contracts.csv``, ``payments.csv``, written by
``data/demo/build_demo.py``), and a few signed demo dockings with what they produced.

Loaded in bulk (a few thousand rows: well under a second), once: a database that
already has agreements is left as it is. Each record gets one audit entry
(``import``, by the system).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.audit import service as audit
from matchmaking.enums import (
    AgreementKind,
    AgreementStatus,
    AuditAction,
    ContractStatus,
    DockingStatus,
    ItemStatus,
    NeedStatus,
    Origin,
    Role,
)
from matchmaking.models import (
    Achievement,
    AuditLog,
    ContractPayment,
    CooperationAgreement,
    Docking,
    DockingEvent,
    Need,
    Organization,
    TechContract,
    TechContractEvent,
    Town,
    User,
)
from matchmaking.outcomes import agreements as agreement_service
from matchmaking.outcomes.contracts import flow_of
from matchmaking.outcomes.schemas import SignedAgreement

SYSTEM = Principal(role=Role.ADMIN, name="系统")
CHINA = ZoneInfo("Asia/Shanghai")
DEMO_DOCKINGS = 10


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), CHINA)


def _wan(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def load(session: Session, demo_dir: Path, org_keys: dict[str, int]) -> dict[str, int]:
    """Load the outcome CSVs; returns how many of each were added (nothing if present)."""
    if session.scalar(select(func.count(CooperationAgreement.id))):
        return {}
    towns = {t.name: t.id for t in session.scalars(select(Town))}
    stmt = select(Organization.id, Organization.town_id)
    org_town = {row.id: row.town_id for row in session.execute(stmt)}

    agreements: dict[str, dict[str, Any]] = {}
    for row in _read(demo_dir / "agreements.csv"):
        company = org_keys.get(row["company_key"])
        if company is None:
            continue
        signed = date.fromisoformat(row["signed_on"])
        a = {
            "kind": AgreementKind(row["kind"]),
            "title": row["title"],
            "company_org_id": company,
            "partner_org_id": org_keys.get(row["partner_key"]),
            "signed_on": signed,
            "town_id": org_town.get(company),
            "summary": row["summary"],
            "planned_amount_wan": _wan(row["planned_amount_wan"]),
            "origin": Origin(row["origin"]),
            "status": AgreementStatus(row["status"]),
            "attachment": "",
            "docking_id": None,
            "created_by_user_id": None,
            "created_at": _at(signed),
            "updated_at": _at(signed),
        }
        agreements[row["key"]] = a
    _insert(session, CooperationAgreement, list(agreements.values()))

    contracts: dict[str, dict[str, Any]] = {}
    for row in _read(demo_dir / "contracts.csv"):
        signed = date.fromisoformat(row["signed_on"])
        agreement = agreements.get(row["agreement_key"])
        c = {
            "name": row["name"],
            "contract_type": row["contract_type"],
            "contract_subtype": row["contract_subtype"],
            "seller_name": row["seller_name"],
            "seller_nature": row["seller_nature"],
            "seller_region": row["seller_region"],
            "seller_org_id": org_keys.get(row["seller_key"]),
            "buyer_name": row["buyer_name"],
            "buyer_nature": row["buyer_nature"],
            "buyer_region": row["buyer_region"],
            "buyer_org_id": org_keys.get(row["buyer_key"]),
            "signed_on": signed,
            "valid_from": _day(row["valid_from"]),
            "valid_to": _day(row["valid_to"]),
            "amount_wan": Decimal(row["amount_wan"]),
            "tech_amount_wan": _wan(row["tech_amount_wan"]),
            "tech_field": row["tech_field"],
            "ip_type": row["ip_type"],
            "town_id": towns.get(row["town"]),
            "flow": flow_of(row["seller_region"], row["buyer_region"]),
            "registration_no": row["registration_no"] or None,
            "registered_on": _day(row["registered_on"]),
            "authority": row["authority"],
            "not_registered_reason": row["not_registered_reason"] or None,
            "status": ContractStatus(row["status"]),
            "agreement_id": agreement["id"] if agreement is not None else None,
            "origin": Origin(row["origin"]),
            "contract_scan": "",
            "certificate": "",
            "note": "",
            "docking_id": None,
            "created_by_user_id": None,
            "created_at": _at(signed),
            "updated_at": _at(signed),
        }
        contracts[row["key"]] = c
    _insert(session, TechContract, list(contracts.values()))

    session.execute(
        insert(TechContractEvent),
        [
            {
                "contract_id": c["id"],
                "actor_user_id": None,
                "action": "import",
                "before": "",
                "after": c["status"].value,
                "note": "历史数据导入",
                "at": _at(c["registered_on"] or c["signed_on"]),
            }
            for c in contracts.values()
        ],
    )
    payments = []
    for row in _read(demo_dir / "payments.csv"):
        contract = contracts.get(row["contract_key"])
        if contract is None:
            continue
        received = date.fromisoformat(row["received_on"])
        payments.append(
            {
                "contract_id": contract["id"],
                "received_on": received,
                "amount_wan": Decimal(row["amount_wan"]),
                "evidence": row["evidence"],
                "attachment": "",
                "created_at": _at(received),
                "updated_at": _at(received),
            }
        )
    if payments:
        session.execute(insert(ContractPayment), payments)
    docked = _demo_dockings(session)

    entries: list[dict[str, Any]] = []
    for kind, rows in (("agreement", agreements.values()), ("contract", contracts.values())):
        for r in rows:
            snapshot = {
                k: audit.json_value(v)
                for k, v in r.items()
                if k not in ("created_at", "updated_at")
            }
            entries.append(
                {
                    "actor_user_id": None,
                    "at": r["created_at"],
                    "entity_kind": kind,
                    "entity_id": r["id"],
                    "action": AuditAction.IMPORT.value,
                    "old_values": None,
                    "new_values": snapshot,
                }
            )
    session.execute(insert(AuditLog), entries)
    session.flush()
    return {
        "agreements": len(agreements) + docked,
        "contracts": len(contracts) + docked // 2,
        "payments": len(payments),
        "dockings": docked,
    }


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` in one executemany and give each its new id (the table was empty)."""
    if not rows:
        return
    session.execute(insert(model.__table__), rows)
    ids = session.scalars(select(model.id).order_by(model.id)).all()
    for row, new_id in zip(rows, ids[-len(rows) :], strict=True):
        row["id"] = new_id


def _demo_dockings(session: Session) -> int:
    """A few signed dockings (needs paired with achievements of their field), each with the
    agreement its signing made; every other one also led to a registered contract."""
    needs = list(
        session.scalars(
            select(Need)
            .where(Need.status.in_([NeedStatus.OPEN, NeedStatus.IN_DOCKING]))
            .order_by(Need.id)
        )
    )
    achievements: dict[str, list[Achievement]] = {}
    for a in session.scalars(
        select(Achievement).where(Achievement.status == ItemStatus.ACTIVE).order_by(Achievement.id)
    ):
        achievements.setdefault(a.industry_field, []).append(a)
    admin = session.scalar(select(User.id).where(User.role == Role.ADMIN).order_by(User.id))
    origins = [
        Origin.RECOMMENDATION,
        Origin.EVENT,
        Origin.VISIT,
        Origin.SEARCH,
        Origin.RECOMMENDATION,
    ]
    made = 0
    base = date(2026, 3, 2)
    for need in needs:
        if made >= DEMO_DOCKINGS:
            break
        fitting = achievements.get(need.industry_field) or []
        requester = session.scalar(
            select(User.id).where(User.org_id == need.org_id).order_by(User.id)
        )
        if not fitting or (requester or admin) is None:
            continue
        target = fitting[made % len(fitting)]
        requested = base + timedelta(days=21 * made)
        signed = requested + timedelta(days=40)
        d = Docking(
            need_id=need.id,
            target_kind="achievements",
            target_id=target.id,
            requester_user_id=requester or admin,
            requester_org_id=need.org_id,
            responder_org_id=target.org_id,
            status=DockingStatus.SIGNED,
            message="希望就该成果的应用开展合作。",
            origin=origins[made % len(origins)],
            created_at=_at(requested),
            updated_at=_at(signed),
        )
        d.need = need
        session.add(d)
        session.flush()
        steps = [("requested", 0), ("accepted", 5), ("negotiating", 12), ("signed", 40)]
        session.execute(
            insert(DockingEvent),
            [
                {
                    "docking_id": d.id,
                    "actor_user_id": None,
                    "action": step,
                    "note": "",
                    "at": _at(requested + timedelta(days=days)),
                }
                for step, days in steps
            ],
        )
        agreement = agreement_service.create_for_docking(
            session,
            SYSTEM,
            d,
            SignedAgreement(
                kind=AgreementKind.PROJECT,
                title=f"{need.title}合作项目协议",
                signed_on=signed,
                summary=f"以“{target.title}”解决“{need.title}”。",
                planned_amount_wan=Decimal(60 + 20 * made),
            ),
        )
        if made % 2 == 0:
            seller = session.get(Organization, target.org_id)
            buyer = session.get(Organization, need.org_id)
            assert seller is not None
            assert buyer is not None
            registered = signed + timedelta(days=18)
            contract = TechContract(
                name=f"{target.title}技术开发合同",
                contract_type="development",
                contract_subtype="dev_commissioned",
                seller_name=seller.name,
                seller_nature="university" if seller.kind == "university" else "research_institute",
                seller_region="320602",
                seller_org_id=seller.id,
                buyer_name=buyer.name,
                buyer_nature="enterprise",
                buyer_region="320684",
                buyer_org_id=buyer.id,
                signed_on=signed,
                valid_from=signed,
                valid_to=signed + timedelta(days=365),
                amount_wan=Decimal(80 + 30 * made),
                tech_amount_wan=Decimal(60 + 25 * made),
                tech_field="advanced_manufacturing",
                ip_type="know_how",
                town_id=buyer.town_id,
                flow=flow_of("320602", "320684"),
                registration_no=f"26320684{900 + made:06d}",
                registered_on=registered,
                authority="海门区技术合同登记站",
                status=ContractStatus.PERFORMING,
                agreement_id=agreement.id,
                docking_id=d.id,
                origin=d.origin,
                created_at=_at(signed),
                updated_at=_at(registered),
            )
            session.add(contract)
            session.flush()
            audit.record(
                session,
                SYSTEM,
                "contract",
                contract.id,
                AuditAction.IMPORT,
                new=audit.snapshot(contract),
            )
        made += 1
    return made
