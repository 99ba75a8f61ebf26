"""Controlled vocabularies, with the Chinese labels the pages and imports use."""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def parse(cls, raw: str) -> LabelledEnum:
        """Accept the code or the Chinese label ("hydrogen_storage" or "氢能与新型储能")."""
        text = raw.strip()
        for member in cls:
            if text in (member.value, member.label):
                return member
        allowed = "、".join(f"{m.label}({m.value})" for m in cls)
        raise ValueError(f"“{text}”不是有效取值，可选：{allowed}")


class OrgKind(LabelledEnum):
    ENTERPRISE = "enterprise", "企业"
    UNIVERSITY = "university", "高校"
    INSTITUTE = "institute", "科研院所"
    BUREAU = "bureau", "科技主管部门"
    INTERMEDIARY = "intermediary", "技术转移服务机构"


class IndustryField(LabelledEnum):
    SHIP_OFFSHORE = "ship_offshore", "船舶海工"
    BIOMEDICINE = "biomedicine", "生物医药与特医食品"
    IC_SEMICONDUCTOR = "ic_semiconductor", "集成电路与第三代半导体"
    NEW_MATERIALS = "new_materials", "新材料"
    HYDROGEN_STORAGE = "hydrogen_storage", "氢能与新型储能"
    NEV = "nev", "新能源汽车"
    INTELLIGENT_MANUFACTURING = "intelligent_manufacturing", "智能制造与工业机器人"
    TEXTILES = "textiles", "纺织与家纺"
    CONSTRUCTION = "construction", "建筑与绿色建材"
    SYNTHETIC_BIOLOGY = "synthetic_biology", "合成生物"
    CELL_GENE = "cell_gene", "细胞与基因技术"
    ELECTRONIC_INFO = "electronic_info", "电子信息"
    AI = "ai", "人工智能"


class CooperationMode(LabelledEnum):
    TRANSFER = "transfer", "技术转让"
    LICENSING = "licensing", "技术许可"
    JOINT_DEVELOPMENT = "joint_development", "合作开发"
    COMMISSIONED_DEVELOPMENT = "commissioned_development", "委托开发"
    CONSULTING = "consulting", "技术咨询"
    SERVICE = "service", "技术服务"
    JOINT_PLATFORM = "joint_platform", "共建平台"


class Maturity(LabelledEnum):
    LAB = "lab", "实验室"
    PILOT = "pilot", "小试"
    SCALEUP = "scaleup", "中试"
    INDUSTRIALIZED = "industrialized", "产业化"


class NeedStatus(LabelledEnum):
    OPEN = "open", "征集中"
    IN_DOCKING = "in_docking", "对接中"
    SOLVED = "solved", "已解决"
    CLOSED = "closed", "已关闭"


class ItemStatus(LabelledEnum):
    """Status of achievements, experts and organizations."""

    ACTIVE = "active", "已发布"
    CLOSED = "closed", "已关闭"


class EmbeddingStatus(LabelledEnum):
    PENDING = "pending", "待向量化"
    READY = "ready", "已向量化"
    FAILED = "failed", "向量化失败"


class Kind(StrEnum):
    """The three kinds of matchable items; also their URL segment and index name."""

    NEEDS = "needs"
    ACHIEVEMENTS = "achievements"
    EXPERTS = "experts"


# A need is recommendable while companies are still looking for a solution.
OPEN_NEED_STATUSES = (NeedStatus.OPEN, NeedStatus.IN_DOCKING)


class OrgStatus(LabelledEnum):
    PENDING = "pending", "待审核"
    ACTIVE = "active", "已发布"
    CLOSED = "closed", "已关闭"


class Role(LabelledEnum):
    ENTERPRISE = "enterprise", "企业用户"
    UNIVERSITY = "university", "高校院所用户"
    EXPERT = "expert", "专家"
    STAFF = "staff", "科技局工作人员"
    ADMIN = "admin", "管理员"


class DockingStatus(LabelledEnum):
    REQUESTED = "requested", "已申请"
    ACCEPTED = "accepted", "已接受"
    NEGOTIATING = "negotiating", "洽谈中"
    SIGNED = "signed", "已签约"
    DECLINED = "declined", "已婉拒"


class FeedbackReason(LabelledEnum):
    MISMATCH = "mismatch", "技术不对口"
    IMMATURE = "immature", "成熟度不够"
    PRICE = "price", "价格不合适"
    HAS_SOLUTION = "has_solution", "已有方案"
    OTHER = "other", "其他"
