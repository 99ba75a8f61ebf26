"""`matchmaking bench kpi`: the dashboard's figures at district scale.

Generates towns, organizations, agreements, registered and unregistered technology
contracts over ``months`` months, payments, needs and targets (bulk inserts, seeded),
then times each dashboard endpoint's work — the same service call the endpoint makes,
in a fresh session, without HTTP — and the build of a monthly report's snapshot and
.docx. A database URL must point at an empty database (it is migrated to head).
"""

from __future__ import annotations

import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import clock
from matchmaking.accounts.permissions import DISTRICT
from matchmaking.db import analyze, make_engine, make_sessionmaker
from matchmaking.enums import (
    AgreementKind,
    ContractFlow,
    ContractStatus,
    ContractSubtype,
    ContractType,
    NeedStatus,
    Origin,
    PartyNature,
    TechField,
)
from matchmaking.kpi import cache, service
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.migrate import upgrade
from matchmaking.models import (
    ContractPayment,
    CooperationAgreement,
    KpiTarget,
    MonthlyReport,
    Need,
    Organization,
    TechContract,
    Town,
)
from matchmaking.reports import documents
from matchmaking.reports import service as reports

CHUNK = 5000
Progress = Callable[[str, int, int], None]


def _months_back(today: date, months: int) -> list[tuple[int, int]]:
    y, m = today.year, today.month
    out = []
    for _ in range(months):
        out.append((y, m))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def _day(rng: random.Random, ym: tuple[int, int]) -> date:
    return date(ym[0], ym[1], rng.randint(1, 28))


def populate(
    factory: sessionmaker[Session],
    *,
    contracts: int,
    payments: int,
    towns: int,
    months: int,
    seed: int = 14,
    progress: Progress | None = None,
) -> None:
    rng = random.Random(seed)
    today = clock.local_today()
    spread = _months_back(today, months)
    with factory() as session:
        session.execute(
            insert(Town),
            [{"code": f"t{i:02d}", "name": f"测试镇{i:02d}", "position": i} for i in range(towns)],
        )
        town_ids = [t.id for t in session.query(Town).order_by(Town.position)]
        session.execute(
            insert(Organization),
            [
                {"name": f"企业{i}", "kind": "enterprise", "district": "海门区",
                 "town_id": town_ids[i % towns], "status": "active"}
                for i in range(towns * 5)
            ]
            + [
                {"name": f"高校{i}", "kind": "university", "district": "", "status": "active"}
                for i in range(10)
            ],
        )  # fmt: skip
        orgs = session.query(Organization.id, Organization.kind, Organization.town_id).all()
        ents = [(o.id, o.town_id) for o in orgs if o.kind == "enterprise"]
        unis = [o.id for o in orgs if o.kind == "university"]
        session.commit()
    statuses = [ContractStatus.REGISTERED] * 7 + [
        ContractStatus.PERFORMING,
        ContractStatus.COMPLETED,
        ContractStatus.SIGNED,
        ContractStatus.NOT_REGISTERED,
    ]
    flows = list(ContractFlow)
    types, fields, origins = list(ContractType), list(TechField), list(Origin)
    for start in range(0, contracts, CHUNK):
        rows = []
        for i in range(start, min(contracts, start + CHUNK)):
            ent, town = ents[i % len(ents)]
            ym = spread[rng.randrange(len(spread))]
            signed = _day(rng, ym)
            status = statuses[rng.randrange(len(statuses))]
            registered = status in (
                ContractStatus.REGISTERED,
                ContractStatus.PERFORMING,
                ContractStatus.COMPLETED,
            )
            amount = Decimal(round(rng.lognormvariate(3.5, 1.4), 2))
            rows.append(
                {
                    "id": i + 1,
                    "name": f"技术开发合同{i}",
                    "contract_type": types[i % len(types)].value,
                    "contract_subtype": ContractSubtype.DEV_COMMISSIONED.value,
                    "seller_name": "高校",
                    "seller_nature": PartyNature.UNIVERSITY.value,
                    "seller_region": "310000",
                    "seller_org_id": unis[i % len(unis)],
                    "buyer_name": f"企业{ent}",
                    "buyer_nature": PartyNature.ENTERPRISE.value,
                    "buyer_region": "320684",
                    "buyer_org_id": ent,
                    "signed_on": signed,
                    "amount_wan": amount,
                    "tech_amount_wan": (amount * Decimal("0.8")).quantize(Decimal("0.01")),
                    "tech_field": fields[i % len(fields)].value,
                    "ip_type": "none",
                    "town_id": town,
                    "flow": flows[i % len(flows)].value,
                    "registration_no": f"{i:016d}" if registered else None,
                    "registered_on": min(signed + timedelta(days=rng.randint(0, 20)), today)
                    if registered
                    else None,
                    "authority": "",
                    "status": status.value,
                    "contract_scan": "",
                    "certificate": "",
                    "note": "",
                    "origin": origins[i % len(origins)].value,
                }
            )
        with factory() as session:
            session.execute(insert(TechContract), rows)
            session.commit()
        if progress:
            progress("contracts", start + len(rows), contracts)
    for start in range(0, payments, CHUNK):
        rows = [
            {
                "contract_id": rng.randint(1, contracts),
                "received_on": _day(rng, spread[rng.randrange(len(spread))]),
                "amount_wan": Decimal(round(rng.uniform(1, 50), 2)),
                "evidence": "",
                "attachment": "",
            }
            for _ in range(min(CHUNK, payments - start))
        ]
        with factory() as session:
            session.execute(insert(ContractPayment), rows)
            session.commit()
        if progress:
            progress("payments", start + len(rows), payments)
    with factory() as session:
        agreements = max(contracts // 10, 1)
        session.execute(
            insert(CooperationAgreement),
            [
                {
                    "kind": AgreementKind.PROJECT.value,
                    "title": f"合作协议{i}",
                    "company_org_id": ents[i % len(ents)][0],
                    "partner_org_id": unis[i % len(unis)],
                    "signed_on": _day(rng, spread[rng.randrange(len(spread))]),
                    "town_id": ents[i % len(ents)][1],
                    "summary": "",
                    "attachment": "",
                    "origin": origins[i % len(origins)].value,
                    "status": "signed",
                }
                for i in range(agreements)
            ],
        )
        needs = max(contracts // 10, 1)
        session.execute(
            insert(Need),
            [
                {
                    "org_id": ents[i % len(ents)][0],
                    "title": f"技术需求{i}",
                    "description": "需求描述",
                    "industry_field": "new_materials",
                    "cooperation_mode": "joint_development",
                    "status": (NeedStatus.SOLVED if i % 5 == 0 else NeedStatus.OPEN).value,
                    "text_hash": "",
                    "embedding_status": "ready",
                    "created_at": datetime.combine(
                        _day(rng, spread[rng.randrange(len(spread))]), datetime.min.time(), UTC
                    ),
                    "updated_at": datetime.combine(
                        _day(rng, spread[rng.randrange(len(spread))]), datetime.min.time(), UTC
                    ),
                }
                for i in range(needs)
            ],
        )
        session.execute(
            insert(KpiTarget),
            [
                {
                    "year": today.year,
                    "indicator": code,
                    "town_key": town,
                    "town_id": town,
                    "annual": Decimal(1000),
                }
                for code in REGISTRY
                for town in town_ids
            ],
        )
        session.commit()


def _time(
    factory: sessionmaker[Session], work: Callable[[Session], Any], repeats: int
) -> list[float]:
    out = []
    for _ in range(repeats):
        with factory() as session:
            began = time.perf_counter()
            work(session)
            out.append((time.perf_counter() - began) * 1000)
    return out


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def _report(factory: sessionmaker[Session], today: date) -> tuple[float, bytes]:
    """A monthly report's snapshot and .docx: seconds and the document."""
    began = time.perf_counter()
    with factory() as session:
        snap = reports.snapshot(session, today.year, today.month, "下月安排")
        report = MonthlyReport(year=today.year, month=today.month, version=1, note="",
                               plan="", snapshot=snap, issued_at=clock.now())  # fmt: skip
        body = documents.docx_bytes(report)
    return time.perf_counter() - began, body


def run(
    *,
    contracts: int = 100_000,
    payments: int = 300_000,
    towns: int = 20,
    months: int = 36,
    repeats: int = 20,
    database_url: str | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mm-kpi-") as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'kpi.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        factory = make_sessionmaker(engine)
        began = time.perf_counter()
        populate(factory, contracts=contracts, payments=payments, towns=towns, months=months,
                 progress=progress)  # fmt: skip
        populate_s = time.perf_counter() - began
        # As the worker's beat does every few hours: planner statistics for the new rows.
        analyze(engine)
        today = clock.local_today()
        view = service.View(year=today.year, month=today.month, scope=DISTRICT)
        with factory() as session:
            town_id = session.query(Town.id).order_by(Town.position).first()
        town_view = service.View(
            year=today.year,
            month=today.month,
            scope=DISTRICT,
            town_id=town_id[0] if town_id else None,
        )
        work: dict[str, Callable[[Session], Any]] = {
            "summary": lambda s: service.summary(s, view),
            "summary?town": lambda s: service.summary(s, town_view),
            "cumulative": lambda s: service.cumulative(s, view, "amount"),
            "ranking": lambda s: service.ranking(s, view, "amount"),
            "breakdown?by=type": lambda s: service.breakdown(s, view, "type"),
            "breakdown?by=field": lambda s: service.breakdown(s, view, "field"),
            "funnel": lambda s: service.funnel(s, view),
            "origin": lambda s: service.origin_value(s, view),
            "quality": lambda s: service.quality(s, view),
            "records?indicator=amount": lambda s: service.records(s, view, "amount"),
            "records?indicator=unpaid": lambda s: service.records(s, view, "unpaid"),
        }
        endpoints = {}
        for name, call in work.items():
            # Cold: the first reading after the cache was emptied (every aggregate the
            # endpoint needs is computed from the rows, as after a write to each table).
            cache.clear()
            cold = _time(factory, call, 1)[0]
            times = _time(factory, call, repeats)
            endpoints[name] = {
                "p50_ms": _pct(times, 0.5),
                "p95_ms": _pct(times, 0.95),
                "cold_ms": round(cold, 1),
            }
        # A payment recorded: the next summary recomputes the families behind payments.
        with factory() as session:
            session.add(ContractPayment(contract_id=1, received_on=today, amount_wan=Decimal(1),
                                        evidence="", attachment=""))  # fmt: skip
            session.commit()
        after_write = _time(factory, lambda s: service.summary(s, view), 1)[0]
        report_s, body = _report(factory, today)
        cache.clear()
        report_cold_s, _body = _report(factory, today)
        engine.dispose()
    return {
        "database": engine.dialect.name,
        "contracts": contracts,
        "payments": payments,
        "towns": towns,
        "months": months,
        "repeats": repeats,
        "populate_s": round(populate_s, 1),
        "endpoints": endpoints,
        "summary_after_write_ms": round(after_write, 1),
        "report_docx_s": round(report_s, 2),
        "report_docx_cold_s": round(report_cold_s, 2),
        "report_docx_bytes": len(body),
        "measured": "the service call each endpoint makes, in a fresh session, without HTTP; "
        "p50/p95 over the repeats (cached aggregates), cold_ms the first call with the "
        "cache emptied",
    }


def table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['database']}: {result['contracts']} 份合同, {result['payments']} 笔到账, "
        f"{result['towns']} 个区镇, {result['months']} 个月（生成 {result['populate_s']} 秒）",
        f"{'接口':<28}{'p50 毫秒':>10}{'p95 毫秒':>10}{'首次 毫秒':>10}",
    ]
    for name, t in result["endpoints"].items():
        lines.append(f"{name:<28}{t['p50_ms']:>10}{t['p95_ms']:>10}{t['cold_ms']:>10}")
    lines.append(f"登记一笔到账后的首次汇总：{result['summary_after_write_ms']} 毫秒")
    lines.append(
        f"月度通报 .docx（含快照）：{result['report_docx_s']} 秒"
        f"（缓存清空后 {result['report_docx_cold_s']} 秒）"
    )
    return "\n".join(lines)
