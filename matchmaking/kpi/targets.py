"""Annual targets per indicator × town (or the district total), with the monthly schedule.

The schedule (序时进度) due by the end of month m is the sum of the monthly split's
first m months; without a split it is even: annual × m / 12.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal, require_staff
from matchmaking.audit import service as audit
from matchmaking.enums import AuditAction
from matchmaking.exceptions import Forbidden, InvalidInput
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import KpiTarget, Town

if TYPE_CHECKING:
    from matchmaking.kpi.service import View

MAX_TARGET = Decimal("100000000")  # 1 万亿元 in 万元, or a hundred million items
ZERO = Decimal(0)


@dataclass(frozen=True)
class Target:
    annual: Decimal
    monthly: tuple[Decimal, ...] | None = None

    def schedule(self) -> list[Decimal]:
        """The cumulative target due by the end of each month."""
        if self.monthly:
            out, running = [], ZERO
            for amount in self.monthly:
                running += amount
                out.append(running)
            return out
        return [self.annual * m / 12 for m in range(1, 13)]

    def __add__(self, other: Target) -> Target:
        mine, theirs = self.schedule(), other.schedule()
        total = [a + b for a, b in zip(mine, theirs, strict=True)]
        monthly = tuple(b - a for a, b in zip([ZERO, *total[:-1]], total, strict=True))
        return Target(self.annual + other.annual, monthly)


def plain(value: Decimal) -> str:
    """1200, 12.5: a target as typed, without exponent or trailing zeros."""
    return format(value.normalize(), "f")


def _target(row: KpiTarget) -> Target:
    monthly = tuple(Decimal(v) for v in row.monthly) if row.monthly else None
    return Target(Decimal(row.annual), monthly)


def for_year(session: Session, year: int) -> dict[tuple[str, int | None], Target]:
    """Every target of the year by (indicator, town id or None for the district total)."""
    rows = session.scalars(select(KpiTarget).where(KpiTarget.year == year))
    return {(r.indicator, r.town_id): _target(r) for r in rows}


def scope_target(
    targets: dict[tuple[str, int | None], Target], code: str, view: View
) -> Target | None:
    """The target of a view: its town's, else the district total, else the towns' sum."""
    if view.town_id is not None:
        return targets.get((code, view.town_id))
    if not view.scope.district:
        return targets.get((code, view.scope.town_id))
    if (code, None) in targets:
        return targets[(code, None)]
    towns = [t for (c, town), t in targets.items() if c == code and town is not None]
    if not towns:
        return None
    total = towns[0]
    for t in towns[1:]:
        total = total + t
    return total


def parse_amount(text: str, *, field: str) -> Decimal | None:
    """A target as typed: blank is none; a number ≥ 0 and within reason, else a clear error."""
    text = text.strip().replace(",", "").replace("，", "")
    if not text:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text) or len(text) > 20:
        raise InvalidInput("目标值只能填写数字", field=field)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"“{text}”不是数字，请填写数字", field=field) from None
    if not value.is_finite():
        raise InvalidInput("目标值只能填写数字", field=field)
    if value < 0:
        raise InvalidInput("目标值不能为负数", field=field)
    if value > MAX_TARGET:
        raise InvalidInput("目标值过大，请核对单位（金额以万元计）", field=field)
    if value != round(value, 4):
        raise InvalidInput("目标值最多保留 4 位小数", field=field)
    return value


def ensure_can_set(principal: Principal, town_id: int | None) -> None:
    """District staff set every town's and the district's targets; town staff their town's."""
    require_staff(principal)
    if not principal.scope.district and (town_id is None or town_id != principal.scope.town_id):
        raise Forbidden(f"只能设置您负责的区镇（{principal.scope.town}）的目标")


def set_target(
    session: Session,
    principal: Principal,
    *,
    year: int,
    indicator: str,
    town_id: int | None,
    annual: Decimal | None,
    monthly: list[Decimal] | None = None,
) -> KpiTarget | None:
    """Set (or with ``annual`` None, clear) one target; the change goes to the audit log."""
    ensure_can_set(principal, town_id)
    if indicator not in REGISTRY:
        raise InvalidInput(f"没有“{indicator}”这个指标", field="indicator")
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份应在 2000–2100 之间", field="year")
    if town_id is not None and session.get(Town, town_id) is None:
        raise InvalidInput("没有这个区镇", field="town")
    if monthly is not None:
        if len(monthly) != 12:
            raise InvalidInput("按月分解须填写 12 个月", field="monthly")
        if annual is not None and sum(monthly, ZERO) != annual:
            raise InvalidInput("12 个月的分解目标之和应等于年度目标", field="monthly")
    row = session.scalar(
        select(KpiTarget).where(
            KpiTarget.year == year,
            KpiTarget.indicator == indicator,
            KpiTarget.town_key == (town_id or 0),
        )
    )
    old = _values(row) if row else None
    if annual is None:
        if row is None:
            return None
        session.delete(row)
        session.flush()
        audit.record(
            session,
            principal,
            "kpi_target",
            row.id,
            AuditAction.DELETE,
            old=old,
            new=None,
        )
        return None
    if row is None:
        row = KpiTarget(year=year, indicator=indicator, town_key=town_id or 0, town_id=town_id)
        session.add(row)
    row.annual = annual
    row.monthly = [str(v) for v in monthly] if monthly else None
    row.updated_by_user_id = principal.user_id
    session.flush()
    new = _values(row)
    if new != old:
        audit.record(
            session,
            principal,
            "kpi_target",
            row.id,
            AuditAction.CREATE if old is None else AuditAction.UPDATE,
            old=old,
            new=new,
        )
    return row


def _values(row: KpiTarget) -> dict[str, Any]:
    return {
        "year": row.year,
        "indicator": row.indicator,
        "town_id": row.town_id,
        "annual": plain(Decimal(row.annual)),
        "monthly": list(row.monthly) if row.monthly else None,
    }


def table(session: Session, principal: Principal, year: int) -> list[dict[str, Any]]:
    """The targets page: a row per town in scope (and the district total for district staff)."""
    require_staff(principal)
    targets = for_year(session, year)
    towns = session.execute(select(Town.id, Town.name).order_by(Town.position, Town.id)).all()
    rows: list[dict[str, Any]] = []
    if principal.scope.district:
        rows.append({"town_id": None, "town": "全区合计", "targets": {}})
    rows += [
        {"town_id": tid, "town": name, "targets": {}}
        for tid, name in towns
        if principal.scope.covers(tid)
    ]
    for row in rows:
        for code in REGISTRY:
            t = targets.get((code, row["town_id"]))
            row["targets"][code] = plain(t.annual) if t else ""
    return rows
