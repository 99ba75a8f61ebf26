"""Loading the demo data set (``data/demo/``) into a database, with its vectors.

The CSVs are written by ``data/demo/build_demo.py``. Items go through the same
import service as a user's upload. Vectors come from the committed cache
``data/demo/vectors/<model>.npz`` (keyed by model id and text hash), so a fresh
start does not spend minutes embedding; whatever the cache misses is encoded
and added to it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from embeddings.cache import VectorCache, cache_file
from matchmaking import clock, jobs
from matchmaking.accounts import repository as account_repo
from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import Principal
from matchmaking.accounts.schemas import UserCreate
from matchmaking.db import analyze
from matchmaking.enums import Kind, Role
from matchmaking.exceptions import InvalidInput
from matchmaking.importing.service import ImportReport, import_rows
from matchmaking.kpi import service as kpi_service
from matchmaking.kpi import targets as kpi_targets
from matchmaking.matching import embedding
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Expert, KpiTarget, MonthlyReport, Town, User
from matchmaking.organizations import repository as org_repo
from matchmaking.organizations import service as org_service
from matchmaking.organizations.schemas import OrganizationCreate
from matchmaking.outcomes import demo as outcomes_demo
from matchmaking.reports import service as monthly_reports
from matchmaking.towns import service as towns

DEMO_DIR = Path(__file__).resolve().parent.parent / "data" / "demo"
FILES = {
    Kind.NEEDS: "needs.csv",
    Kind.ACHIEVEMENTS: "achievements.csv",
    Kind.EXPERTS: "experts.csv",
}
EMBED_BATCH = 32

Progress = Callable[[str, int, int], None]


# One account per role, printed by `matchmaking demo` and listed in the README.
# Demo only: a production deployment creates its accounts with `matchmaking user create`.
DEMO_PASSWORD = "haimen-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    org_key: str = ""  # organizations.csv key (enterprise, university)
    expert_key: str = ""  # experts.csv external_id (expert)
    town: str = ""  # staff scope


DEMO_ACCOUNTS = (
    DemoAccount("admin", "系统管理员", Role.ADMIN),
    DemoAccount("staff", "区科技局 陈科长", Role.STAFF),
    DemoAccount("staff_zhengyu", "正余镇 科技网格员", Role.STAFF, town="正余镇"),
    DemoAccount("qiye", "海门氢能 王工", Role.ENTERPRISE, org_key="ENT024"),
    DemoAccount("gaoxiao", "同济大学 技术转移中心 李老师", Role.UNIVERSITY, org_key="UNI008"),
    DemoAccount("zhuanjia", "曾新华", Role.EXPERT, expert_key="E021"),
)


def demo_email(username: str) -> str:
    return f"{username}@demo.haimen.example"


@dataclass
class DemoReport:
    organizations: int = 0
    imports: dict[str, ImportReport] = field(default_factory=dict)
    encoded: int = 0
    from_cache: int = 0
    accounts: list[DemoAccount] = field(default_factory=list)
    # Agreements, contracts, payments and signed dockings added (empty if already there).
    outcomes: dict[str, int] = field(default_factory=dict)
    events: int = 0
    reports: int = 0


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def load_organizations(session: Session, demo_dir: Path) -> dict[str, int]:
    """Create the demo organizations (existing names are reused); key -> id."""
    keys: dict[str, int] = {}
    for row in read_csv(demo_dir / "organizations.csv"):
        org = org_repo.get_by_name(session, row["name"])
        if org is None:
            data = OrganizationCreate.model_validate(
                {k: v for k, v in row.items() if k != "key" and v != ""}
            )
            org = org_service.create(session, data)
        keys[row["key"]] = org.id
    return keys


def load_accounts(session: Session, keys: dict[str, int]) -> list[DemoAccount]:
    """One demo account per role (existing usernames are left as they are)."""
    for account in DEMO_ACCOUNTS:
        if account_repo.by_username(session, account.username) is not None:
            continue
        org_id = keys.get(account.org_key) if account.org_key else None
        expert_id = None
        if account.expert_key:
            expert_id = session.scalar(
                select(Expert.id).where(Expert.external_id == account.expert_key)
            )
        user = accounts.create_user(
            session,
            UserCreate(
                username=account.username,
                password=DEMO_PASSWORD,
                display_name=account.display_name,
                role=account.role,
                org_id=org_id,
                expert_id=expert_id,
                town=account.town,
            ),
        )
        # Demo addresses: the demo's mail goes to the folder sink (<data_dir>/mail).
        user.email = demo_email(account.username)
        if org_id is not None:
            org = org_service.get(session, org_id)
            if not org.contact_name:
                # Demo contact details, shown to the other side once a docking is accepted.
                org.contact_name = account.display_name
                org.contact_phone = f"0513-8{org_id:07d}"
                org.contact_email = demo_email(account.username)
    session.flush()
    return list(DEMO_ACCOUNTS)


# 2026 targets of the demo district (万元 for amounts): about 180 cooperation projects and
# 60 亿元 of registered contract turnover a year, shared by the towns in these proportions.
DEMO_TARGETS = {
    "agreements": Decimal(180),
    "contracts": Decimal(900),
    "amount": Decimal(600000),
    "tech_amount": Decimal(450000),
    "received": Decimal(240000),
    "needs_posted": Decimal(400),
    "needs_solved": Decimal(120),
    # The reports' ≥2 events a month; the visits' history is a campaign a quarter.
    "events_held": Decimal(24),
    "event_participants": Decimal(240),
    "visits_made": Decimal(30),
    "visit_needs": Decimal(10),
}
DEMO_REPORT_PLAN = (
    "1. 组织高校院所专家走进重点区镇开展“企业技术需求巡诊”；\n"
    "2. 督促已签订未登记的技术合同及时认定登记；\n"
    "3. 对序时进度落后的区镇开展专项督导。"
)


def _round_target(value: Decimal) -> Decimal:
    """A target as a bureau writes it: two significant figures (680,000, not 677,291)."""
    if value < 100:
        return value.quantize(Decimal(1))
    step = Decimal(10) ** (len(str(int(value))) - 2)
    return (value / step).quantize(Decimal(1)) * step


def load_kpi(session: Session) -> int:
    """2026 targets per town (once) and two issued monthly reports (once), from the data
    loaded so far; returns the number of reports issued now."""
    admin = session.scalar(select(User).where(User.role == Role.ADMIN.value).limit(1))
    principal = Principal(user_id=admin.id if admin else None, role=Role.ADMIN, name="demo")
    towns_in_order = (
        session.execute(
            select(Town.id).where(Town.is_active.is_(True)).order_by(Town.position, Town.id)
        )
        .scalars()
        .all()
    )
    if towns_in_order and session.scalar(select(KpiTarget.id).limit(1)) is None:
        # As a bureau sets them: the district's target is last year's figure plus 10 %
        # (the fixed figure where there is no history: figures in fewer than six months
        # of last year, e.g. the few needs posted after last year's visits), shared among
        # the towns by what each did in the two years before, plus a floor so that no
        # town gets nothing.
        two_years = kpi_service.all_monthly(
            session, kpi_service.View(year=2025, month=12, scope=principal.scope)
        )
        for code, fixed in DEMO_TARGETS.items():
            by_town = two_years.get(code, {})
            before = [sum(by_town.get(t, []), Decimal(0)) for t in towns_in_order]
            last = sum((sum(v[12:], Decimal(0)) for v in by_town.values()), Decimal(0))
            active = sum(1 for m in range(12, 24) if any(v[m] > 0 for v in by_town.values()))
            district = _round_target(last * Decimal("1.1")) if active >= 6 else fixed
            floor = max(sum(before, Decimal(0)), Decimal(1)) * Decimal("0.02")
            weights = [b + floor for b in before]
            total = sum(weights, Decimal(0))
            left = district
            for i, (town_id, weight) in enumerate(zip(towns_in_order, weights, strict=True)):
                # Rounded shares; the last town takes the rest, so the towns add up.
                share = (district * weight / total).quantize(Decimal(1))
                share = left if i == len(weights) - 1 else min(share, left)
                left -= share
                kpi_targets.set_target(
                    session,
                    principal,
                    year=2026,
                    indicator=code,
                    town_id=town_id,
                    annual=max(share, Decimal(1)),
                )
    if session.scalar(select(MonthlyReport.id).limit(1)) is not None:
        return 0
    today = clock.local_today()
    months = []
    y, m = today.year, today.month
    for _ in range(2):
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        months.append((y, m))
    for y, m in reversed(months):
        monthly_reports.issue(session, principal, year=y, month=m, plan=DEMO_REPORT_PLAN)
    return len(months)


def load(
    session_factory: sessionmaker[Session],
    manager: IndexManager,
    *,
    demo_dir: Path = DEMO_DIR,
    progress: Progress | None = None,
    accounts: bool = True,
) -> DemoReport:
    """Load (or refresh) the demo data and make sure every item has its vector (from the
    manager's encoder; the events' fits read the manager's indexes)."""
    encoder = manager.encoder
    report = DemoReport()
    # The vectors are computed right here, so the import's embed jobs are dropped.
    with jobs.handled_inline(), session_factory() as session:
        # 海门区's towns first: organizations and the town staff account name them.
        towns.seed(session)
        keys = load_organizations(session, demo_dir)
        report.organizations = len(keys)

        def resolve(_: Session, row: dict[str, str]) -> int:
            key = row.get("org_key", "")
            if key not in keys:
                raise InvalidInput(f"未知的单位代码“{key}”", field="org_key")
            return keys[key]

        for kind, name in FILES.items():
            # The demo shows a few needs whose deadline has passed (expired, not
            # recommended): historical rows, loaded as they are.
            report.imports[kind.value] = import_rows(
                session,
                kind,
                read_csv(demo_dir / name),
                resolve_org=resolve,
                past_deadline_ok=True,
            )
        if accounts:
            report.accounts = load_accounts(session, keys)
            # Clinic visits: a finished campaign and one being planned.
            from matchmaking.visits import demo as visits_demo

            visits_demo.load(session)
        report.outcomes = outcomes_demo.load(session, demo_dir, keys)
        session.commit()

    cache = VectorCache(
        cache_file(demo_dir / "vectors", encoder.model_id), encoder.model_id, encoder.dim
    )
    for kind in Kind:
        with session_factory() as session:
            ids = embedding.stale_ids(session, kind, encoder.model_id, older_than=timedelta(0))
        for start in range(0, len(ids), EMBED_BATCH):
            with session_factory() as session:
                result = embedding.embed_items(
                    session, encoder, kind, ids[start : start + EMBED_BATCH], cache=cache
                )
                session.commit()
            report.encoded += result.encoded
            report.from_cache += result.reused
            if progress:
                progress(kind.value, min(start + EMBED_BATCH, len(ids)), len(ids))
    cache.save()
    if accounts:
        # Events last: their candidates come from the vectors made above.
        from matchmaking.events import demo as event_demo

        with jobs.handled_inline():
            report.events = event_demo.load(session_factory, manager)
    # Targets and the two issued monthly reports last: a report freezes what is there.
    with session_factory() as session:
        report.reports = load_kpi(session)
        session.commit()
    # Three years of outcomes in one go: the planner's statistics now, not on beat.
    bind = session_factory.kw.get("bind")
    if isinstance(bind, Engine):
        analyze(bind)
    return report
