"""The kinds of outbound message a user chooses a frequency for, and delivery states."""

from __future__ import annotations

from matchmaking.enums import LabelledEnum, NotificationKind, _labels


class Category(LabelledEnum):
    """A kind of message, as users choose how often they hear of it."""

    DOCKING = "docking"
    EVENTS = "events"
    VISITS = "visits"
    CONTRACTS = "contracts"
    ACCOUNT = "account"
    REMINDERS = "reminders"
    DIGEST = "digest"


_labels(
    Category,
    DOCKING="对接申请与答复",
    EVENTS="活动邀请、日程与洽谈",
    VISITS="专家巡诊安排",
    CONTRACTS="合作协议与技术合同",
    ACCOUNT="账号与单位审核",
    REMINDERS="待办提醒",
    DIGEST="科技成果直通车（每周精选）",
)


class Frequency(LabelledEnum):
    INSTANT = "instant"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


_labels(Frequency, INSTANT="即时", DAILY="每日汇总", WEEKLY="每周汇总", OFF="不接收")

# What a user gets before choosing anything.
DEFAULTS: dict[Category, Frequency] = {
    Category.DOCKING: Frequency.INSTANT,
    Category.EVENTS: Frequency.INSTANT,
    Category.VISITS: Frequency.INSTANT,
    Category.CONTRACTS: Frequency.INSTANT,
    Category.ACCOUNT: Frequency.INSTANT,
    Category.REMINDERS: Frequency.INSTANT,
    Category.DIGEST: Frequency.WEEKLY,
}

# The digest is weekly or nothing.
CHOICES: dict[Category, tuple[Frequency, ...]] = {
    c: (Frequency.WEEKLY, Frequency.OFF) if c is Category.DIGEST else tuple(Frequency)
    for c in Category
}

# Which category an in-app notification's email belongs to.
CATEGORY_OF: dict[NotificationKind, Category] = {
    NotificationKind.LEGACY: Category.ACCOUNT,
    NotificationKind.DOCKING_REQUESTED: Category.DOCKING,
    NotificationKind.DOCKING_UPDATED: Category.DOCKING,
    NotificationKind.ORG_REGISTERED: Category.ACCOUNT,
    NotificationKind.ORG_APPROVED: Category.ACCOUNT,
    NotificationKind.ORG_REJECTED: Category.ACCOUNT,
    NotificationKind.LOGIN_LOCKED: Category.ACCOUNT,
    NotificationKind.EVENT_INVITED: Category.EVENTS,
    NotificationKind.EVENT_PUBLISHED: Category.EVENTS,
    NotificationKind.EVENT_CANCELLED_MEETING: Category.EVENTS,
    NotificationKind.MEETING_REQUESTED: Category.EVENTS,
    NotificationKind.MEETING_REQUEST_ANSWERED: Category.EVENTS,
    NotificationKind.MEETING_REQUEST_WITHDRAWN: Category.EVENTS,
    NotificationKind.EVENT_REFILLED: Category.EVENTS,
    NotificationKind.VISIT_ASSIGNED: Category.VISITS,
    NotificationKind.VISIT_DECLINED: Category.VISITS,
    NotificationKind.VISIT_DIAGNOSED: Category.VISITS,
    NotificationKind.VISIT_CANCELLED: Category.VISITS,
    NotificationKind.CONTRACT_STEP: Category.CONTRACTS,
}

# Sent even in quiet hours (22:00–08:00): the account may be under attack, a meeting
# on the day has moved.
URGENT: frozenset[NotificationKind] = frozenset(
    {
        NotificationKind.LOGIN_LOCKED,
        NotificationKind.EVENT_REFILLED,
        NotificationKind.EVENT_CANCELLED_MEETING,
    }
)


class DeliveryStatus(LabelledEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"
    HELD = "held"


_labels(
    DeliveryStatus,
    QUEUED="待发送",
    SENDING="发送中",
    SENT="已发送",
    FAILED="发送失败",
    SKIPPED="未发送",
    HELD="待汇总",
)


class Channel(LabelledEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


_labels(Channel, EMAIL="电子邮件", WEBHOOK="群机器人")
