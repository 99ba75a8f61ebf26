"""季度竞赛 quarterly contest: towns scored with configurable weights and capped bonus points.

A town's score for quarter Q of year Y: for each weighted indicator, weight × the year to
date at the quarter's end ÷ the town's schedule (序时目标) at the quarter's end, capped at
the completion cap (e.g. 120 %); an indicator without a target for the town scores
nothing (未设目标); plus its bonus points (加分项), counted up to the bonus cap. The
figures come from ``service.all_monthly`` and ``service.figure``: the numbers behind a
score are the dashboard's numbers.

Rules are per year (a year without stored rules uses ``DEFAULT_WEIGHTS``); rules and
bonus items are set by district staff only and each change goes to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import DISTRICT, Principal, require_staff
from matchmaking.audit import service as audit
from matchmaking.common.validation import text_problem
from matchmaking.enums import AuditAction
from matchmaking.exceptions import Conflict, Forbidden, InvalidInput, NotFound
from matchmaking.kpi import service
from matchmaking.kpi import targets as target_store
from matchmaking.kpi.indicators import REGISTRY
from matchmaking.models import ContestBonus, ContestRules, Town

# The bureau's headline figures weigh most; 100 points in all.
DEFAULT_WEIGHTS = {
    "agreements": 25,
    "amount": 25,
    "tech_amount": 10,
    "received": 15,
    "contracts": 10,
    "needs_posted": 10,
    "needs_solved": 5,
}
DEFAULT_CAP_PCT = 120
DEFAULT_BONUS_CAP = Decimal(10)
MIN_CAP_PCT, MAX_CAP_PCT = 100, 300
MAX_WEIGHT_TOTAL = 1000
MAX_BONUS_CAP = Decimal(100)
MAX_REASON = 200
ZERO = Decimal(0)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")

STATUS_LABEL = {
    "scored": "",
    "no_target": "未设目标",
    "nothing_due": "本季度无序时任务，按完成计",
}


# ---- rules -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """One year's rules: ``weights`` has every indicator of the registry (0: not scored)."""

    year: int
    weights: dict[str, int]
    cap_pct: int
    bonus_cap: Decimal
    stored: bool = False

    @property
    def total(self) -> int:
        return sum(self.weights.values())

    @property
    def cap(self) -> Decimal:
        return Decimal(self.cap_pct) / 100

    def weighted(self) -> list[str]:
        return [code for code, weight in self.weights.items() if weight > 0]

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "weights": [
                {"indicator": code, "label": REGISTRY[code].label, "weight": weight}
                for code, weight in self.weights.items()
            ],
            "total_weight": self.total,
            "completion_cap_percent": self.cap_pct,
            "bonus_cap": service.num(self.bonus_cap),
            "default": not self.stored,
        }


def _check_year(year: int) -> None:
    if not service.MIN_YEAR <= year <= service.MAX_YEAR:
        raise InvalidInput(f"年份应在 {service.MIN_YEAR}–{service.MAX_YEAR} 之间", field="year")


def _check_quarter(quarter: int) -> None:
    if not 1 <= quarter <= 4:
        raise InvalidInput("季度应为 1–4", field="quarter")


def rules_for(session: Session, year: int) -> Rules:
    """The year's rules as stored, else the defaults (indicators of the registry only)."""
    row = session.scalar(select(ContestRules).where(ContestRules.year == year))
    if row is None:
        weights = {code: DEFAULT_WEIGHTS.get(code, 0) for code in REGISTRY}
        return Rules(year, weights, DEFAULT_CAP_PCT, DEFAULT_BONUS_CAP)
    stored = row.weights or {}
    weights = {code: int(stored.get(code, 0)) for code in REGISTRY}
    return Rules(year, weights, row.completion_cap_pct, Decimal(row.bonus_cap), stored=True)


def ensure_district(principal: Principal, what: str) -> None:
    """Rules and bonus points are the district's: town staff read them only."""
    require_staff(principal)
    if not principal.scope.district:
        raise Forbidden(f"季度竞赛的{what}由区科技局统一设置，区镇工作人员只能查看")


def _whole(text: str, *, field: str, label: str, high: int) -> int:
    text = text.strip()
    if not text:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(text) > 8 or not text.isascii() or not text.lstrip("-").isdigit():
        raise InvalidInput(f"{label}应填写整数", field=field)
    value = int(text)
    if value < 0:
        raise InvalidInput(f"{label}不能为负数", field=field)
    if value > high:
        raise InvalidInput(f"{label}不能超过 {high}", field=field)
    return value


def _tenths(text: str, *, field: str, label: str) -> Decimal:
    """A number with at most one decimal (加分、加分上限)."""
    text = text.strip().replace("，", "").replace(",", "")
    if not text:
        raise InvalidInput(f"请填写{label}", field=field)
    if len(text) > 12 or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise InvalidInput(f"{label}应填写数字", field=field)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise InvalidInput(f"“{text}”不是数字，{label}应填写数字", field=field) from None
    if not value.is_finite():
        raise InvalidInput(f"{label}应填写数字", field=field)
    if value < 0:
        raise InvalidInput(f"{label}不能为负数", field=field)
    if value != value.quantize(TENTH, rounding=ROUND_HALF_UP):
        raise InvalidInput(f"{label}最多保留 1 位小数", field=field)
    return value.quantize(TENTH)


@dataclass
class RulesForm:
    """The rules as typed, parsed field by field (``errors``: field → Chinese message)."""

    weights: dict[str, int] = field(default_factory=dict)
    cap_pct: int = DEFAULT_CAP_PCT
    bonus_cap: Decimal = DEFAULT_BONUS_CAP
    errors: dict[str, str] = field(default_factory=dict)


def parse_rules(weights: dict[str, str], cap: str, bonus_cap: str) -> RulesForm:
    """Weights (whole points ≥ 0, blank 0, 1–1000 in all), the cap (100–300 %), the bonus cap."""
    form = RulesForm()
    for code in REGISTRY:
        key = f"w-{code}"
        try:
            # Blank: not scored (as 0).
            form.weights[code] = _whole(
                weights.get(code, "").strip() or "0", field=key, label="权重", high=MAX_WEIGHT_TOTAL
            )
        except InvalidInput as exc:
            form.errors[key] = exc.message
    if not form.errors and not 1 <= sum(form.weights.values()) <= MAX_WEIGHT_TOTAL:
        form.errors["weights"] = f"各项权重之和应在 1–{MAX_WEIGHT_TOTAL} 分之间"
    try:
        form.cap_pct = _whole(cap, field="cap", label="完成率上限", high=10**6)
        if not MIN_CAP_PCT <= form.cap_pct <= MAX_CAP_PCT:
            raise InvalidInput(f"完成率上限应在 {MIN_CAP_PCT}%–{MAX_CAP_PCT}% 之间", field="cap")
    except InvalidInput as exc:
        form.errors["cap"] = exc.message
    try:
        form.bonus_cap = _tenths(bonus_cap, field="bonus_cap", label="加分上限")
        if form.bonus_cap > MAX_BONUS_CAP:
            raise InvalidInput(f"加分上限不能超过 {MAX_BONUS_CAP} 分", field="bonus_cap")
    except InvalidInput as exc:
        form.errors["bonus_cap"] = exc.message
    return form


def _rules_values(rules: Rules) -> dict[str, Any]:
    return {
        "year": rules.year,
        "weights": {code: w for code, w in rules.weights.items() if w},
        "completion_cap_pct": rules.cap_pct,
        "bonus_cap": target_store.plain(rules.bonus_cap),
    }


def set_rules(
    session: Session,
    principal: Principal,
    *,
    year: int,
    weights: dict[str, int],
    cap_pct: int,
    bonus_cap: Decimal,
) -> Rules:
    """Store the year's rules (district staff only); the change goes to the audit log."""
    ensure_district(principal, "规则")
    _check_year(year)
    unknown = set(weights) - set(REGISTRY)
    if unknown:
        raise InvalidInput(f"没有“{sorted(unknown)[0]}”这个指标", field="weights")
    if any(not isinstance(w, int) or w < 0 for w in weights.values()):
        raise InvalidInput("权重应为不小于 0 的整数", field="weights")
    if not 1 <= sum(weights.values()) <= MAX_WEIGHT_TOTAL:
        raise InvalidInput(f"各项权重之和应在 1–{MAX_WEIGHT_TOTAL} 分之间", field="weights")
    if not MIN_CAP_PCT <= cap_pct <= MAX_CAP_PCT:
        raise InvalidInput(f"完成率上限应在 {MIN_CAP_PCT}%–{MAX_CAP_PCT}% 之间", field="cap")
    if not ZERO <= bonus_cap <= MAX_BONUS_CAP or bonus_cap != bonus_cap.quantize(TENTH):
        raise InvalidInput(
            f"加分上限应在 0–{MAX_BONUS_CAP} 分之间，最多 1 位小数", field="bonus_cap"
        )
    before = rules_for(session, year)
    values = {
        "weights": {code: weights.get(code, 0) for code in REGISTRY if weights.get(code, 0)},
        "completion_cap_pct": cap_pct,
        "bonus_cap": bonus_cap,
        "updated_by_user_id": principal.user_id,
    }
    row = session.scalar(select(ContestRules).where(ContestRules.year == year))
    if row is None:
        try:
            with session.begin_nested():
                row = ContestRules(year=year, **values)
                session.add(row)
                session.flush()
        except IntegrityError:
            # Someone set the year's first rules a moment ago: theirs are what this changes.
            raise Conflict(f"{year} 年的规则刚被他人保存，请刷新页面后再修改") from None
    else:
        for key, value in values.items():
            setattr(row, key, value)
        session.flush()
    after = rules_for(session, year)
    old, new = _rules_values(before), _rules_values(after)
    if old != new or not before.stored:
        audit.record(
            session,
            principal,
            "contest_rules",
            row.id,
            AuditAction.UPDATE if before.stored else AuditAction.CREATE,
            old=old if before.stored else None,
            new=new,
        )
    return after


# ---- bonus items ----------------------------------------------------------------------


def parse_points(text: str, bonus_cap: Decimal) -> Decimal:
    """Bonus points as typed: more than 0, at most the bonus cap, one decimal."""
    points = _tenths(text, field="points", label="加分")
    if points <= 0:
        raise InvalidInput("加分应大于 0", field="points")
    if points > bonus_cap:
        raise InvalidInput(
            f"单项加分不能超过本年度加分上限 {target_store.plain(bonus_cap)} 分", field="points"
        )
    return points


def clean_reason(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput("请填写加分事由", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"加分事由不能超过 {MAX_REASON} 字", field="reason")
    problem = text_problem(text, multiline=False)
    if problem:
        raise InvalidInput(f"加分事由{problem}", field="reason")
    return text


def add_bonus(
    session: Session,
    principal: Principal,
    *,
    year: int,
    quarter: int,
    town_id: int,
    points: Decimal,
    reason: str,
) -> ContestBonus:
    """Enter a bonus item (district staff only); audited."""
    ensure_district(principal, "加分项")
    _check_year(year)
    _check_quarter(quarter)
    if session.get(Town, town_id) is None:
        raise InvalidInput("没有这个区镇，请从列表中选择", field="town")
    rules = rules_for(session, year)
    if not ZERO < points <= rules.bonus_cap or points != points.quantize(TENTH):
        raise InvalidInput(
            f"加分应大于 0、不超过加分上限 {target_store.plain(rules.bonus_cap)} 分，最多 1 位小数",
            field="points",
        )
    reason = clean_reason(reason)
    row = ContestBonus(
        year=year,
        quarter=quarter,
        town_id=town_id,
        points=points,
        reason=reason,
        created_by_user_id=principal.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        principal,
        "contest_bonus",
        row.id,
        AuditAction.CREATE,
        new=_bonus_values(row),
    )
    return row


def _bonus_values(row: ContestBonus) -> dict[str, Any]:
    return {
        "year": row.year,
        "quarter": row.quarter,
        "town_id": row.town_id,
        "points": target_store.plain(Decimal(row.points)),
        "reason": row.reason,
    }


def delete_bonus(session: Session, principal: Principal, bonus_id: int) -> ContestBonus:
    """Remove a bonus item (district staff only); the removal is audited with its values."""
    ensure_district(principal, "加分项")
    row = session.get(ContestBonus, bonus_id)
    if row is None:
        raise NotFound("没有这条加分项，可能已被删除")
    old = _bonus_values(row)
    session.delete(row)
    session.flush()
    audit.record(session, principal, "contest_bonus", bonus_id, AuditAction.DELETE, old=old)
    return row


# ---- scores ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One indicator of one town's score."""

    code: str
    label: str
    unit: str
    weight: int
    target: Decimal | None
    ytd: Decimal
    schedule: Decimal | None
    # ytd ÷ schedule (None: no target, or nothing due), and as counted (capped).
    ratio: Decimal | None
    counted: Decimal | None
    points: Decimal
    status: str

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.code,
            "label": self.label,
            "unit": self.unit,
            "weight": self.weight,
            "target": service.num(self.target),
            "year_to_date": service.num(self.ytd),
            "schedule": service.num(self.schedule),
            "schedule_ratio": None if self.ratio is None else float(round(self.ratio, 4)),
            "counted_ratio": None if self.counted is None else float(round(self.counted, 4)),
            "points": float(self.points.quantize(CENT, rounding=ROUND_HALF_UP)),
            "status": self.status,
            "status_label": STATUS_LABEL[self.status],
        }


@dataclass
class TownScore:
    town_id: int
    town: str
    parts: list[Part]
    bonus_items: list[ContestBonus]
    bonus_cap: Decimal
    # May the asker see the breakdown (district staff: every town; town staff: their own)?
    visible: bool = True
    rank: int = 0

    @property
    def indicator_points(self) -> Decimal:
        return sum((p.points for p in self.parts), ZERO)

    @property
    def bonus_entered(self) -> Decimal:
        return sum((Decimal(b.points) for b in self.bonus_items), ZERO)

    @property
    def bonus_counted(self) -> Decimal:
        return min(self.bonus_entered, self.bonus_cap)

    @property
    def score(self) -> Decimal:
        """The total, to 2 decimals (the ranking compares these)."""
        return (self.indicator_points + self.bonus_counted).quantize(CENT, rounding=ROUND_HALF_UP)

    def part(self, code: str) -> Part | None:
        return next((p for p in self.parts if p.code == code), None)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rank": self.rank,
            "town_id": self.town_id,
            "town": self.town,
            "score": float(self.score),
            "indicator_points": None,
            "parts": None,
            "bonus": None,
        }
        if self.visible:
            out["indicator_points"] = float(
                self.indicator_points.quantize(CENT, rounding=ROUND_HALF_UP)
            )
            out["parts"] = [p.as_json() for p in self.parts]
            out["bonus"] = {
                "entered": service.num(self.bonus_entered),
                "counted": service.num(self.bonus_counted),
                "cap": service.num(self.bonus_cap),
                "items": [
                    {"id": b.id, "points": service.num(Decimal(b.points)), "reason": b.reason}
                    for b in self.bonus_items
                ],
            }
        return out


@dataclass
class Standing:
    year: int
    quarter: int
    rules: Rules
    towns: list[TownScore]
    data_as_of: str
    # The quarter has not ended yet: the scores are as of today.
    in_progress: bool
    district: bool

    @property
    def month(self) -> int:
        return self.quarter * 3

    @property
    def title(self) -> str:
        return f"{self.year}年第{self.quarter}季度产学研合作工作竞赛"

    def as_json(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "quarter": self.quarter,
            "month": self.month,
            "in_progress": self.in_progress,
            "data_as_of": self.data_as_of,
            "rules": self.rules.as_json(),
            "towns": [t.as_json() for t in self.towns],
        }


def quarter_for(year: int | None, quarter: int | None) -> tuple[int, int]:
    """Defaults as the dashboard's: this year; this quarter, a past year's 4th, a future's 1st."""
    today = clock.local_today()
    year = today.year if year is None else year
    _check_year(year)
    if quarter is None:
        if year == today.year:
            quarter = (today.month - 1) // 3 + 1
        else:
            quarter = 4 if year < today.year else 1
    _check_quarter(quarter)
    return year, quarter


def score_part(code: str, weight: int, figure: service.Figure, cap: Decimal) -> Part:
    """weight × min(cap, year to date ÷ schedule); no target: nothing."""
    indicator = REGISTRY[code]
    ratio: Decimal | None = None
    counted: Decimal | None = None
    if figure.target is None or figure.schedule is None:
        status, points = "no_target", ZERO
    elif figure.schedule <= 0:
        # A monthly split with nothing due by the quarter's end: met, not exceeded.
        status, counted = "nothing_due", Decimal(1)
        points = weight * counted
    else:
        status = "scored"
        ratio = figure.ytd / figure.schedule
        counted = max(ZERO, min(cap, ratio))
        points = weight * counted
    return Part(
        code=code,
        label=indicator.label,
        unit=indicator.unit,
        weight=weight,
        target=figure.target,
        ytd=figure.ytd,
        schedule=figure.schedule,
        ratio=ratio,
        counted=counted,
        points=points,
        status=status,
    )


def standing(
    session: Session,
    principal: Principal,
    *,
    year: int | None = None,
    quarter: int | None = None,
) -> Standing:
    """Every town's score for the quarter, best first; the asker sees whose breakdown."""
    require_staff(principal)
    year, quarter = quarter_for(year, quarter)
    # Staff only; town staff need a town (the dashboard's rules).
    asked = service.view_for(session, principal, year=year, month=quarter * 3)
    view = service.View(year=year, month=quarter * 3, scope=DISTRICT)
    rules = rules_for(session, year)
    monthly = service.all_monthly(session, view)
    town_targets = target_store.for_year(session, year)
    items: dict[int, list[ContestBonus]] = {}
    for b in session.scalars(
        select(ContestBonus)
        .where(ContestBonus.year == year, ContestBonus.quarter == quarter)
        .order_by(ContestBonus.created_at, ContestBonus.id)
    ):
        items.setdefault(b.town_id, []).append(b)
    zeros = [ZERO] * 24
    towns: list[TownScore] = []
    for position, (town_id, name) in enumerate(service.town_names(session).items()):
        parts = []
        for code in rules.weighted():
            f = service.figure(
                REGISTRY[code],
                view,
                monthly[code].get(town_id, zeros),
                town_targets.get((code, town_id)),
            )
            parts.append(score_part(code, rules.weights[code], f, rules.cap))
        score = TownScore(
            town_id=town_id,
            town=name,
            parts=parts,
            bonus_items=items.get(town_id, []),
            bonus_cap=rules.bonus_cap,
            visible=asked.covers(town_id),
            rank=position,  # the town's place in the list, until ranked below
        )
        towns.append(score)
    towns.sort(key=lambda t: (-t.score, t.rank))
    previous: Decimal | None = None
    for i, t in enumerate(towns, 1):
        # Equal scores share a rank (1, 1, 3).
        t.rank = towns[i - 2].rank if previous is not None and t.score == previous else i
        previous = t.score
    today = clock.local_today()
    return Standing(
        year=year,
        quarter=quarter,
        rules=rules,
        towns=towns,
        data_as_of=service.data_as_of(),
        in_progress=(year, quarter) >= (today.year, (today.month - 1) // 3 + 1),
        district=principal.scope.district,
    )


# ---- the workbook ---------------------------------------------------------------------


def _pct(value: Decimal | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _pts(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def _append(ws: Any, row: list[Any]) -> None:
    """Append a row; text that looks like a formula (a reason typed as "=…") stays text."""
    ws.append(row)
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def part_cell(part: Part | None) -> str | float:
    if part is None:
        return ""
    if part.status == "no_target":
        return STATUS_LABEL["no_target"]
    return _pts(part.points)


def xlsx_bytes(standing: Standing) -> bytes:
    """The ranking, each visible town's breakdown and the bonus items, as a workbook."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "竞赛排名"
    weighted = standing.rules.weighted()
    _append(ws, [standing.title, f"数据截至 {standing.data_as_of}（北京时间）"])
    ws["A1"].font = Font(bold=True, size=14)
    _append(
        ws,
        [
            f"计分规则：各指标得分 = 权重 × 序时完成率（最高按 {standing.rules.cap_pct}% 计）；"
            f"未设目标的指标不得分；加分最多计 {target_store.plain(standing.rules.bonus_cap)} 分"
        ],
    )
    head = ["排名", "区镇", "总得分", "指标得分", "加分（录入）", "加分（计入）"]
    head += [f"{REGISTRY[c].label}（{standing.rules.weights[c]}分）" for c in weighted]
    _append(ws, head)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for t in standing.towns:
        row: list[Any] = [t.rank, t.town, float(t.score)]
        if t.visible:
            row += [_pts(t.indicator_points), float(t.bonus_entered), float(t.bonus_counted)]
            row += [part_cell(t.part(c)) for c in weighted]
        _append(ws, row)
    ws.column_dimensions["B"].width = 16
    detail = wb.create_sheet("得分明细")
    _append(
        detail,
        [
            "区镇",
            "指标",
            "单位",
            "权重（分）",
            "年度目标",
            "累计完成",
            "序时目标",
            "序时完成率",
            "计分完成率",
            "得分",
            "说明",
        ],
    )
    for t in standing.towns:
        if not t.visible:
            continue
        for p in t.parts:
            _append(
                detail,
                [
                    t.town,
                    p.label,
                    p.unit,
                    p.weight,
                    service.num(p.target) if p.target is not None else "",
                    service.num(p.ytd),
                    service.num(p.schedule) if p.schedule is not None else "",
                    _pct(p.ratio),
                    _pct(p.counted),
                    _pts(p.points),
                    STATUS_LABEL[p.status],
                ],
            )
    detail.column_dimensions["A"].width = 14
    detail.column_dimensions["B"].width = 18
    bonus = wb.create_sheet("加分项")
    _append(bonus, ["区镇", "加分", "加分事由"])
    for t in standing.towns:
        if not t.visible:
            continue
        for b in t.bonus_items:
            _append(bonus, [t.town, float(b.points), b.reason])
        if t.bonus_items:
            _append(
                bonus,
                [f"{t.town} 小计", float(t.bonus_entered), f"计入 {t.bonus_counted} 分"],
            )
    bonus.column_dimensions["C"].width = 60
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
