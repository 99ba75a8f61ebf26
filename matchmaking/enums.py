"""Controlled vocabularies, with the Chinese labels the pages and imports use.

A vocabulary is a ``LabelledEnum``: its members are the codes stored in the database
(a member equals its code, ``NeedStatus.OPEN == "open"``), and ``member.label`` is the
Chinese label, from the table given to ``_labels`` right after the class.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

_LABELS: dict[type[StrEnum], dict[str, str]] = {}


class LabelledEnum(StrEnum):
    @property
    def label(self) -> str:
        """The Chinese label shown on pages, exports and imports."""
        return _LABELS[type(self)][self.value]

    @classmethod
    def parse(cls, raw: str) -> Self:
        """Accept the code or the Chinese label ("hydrogen_storage" or "氢能与新型储能")."""
        text = raw.strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        allowed = "、".join(f"{m.label}({m.value})" for m in cls)
        raise ValueError(f"“{text}”不是有效取值，可选：{allowed}")


def _labels(enum: type[LabelledEnum], **labels: str) -> None:
    """Give every member of ``enum`` its label, by member name (checked at import)."""
    names = {m.name for m in enum}
    if set(labels) != names:
        raise TypeError(f"{enum.__name__}: labels for {sorted(labels)} but members {sorted(names)}")
    _LABELS[enum] = {enum[name].value: label for name, label in labels.items()}


class OrgKind(LabelledEnum):
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    INSTITUTE = "institute"
    BUREAU = "bureau"
    INTERMEDIARY = "intermediary"


_labels(
    OrgKind,
    ENTERPRISE="企业",
    UNIVERSITY="高校",
    INSTITUTE="科研院所",
    BUREAU="科技主管部门",
    INTERMEDIARY="技术转移服务机构",
)


class IndustryField(LabelledEnum):
    SHIP_OFFSHORE = "ship_offshore"
    BIOMEDICINE = "biomedicine"
    IC_SEMICONDUCTOR = "ic_semiconductor"
    NEW_MATERIALS = "new_materials"
    HYDROGEN_STORAGE = "hydrogen_storage"
    NEV = "nev"
    INTELLIGENT_MANUFACTURING = "intelligent_manufacturing"
    TEXTILES = "textiles"
    CONSTRUCTION = "construction"
    SYNTHETIC_BIOLOGY = "synthetic_biology"
    CELL_GENE = "cell_gene"
    ELECTRONIC_INFO = "electronic_info"
    AI = "ai"


_labels(
    IndustryField,
    SHIP_OFFSHORE="船舶海工",
    BIOMEDICINE="生物医药与特医食品",
    IC_SEMICONDUCTOR="集成电路与第三代半导体",
    NEW_MATERIALS="新材料",
    HYDROGEN_STORAGE="氢能与新型储能",
    NEV="新能源汽车",
    INTELLIGENT_MANUFACTURING="智能制造与工业机器人",
    TEXTILES="纺织与家纺",
    CONSTRUCTION="建筑与绿色建材",
    SYNTHETIC_BIOLOGY="合成生物",
    CELL_GENE="细胞与基因技术",
    ELECTRONIC_INFO="电子信息",
    AI="人工智能",
)


class CooperationMode(LabelledEnum):
    TRANSFER = "transfer"
    LICENSING = "licensing"
    JOINT_DEVELOPMENT = "joint_development"
    COMMISSIONED_DEVELOPMENT = "commissioned_development"
    CONSULTING = "consulting"
    SERVICE = "service"
    JOINT_PLATFORM = "joint_platform"


_labels(
    CooperationMode,
    TRANSFER="技术转让",
    LICENSING="技术许可",
    JOINT_DEVELOPMENT="合作开发",
    COMMISSIONED_DEVELOPMENT="委托开发",
    CONSULTING="技术咨询",
    SERVICE="技术服务",
    JOINT_PLATFORM="共建平台",
)


class Maturity(LabelledEnum):
    LAB = "lab"
    PILOT = "pilot"
    SCALEUP = "scaleup"
    INDUSTRIALIZED = "industrialized"


_labels(Maturity, LAB="实验室", PILOT="小试", SCALEUP="中试", INDUSTRIALIZED="产业化")


class NeedStatus(LabelledEnum):
    OPEN = "open"
    IN_DOCKING = "in_docking"
    SOLVED = "solved"
    CLOSED = "closed"


_labels(NeedStatus, OPEN="征集中", IN_DOCKING="对接中", SOLVED="已解决", CLOSED="已关闭")


class ItemStatus(LabelledEnum):
    """Status of achievements, experts and organizations."""

    ACTIVE = "active"
    CLOSED = "closed"


_labels(ItemStatus, ACTIVE="已发布", CLOSED="已关闭")


class EmbeddingStatus(LabelledEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


_labels(EmbeddingStatus, PENDING="待向量化", READY="已向量化", FAILED="向量化失败")


class Kind(StrEnum):
    """The three kinds of matchable items; also their URL segment and index name."""

    NEEDS = "needs"
    ACHIEVEMENTS = "achievements"
    EXPERTS = "experts"


# A need is recommendable while companies are still looking for a solution.
OPEN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_DOCKING)


class OrgStatus(LabelledEnum):
    PENDING = "pending"
    ACTIVE = "active"
    CLOSED = "closed"


_labels(OrgStatus, PENDING="待审核", ACTIVE="已发布", CLOSED="已关闭")


class Role(LabelledEnum):
    ENTERPRISE = "enterprise"
    UNIVERSITY = "university"
    EXPERT = "expert"
    STAFF = "staff"
    ADMIN = "admin"


_labels(
    Role,
    ENTERPRISE="企业用户",
    UNIVERSITY="高校院所用户",
    EXPERT="专家",
    STAFF="科技局工作人员",
    ADMIN="管理员",
)


class DockingStatus(LabelledEnum):
    REQUESTED = "requested"
    ACCEPTED = "accepted"
    NEGOTIATING = "negotiating"
    SIGNED = "signed"
    DECLINED = "declined"


_labels(
    DockingStatus,
    REQUESTED="已申请",
    ACCEPTED="已接受",
    NEGOTIATING="洽谈中",
    SIGNED="已签约",
    DECLINED="已婉拒",
)


class FeedbackReason(LabelledEnum):
    MISMATCH = "mismatch"
    IMMATURE = "immature"
    PRICE = "price"
    HAS_SOLUTION = "has_solution"
    OTHER = "other"


_labels(
    FeedbackReason,
    MISMATCH="技术不对口",
    IMMATURE="成熟度不够",
    PRICE="价格不合适",
    HAS_SOLUTION="已有方案",
    OTHER="其他",
)


class NotificationKind(StrEnum):
    """What a notification is about; ``notifications/render.py`` has one function per kind."""

    # Written before notifications were structured: the payload holds the finished text.
    LEGACY = "legacy"
    DOCKING_REQUESTED = "docking_requested"
    DOCKING_UPDATED = "docking_updated"
    ORG_REGISTERED = "org_registered"
    ORG_APPROVED = "org_approved"
    ORG_REJECTED = "org_rejected"
    LOGIN_LOCKED = "login_locked"
    EVENT_INVITED = "event_invited"
    EVENT_PUBLISHED = "event_published"
    EVENT_CANCELLED_MEETING = "event_cancelled_meeting"


# -- matchmaking events (产学研对接会) ------------------------------------------------
class EventKind(LabelledEnum):
    BY_INDUSTRY = "by_industry"
    BY_UNIVERSITY = "by_university"
    ROADSHOW = "roadshow"
    LAUNCH = "launch"


_labels(
    EventKind,
    BY_INDUSTRY="专场对接会（按产业）",
    BY_UNIVERSITY="专场对接会（按高校）",
    ROADSHOW="路演",
    LAUNCH="成果发布会",
)


class EventStatus(LabelledEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    HELD = "held"
    ARCHIVED = "archived"


_labels(
    EventStatus, DRAFT="草稿", OPEN="报名中", CLOSED="报名截止", HELD="已举办", ARCHIVED="已归档"
)


class EventAction(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    REOPEN = "reopen"
    HOLD = "hold"
    ARCHIVE = "archive"


class RegistrationStatus(LabelledEnum):
    INVITED = "invited"
    REGISTERED = "registered"
    CANCELLED = "cancelled"


_labels(RegistrationStatus, INVITED="已邀请", REGISTERED="已报名", CANCELLED="已取消")


class WishLevel(LabelledEnum):
    MUST = "must"
    WANT = "want"
    NO = "no"


_labels(WishLevel, MUST="必见", WANT="想见", NO="不见")


class RunStatus(LabelledEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


_labels(
    RunStatus, QUEUED="排队中", RUNNING="计算中", DONE="已完成", FAILED="失败", CANCELLED="已取消"
)


class MeetingOutcome(LabelledEnum):
    HELD = "held"
    NO_SHOW = "no_show"
    FOLLOW_UP = "follow_up"
    INTENT = "intent"


_labels(
    MeetingOutcome, HELD="已洽谈", NO_SHOW="对方未到", FOLLOW_UP="希望跟进", INTENT="达成合作意向"
)
