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
        allowed = "、".join(m.label for m in cls)
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


class Kind(LabelledEnum):
    """The three kinds of matchable items; also their URL segment and index name."""

    NEEDS = "needs"
    ACHIEVEMENTS = "achievements"
    EXPERTS = "experts"


_labels(Kind, NEEDS="技术需求", ACHIEVEMENTS="科技成果", EXPERTS="专家")


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


class DockingBox(LabelledEnum):
    """Which dockings of mine: asked of my side, asked by my side, or both."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    ALL = "all"


_labels(DockingBox, INCOMING="收到的", OUTGOING="发出的", ALL="全部")


class DockingAction(LabelledEnum):
    """What a side (or staff in scope) may do to a docking."""

    ACCEPT = "accept"
    DECLINE = "decline"
    NEGOTIATE = "negotiate"
    SIGN = "sign"


_labels(DockingAction, ACCEPT="接受", DECLINE="婉拒", NEGOTIATE="进入洽谈", SIGN="签约")


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
    MEETING_REQUESTED = "meeting_requested"
    MEETING_REQUEST_ANSWERED = "meeting_request_answered"
    MEETING_REQUEST_WITHDRAWN = "meeting_request_withdrawn"
    # A meeting added on the day in a slot freed by a no-show (``events.refill``).
    EVENT_REFILLED = "event_refilled"
    VISIT_ASSIGNED = "visit_assigned"
    VISIT_DECLINED = "visit_declined"
    VISIT_DIAGNOSED = "visit_diagnosed"
    VISIT_CANCELLED = "visit_cancelled"
    # A technology contract's registration step that its parties act on (登记 / 未予登记 / 终止).
    CONTRACT_STEP = "contract_step"


# -- outcomes: cooperation agreements, technology contracts, payments ---------------


class Origin(LabelledEnum):
    """What started a docking, an agreement or a contract (for "value by origin")."""

    RECOMMENDATION = "recommendation"
    SEARCH = "search"
    EVENT = "event"
    VISIT = "visit"
    DIRECT = "direct"
    UNKNOWN = "unknown"


_labels(
    Origin,
    RECOMMENDATION="平台推荐",
    SEARCH="平台检索",
    EVENT="对接活动",
    VISIT="专家走访",
    DIRECT="直接录入",
    UNKNOWN="未知",
)


class AgreementKind(LabelledEnum):
    INTENT = "intent"
    FRAMEWORK = "framework"
    JOINT_PLATFORM = "joint_platform"
    PROJECT = "project"


_labels(
    AgreementKind,
    INTENT="意向书",
    FRAMEWORK="框架协议",
    JOINT_PLATFORM="共建平台",
    PROJECT="项目协议",
)


class AgreementStatus(LabelledEnum):
    SIGNED = "signed"
    PERFORMING = "performing"
    COMPLETED = "completed"
    TERMINATED = "terminated"


_labels(
    AgreementStatus,
    SIGNED="已签订",
    PERFORMING="履行中",
    COMPLETED="已完成",
    TERMINATED="已终止",
)


class ContractType(LabelledEnum):
    """技术合同类型 (民法典 §843: five types; 许可 was part of 转让 before 2021)."""

    DEVELOPMENT = "development"
    TRANSFER = "transfer"
    LICENSING = "licensing"
    CONSULTING = "consulting"
    SERVICE = "service"


_labels(
    ContractType,
    DEVELOPMENT="技术开发",
    TRANSFER="技术转让",
    LICENSING="技术许可",
    CONSULTING="技术咨询",
    SERVICE="技术服务",
)


class ContractSubtype(LabelledEnum):
    """子类; ``CONTRACT_SUBTYPES`` says which type each belongs to."""

    DEV_COMMISSIONED = "dev_commissioned"
    DEV_COOPERATIVE = "dev_cooperative"
    TRANSFER_PATENT = "transfer_patent"
    TRANSFER_PATENT_APPLICATION = "transfer_patent_application"
    TRANSFER_KNOW_HOW = "transfer_know_how"
    TRANSFER_OTHER = "transfer_other"
    LICENSE_EXCLUSIVE = "license_exclusive"
    LICENSE_SOLE = "license_sole"
    LICENSE_ORDINARY = "license_ordinary"
    CONSULTING = "consulting"
    SERVICE = "service"
    SERVICE_TRAINING = "service_training"
    SERVICE_INTERMEDIARY = "service_intermediary"


_labels(
    ContractSubtype,
    DEV_COMMISSIONED="委托开发",
    DEV_COOPERATIVE="合作开发",
    TRANSFER_PATENT="专利权转让",
    TRANSFER_PATENT_APPLICATION="专利申请权转让",
    TRANSFER_KNOW_HOW="技术秘密转让",
    TRANSFER_OTHER="其他技术转让",
    LICENSE_EXCLUSIVE="独占许可",
    LICENSE_SOLE="排他许可",
    LICENSE_ORDINARY="普通许可",
    CONSULTING="技术咨询",
    SERVICE="技术服务",
    SERVICE_TRAINING="技术培训",
    SERVICE_INTERMEDIARY="技术中介",
)

CONTRACT_SUBTYPES: dict[ContractType, tuple[ContractSubtype, ...]] = {
    ContractType.DEVELOPMENT: (ContractSubtype.DEV_COMMISSIONED, ContractSubtype.DEV_COOPERATIVE),
    ContractType.TRANSFER: (
        ContractSubtype.TRANSFER_PATENT,
        ContractSubtype.TRANSFER_PATENT_APPLICATION,
        ContractSubtype.TRANSFER_KNOW_HOW,
        ContractSubtype.TRANSFER_OTHER,
    ),
    ContractType.LICENSING: (
        ContractSubtype.LICENSE_EXCLUSIVE,
        ContractSubtype.LICENSE_SOLE,
        ContractSubtype.LICENSE_ORDINARY,
    ),
    ContractType.CONSULTING: (ContractSubtype.CONSULTING,),
    ContractType.SERVICE: (
        ContractSubtype.SERVICE,
        ContractSubtype.SERVICE_TRAINING,
        ContractSubtype.SERVICE_INTERMEDIARY,
    ),
}


class PartyNature(LabelledEnum):
    """买卖方性质: the 法人类型 code groups of form JJ-001 (code in the label)."""

    AGENCY = "agency"
    RESEARCH_INSTITUTE = "research_institute"
    UNIVERSITY = "university"
    MEDICAL = "medical"
    OTHER_PUBLIC = "other_public"
    SOCIAL_ORG = "social_org"
    ENTERPRISE = "enterprise"
    INDIVIDUAL = "individual"
    OTHER = "other"


_labels(
    PartyNature,
    AGENCY="机关法人",
    RESEARCH_INSTITUTE="科研机构",
    UNIVERSITY="高等院校",
    MEDICAL="医疗卫生机构",
    OTHER_PUBLIC="其他事业法人",
    SOCIAL_ORG="社团法人",
    ENTERPRISE="企业法人",
    INDIVIDUAL="自然人",
    OTHER="其他",
)


class TechField(LabelledEnum):
    """技术领域: the 11 national categories of the registration statistics."""

    ELECTRONIC_INFO = "electronic_info"
    ADVANCED_MANUFACTURING = "advanced_manufacturing"
    AEROSPACE = "aerospace"
    MODERN_TRANSPORT = "modern_transport"
    BIOMED_DEVICES = "biomed_devices"
    NEW_MATERIALS = "new_materials"
    NEW_ENERGY = "new_energy"
    ENVIRONMENT = "environment"
    NUCLEAR = "nuclear"
    AGRICULTURE = "agriculture"
    URBAN_SOCIAL = "urban_social"


_labels(
    TechField,
    ELECTRONIC_INFO="电子信息",
    ADVANCED_MANUFACTURING="先进制造",
    AEROSPACE="航空航天",
    MODERN_TRANSPORT="现代交通",
    BIOMED_DEVICES="生物医药和医疗器械",
    NEW_MATERIALS="新材料及其应用",
    NEW_ENERGY="新能源与高效节能",
    ENVIRONMENT="环境保护与资源综合利用",
    NUCLEAR="核应用技术",
    AGRICULTURE="农业技术",
    URBAN_SOCIAL="城市建设与社会发展",
)


class IpType(LabelledEnum):
    """知识产权类型 of the contract's subject."""

    INVENTION_PATENT = "invention_patent"
    UTILITY_PATENT = "utility_patent"
    DESIGN_PATENT = "design_patent"
    KNOW_HOW = "know_how"
    SOFTWARE = "software"
    IC_LAYOUT = "ic_layout"
    PLANT_VARIETY = "plant_variety"
    BIOMED_VARIETY = "biomed_variety"
    NONE = "none"


_labels(
    IpType,
    INVENTION_PATENT="发明专利",
    UTILITY_PATENT="实用新型专利",
    DESIGN_PATENT="外观设计专利",
    KNOW_HOW="技术秘密",
    SOFTWARE="计算机软件著作权",
    IC_LAYOUT="集成电路布图设计",
    PLANT_VARIETY="植物新品种",
    BIOMED_VARIETY="生物医药新品种",
    NONE="未涉及知识产权",
)


class ContractStatus(LabelledEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    SUBMITTED = "submitted"
    REGISTERED = "registered"
    NOT_REGISTERED = "not_registered"
    PERFORMING = "performing"
    COMPLETED = "completed"
    TERMINATED = "terminated"


_labels(
    ContractStatus,
    DRAFT="草稿",
    SIGNED="已签订",
    SUBMITTED="已提交登记",
    REGISTERED="已认定登记",
    NOT_REGISTERED="未予登记",
    PERFORMING="履行中",
    COMPLETED="已履行完毕",
    TERMINATED="已终止",
)

# Statuses of a contract in force after its registration. The counting rule for
# 成交额 / 技术交易额 / 登记项数 is ``outcomes.repository.REGISTERED``
# (``registered_on IS NOT NULL``): it also counts a registered contract terminated later.
REGISTERED_CONTRACT_STATUSES = (
    ContractStatus.REGISTERED,
    ContractStatus.PERFORMING,
    ContractStatus.COMPLETED,
)


class ContractAction(LabelledEnum):
    SIGN = "sign"
    SUBMIT = "submit"
    REGISTER = "register"
    REJECT = "reject"
    RESUBMIT = "resubmit"
    PERFORM = "perform"
    COMPLETE = "complete"
    TERMINATE = "terminate"


_labels(
    ContractAction,
    SIGN="签订",
    SUBMIT="提交认定登记",
    REGISTER="登记通过",
    REJECT="未予登记",
    RESUBMIT="补正后重新提交",
    PERFORM="开始履行",
    COMPLETE="履行完毕",
    TERMINATE="终止",
)


class NotRegisteredReason(LabelledEnum):
    """不予登记 reasons, from the registry's list (火炬中心 2021)."""

    INVALID = "invalid"
    NOT_TECHNICAL = "not_technical"
    UNCLEAR_TERMS = "unclear_terms"
    UNAPPROVED = "unapproved"
    NAME_MISMATCH = "name_mismatch"
    MONOPOLY = "monopoly"
    BAD_DOCUMENTS = "bad_documents"
    SEALS = "seals"


_labels(
    NotRegisteredReason,
    INVALID="合同无效或尚未生效",
    NOT_TECHNICAL="不属于技术合同",
    UNCLEAR_TERMS="主体、标的或价款约定不明",
    UNAPPROVED="需审批的事项未经审批",
    NAME_MISMATCH="合同名称与权利义务不一致且不予补正",
    MONOPOLY="含非法垄断技术或妨碍技术进步的条款",
    BAD_DOCUMENTS="证明文件不符合要求",
    SEALS="印章不齐或与合同主体名称不一致",
)


class ContractFlow(LabelledEnum):
    """流向, from the parties' region codes against the district's code."""

    OUTFLOW = "outflow"
    INFLOW = "inflow"
    LOCAL = "local"
    EXTERNAL = "external"


_labels(ContractFlow, OUTFLOW="输出", INFLOW="吸纳", LOCAL="区内", EXTERNAL="区外")


class AuditAction(LabelledEnum):
    CREATE = "create"
    UPDATE = "update"
    TRANSITION = "transition"
    DELETE = "delete"
    IMPORT = "import"


_labels(
    AuditAction,
    CREATE="新增",
    UPDATE="修改",
    TRANSITION="状态变更",
    DELETE="删除",
    IMPORT="导入",
)


class AttachmentOwner(LabelledEnum):
    """What an uploaded file belongs to."""

    AGREEMENT = "agreement"
    CONTRACT = "contract"
    PAYMENT = "payment"


_labels(AttachmentOwner, AGREEMENT="合作协议", CONTRACT="技术合同", PAYMENT="到账记录")


class AttachmentKind(LabelledEnum):
    """What an uploaded file is (合同文本/扫描件, 登记证明, 到账凭证, 其他)."""

    CONTRACT_TEXT = "contract_text"
    CERTIFICATE = "certificate"
    PAYMENT_PROOF = "payment_proof"
    OTHER = "other"


_labels(
    AttachmentKind,
    CONTRACT_TEXT="合同文本/扫描件",
    CERTIFICATE="登记证明",
    PAYMENT_PROOF="到账凭证",
    OTHER="其他",
)


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


class MeetingRequestStatus(LabelledEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


_labels(
    MeetingRequestStatus, PENDING="待答复", ACCEPTED="已接受", DECLINED="已婉拒", WITHDRAWN="已撤回"
)


class MeetingRequestAction(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    WITHDRAW = "withdraw"
    RESEND = "resend"


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
