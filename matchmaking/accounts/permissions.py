"""The one permission layer: pages and the JSON API ask the same questions here.

Deny by default: every function answers for the roles it names and refuses the
rest. Services call ``ensure_*``, which raise ``Unauthorized`` (not logged in) or
``Forbidden`` (logged in, not allowed) with a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from matchmaking.enums import OPEN_NEED_STATUSES, DockingStatus, ItemStatus, Kind, OrgStatus, Role
from matchmaking.exceptions import Forbidden, Unauthorized
from matchmaking.models import Docking, Expert, Organization, User

S = TypeVar("S", bound=Select[Any])

# Dockings in these states let both sides see each other's contact details.
CONTACT_STATES = (
    DockingStatus.ACCEPTED.value,
    DockingStatus.NEGOTIATING.value,
    DockingStatus.SIGNED.value,
)
KIND_NOUN = {Kind.NEEDS: "技术需求", Kind.ACHIEVEMENTS: "科技成果", Kind.EXPERTS: "专家信息"}


@dataclass(frozen=True)
class Scope:
    """The organizations a principal oversees: none, one town, or the whole district.

    The one definition of the town rule: ``allows`` answers for a loaded row,
    ``clause``/``where`` give the same answer as SQL over a town id column.
    """

    district: bool = False
    town_id: int | None = None
    # The town's name, for headings and messages ("" for the district or nothing).
    town: str = ""

    def allows(self, org: Organization | None) -> bool:
        """May rows of this organization be overseen?"""
        if org is None:
            return False
        return self.covers(org.town_id)

    def covers(self, town_id: int | None) -> bool:
        """Does this scope include organizations of ``town_id`` (None: no town)?"""
        return self.district or (self.town_id is not None and town_id == self.town_id)

    def clause(
        self, town_column: InstrumentedAttribute[int | None] = Organization.town_id
    ) -> ColumnElement[bool]:
        """The same rule as SQL, over an organization's town id column."""
        if self.district:
            return true()
        if self.town_id is None:
            return false()
        return town_column == self.town_id

    def where(
        self, stmt: S, town_column: InstrumentedAttribute[int | None] = Organization.town_id
    ) -> S:
        """``stmt`` limited to this scope (unchanged for the whole district)."""
        return stmt if self.district else stmt.where(self.clause(town_column))

    def narrow(self, town: str | None) -> str | None:
        """A town filter (by name) kept inside this scope: a town scope refuses another town."""
        if self.district:
            return town
        if town and town != self.town:
            raise Forbidden(f"只能查看或导出您负责的区镇（{self.town}）的内容")
        return self.town or None

    @staticmethod
    def staff_covering(town_id: int | None) -> ColumnElement[bool]:
        """Staff whose scope includes an organization of ``town_id`` (over ``users``)."""
        if town_id is None:
            return User.town_id.is_(None)
        return or_(User.town_id.is_(None), User.town_id == town_id)


NOWHERE = Scope()
DISTRICT = Scope(district=True)


@dataclass(frozen=True)
class Principal:
    """Who is asking: a logged-in user (by session cookie or API token) or nobody."""

    user_id: int | None = None
    role: Role | None = None
    org_id: int | None = None
    expert_id: int | None = None
    # Staff scope: None = the whole district, else one town (its name for display).
    town_id: int | None = None
    town: str = ""
    name: str = ""
    # The user's organization registered itself and awaits the bureau's approval.
    org_pending: bool = False

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_staff(self) -> bool:
        """Bureau staff or administrator."""
        return self.role in (Role.STAFF, Role.ADMIN)

    @property
    def scope(self) -> Scope:
        """What this user oversees: administrators and district staff everything,
        town staff their town, everyone else nothing."""
        if self.is_admin or (self.role is Role.STAFF and self.town_id is None):
            return DISTRICT
        if self.role is Role.STAFF:
            return Scope(town_id=self.town_id, town=self.town)
        return NOWHERE


ANONYMOUS = Principal()


def require_login(p: Principal) -> None:
    if not p.is_authenticated:
        raise Unauthorized("请先登录")


def require_staff(p: Principal) -> None:
    require_login(p)
    if not p.is_staff:
        raise Forbidden("只有科技局工作人员可以查看此页面或进行此操作")


def require_admin(p: Principal) -> None:
    require_login(p)
    if not p.is_admin:
        raise Forbidden("只有系统管理员可以进行此操作")


def editable_kinds(p: Principal) -> tuple[Kind, ...]:
    """The kinds of item this user can create or edit for their own organization."""
    if p.role is Role.ENTERPRISE:
        return (Kind.NEEDS,)
    if p.role is Role.UNIVERSITY:
        return (Kind.ACHIEVEMENTS, Kind.EXPERTS)
    if p.role is Role.EXPERT:
        return (Kind.EXPERTS,)
    if p.is_staff:
        return (Kind.NEEDS, Kind.ACHIEVEMENTS, Kind.EXPERTS)
    return ()


def can_edit(p: Principal, kind: Kind, item: Any) -> bool:
    """Enterprises their needs, universities their achievements and experts, experts themselves."""
    if not p.is_authenticated:
        return False
    if p.is_staff:
        return p.scope.allows(item.org)
    if p.role is Role.EXPERT:
        return kind is Kind.EXPERTS and item.id == p.expert_id
    return kind in editable_kinds(p) and item.org_id == p.org_id


def ensure_can_edit(p: Principal, kind: Kind, item: Any) -> None:
    require_login(p)
    if not can_edit(p, kind, item):
        if p.is_staff:
            raise Forbidden(f"该{KIND_NOUN[kind]}不在您负责的区镇范围内")
        raise Forbidden(f"只能修改本单位的{KIND_NOUN[kind]}")


def ensure_can_create(p: Principal, kind: Kind, org: Organization) -> None:
    require_login(p)
    if p.is_staff:
        if not p.scope.allows(org):
            raise Forbidden(f"“{org.name}”不在您负责的区镇范围内")
        return
    if kind not in editable_kinds(p) or p.role is Role.EXPERT:
        raise Forbidden(f"{p.role.label if p.role else '访客'}不能发布{KIND_NOUN[kind]}")
    if org.id != p.org_id:
        raise Forbidden(f"只能为本单位发布{KIND_NOUN[kind]}")


def is_published(kind: Kind, item: Any) -> bool:
    """Shown to everyone: open (needs) or active, of an approved organization."""
    statuses = OPEN_NEED_STATUSES if kind is Kind.NEEDS else (ItemStatus.ACTIVE,)
    return item.status in statuses and item.org.status == OrgStatus.ACTIVE.value


def can_view(p: Principal, kind: Kind, item: Any) -> bool:
    """Everyone sees published items; owners and staff in scope also see the rest."""
    return is_published(kind, item) or can_edit(p, kind, item) or p.scope.allows(item.org)


def ensure_can_view(p: Principal, kind: Kind, item: Any) -> None:
    if not can_view(p, kind, item):
        if not p.is_authenticated:
            raise Unauthorized(f"该{KIND_NOUN[kind]}尚未发布，请登录后查看")
        raise Forbidden(f"该{KIND_NOUN[kind]}尚未发布，只有发布单位和科技局可以查看")


def ensure_can_list_unpublished(p: Principal, org_id: int | None) -> ColumnElement[bool]:
    """Closed and unpublished items are listed only for their organization and staff.

    Returns the organizations (a clause over ``organizations``) whose unpublished rows
    ``p`` may list: staff their scope, everyone else their own organization.
    """
    require_login(p)
    if p.is_staff:
        return p.scope.clause()
    if org_id is not None and org_id == p.org_id:
        return Organization.id == org_id
    raise Forbidden("只能查看本单位未发布或已关闭的条目；请按本单位筛选（org_id）")


def ensure_can_create_org(p: Principal, town_id: int | None) -> None:
    """Staff add organizations, town staff only in their own town."""
    require_staff(p)
    if not p.scope.covers(town_id):
        raise Forbidden(f"只能在您负责的区镇（{p.scope.town}）添加单位", field="town")


def own_org_ids(session: Session, p: Principal) -> set[int]:
    """The organizations whose side this user speaks for (an expert: their institution)."""
    ids = {p.org_id} if p.org_id is not None else set()
    if p.expert_id is not None:
        org_id = session.scalar(select(Expert.org_id).where(Expert.id == p.expert_id))
        if org_id is not None:
            ids.add(org_id)
    return ids


def can_see_contacts(session: Session, p: Principal, org: Organization) -> bool:
    """Contact details: own organization, staff in scope, or after an accepted docking."""
    if not p.is_authenticated:
        return False
    if p.scope.allows(org):
        return True
    mine = own_org_ids(session, p)
    if org.id in mine:
        return True
    if not mine:
        return False
    pair = or_(
        (Docking.requester_org_id.in_(mine)) & (Docking.responder_org_id == org.id),
        (Docking.responder_org_id.in_(mine)) & (Docking.requester_org_id == org.id),
    )
    stmt = select(Docking.id).where(pair, Docking.status.in_(CONTACT_STATES)).limit(1)
    return session.scalar(stmt) is not None


def can_manage_org(p: Principal, org: Organization) -> bool:
    """Change an organization's profile: its own users, or staff in scope."""
    if not p.is_authenticated:
        return False
    if p.scope.allows(org):
        return True
    return p.role in (Role.ENTERPRISE, Role.UNIVERSITY) and p.org_id == org.id


def ensure_can_manage_org(p: Principal, org: Organization, *, status_change: bool) -> None:
    require_login(p)
    if status_change:
        if not p.scope.allows(org):
            raise Forbidden("只有科技局工作人员可以审核、启用或关闭单位")
        return
    if not can_manage_org(p, org):
        raise Forbidden("只能修改本单位的信息")


def import_org_id(p: Principal, kind: Kind) -> int | None:
    """For an import: None = rows name their organization (staff); else the forced own org."""
    require_login(p)
    if p.is_staff:
        return None
    if kind not in editable_kinds(p) or p.role is Role.EXPERT or p.org_id is None:
        raise Forbidden(f"{p.role.label if p.role else '访客'}不能导入{KIND_NOUN[kind]}")
    if p.org_pending:
        # A self-registered account uploads nothing until the bureau knows who it is:
        # parsing a workbook is the costliest thing a request can ask for.
        raise Forbidden("您的单位尚在审核中，审核通过后才能上传和导入文件")
    return p.org_id


def export_scope(
    p: Principal, *, contacts: bool, unpublished: bool, town: str | None
) -> str | None:
    """Check an export's options; returns the town filter to apply.

    Published items are public: any logged-in user may export them. Contact details
    and unpublished or closed items are for staff only, within their town scope.
    """
    require_login(p)
    if not (contacts or unpublished):
        return town
    if not p.is_staff:
        raise Forbidden("只有科技局工作人员可以导出联系方式或未公开的条目")
    return p.scope.narrow(town)


def may_import(p: Principal) -> bool:
    """Bulk import of at least one kind: staff, and organizations for their own items."""
    if p.is_staff:
        return True
    return p.org_id is not None and p.role is not Role.EXPERT and bool(editable_kinds(p))


def menu(p: Principal) -> list[tuple[str, str]]:
    """The main menu: (path, label) of the pages this user may use, in order."""
    entries = [("/search", "检索")]
    own = () if p.is_staff else editable_kinds(p)
    if Kind.NEEDS in own and p.org_id is not None:
        entries += [("/my/needs", "我的需求"), ("/needs/new", "发布需求")]
    if Kind.ACHIEVEMENTS in own and p.org_id is not None:
        entries += [
            ("/my/achievements", "我的成果"),
            ("/achievements/new", "发布成果"),
            ("/my/experts", "本单位专家"),
        ]
    if own == (Kind.EXPERTS,):
        entries.append(("/my/profile", "我的专家信息"))
    if p.is_staff:
        entries += [
            ("/staff/needs", "需求管理"),
            ("/staff/achievements", "成果管理"),
            ("/staff/organizations", "单位审核"),
            ("/staff/board", "对接看板"),
            ("/staff/deliveries", "消息发送"),
            ("/dashboard", "考核看板"),
            ("/reports", "月度通报"),
            ("/contest", "季度竞赛"),
        ]
    if p.is_admin:
        entries.append(("/admin/towns", "区镇管理"))
    if p.is_authenticated:
        entries.append(("/dockings", "对接"))
        entries.append(("/events", "对接活动"))
        entries.append(("/visits", "专家巡诊"))
    if p.is_staff or (p.org_id is not None and p.role in (Role.ENTERPRISE, Role.UNIVERSITY)):
        entries += [("/agreements", "合作协议"), ("/contracts", "技术合同")]
    if p.is_admin:
        entries.append(("/admin/audit", "操作日志"))
    if may_import(p):
        entries.append(("/transfer", "导入导出"))
    return entries
