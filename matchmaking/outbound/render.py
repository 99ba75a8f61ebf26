"""Messages as Chinese text and HTML, from Jinja templates (``outbound/templates``).

Every message has one shape: a heading, paragraphs, sections of items (title, lines,
link) and at most one action link; the templates lay it out as HTML and as plain
text, and the same content is the robots' markdown. Links are paths on the site; in a
sent message each goes through a signed click link (``tokens.click_path``), and every
email ends with a one-click unsubscribe link for its kind of message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session

from matchmaking.enums import NotificationKind
from matchmaking.models import Delivery, Notification, User
from matchmaking.notifications.render import render as render_notification
from matchmaking.outbound import tokens
from matchmaking.outbound.channels import Message
from matchmaking.outbound.kinds import CATEGORY_OF, Category, Channel

TEMPLATES = Path(__file__).parent / "templates"
SUBJECT_PREFIX = "【产学研对接】"

_html = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_text = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=False, trim_blocks=True, lstrip_blocks=True
)

TITLES: dict[NotificationKind, str] = {
    NotificationKind.DOCKING_REQUESTED: "您收到一个对接申请",
    NotificationKind.DOCKING_UPDATED: "您的对接有新进展",
    NotificationKind.ORG_REGISTERED: "新单位注册待审核",
    NotificationKind.ORG_APPROVED: "单位审核已通过",
    NotificationKind.ORG_REJECTED: "单位审核未通过",
    NotificationKind.LOGIN_LOCKED: "账号安全提醒",
    NotificationKind.EVENT_INVITED: "活动邀请",
    NotificationKind.EVENT_PUBLISHED: "洽谈日程已发布",
    NotificationKind.EVENT_CANCELLED_MEETING: "洽谈取消",
    NotificationKind.MEETING_REQUESTED: "约见请求",
    NotificationKind.MEETING_REQUEST_ANSWERED: "约见请求已答复",
    NotificationKind.MEETING_REQUEST_WITHDRAWN: "约见请求已撤回",
    NotificationKind.EVENT_REFILLED: "新增一场洽谈",
    NotificationKind.VISIT_ASSIGNED: "巡诊安排",
    NotificationKind.VISIT_DECLINED: "专家谢绝巡诊",
    NotificationKind.VISIT_DIAGNOSED: "诊断记录已填写",
    NotificationKind.VISIT_CANCELLED: "巡诊取消",
    NotificationKind.CONTRACT_STEP: "技术合同认定登记进展",
}
MAX_TEXT = 2000


class Gone(Exception):
    """What the message was about no longer exists; it is not sent."""


@dataclass
class Item:
    title: str
    lines: list[str] = field(default_factory=list)
    path: str = ""
    href: str = ""


@dataclass
class Section:
    heading: str
    items: list[Item] = field(default_factory=list)


@dataclass
class Content:
    subject: str
    heading: str
    category: Category
    greeting: str = ""
    paragraphs: list[str] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    action_label: str = ""
    action_path: str = ""

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["category"] = self.category.value
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Content:
        return cls(
            subject=str(data["subject"]),
            heading=str(data["heading"]),
            category=Category(data["category"]),
            greeting=str(data.get("greeting", "")),
            paragraphs=[str(p) for p in data.get("paragraphs", [])],
            sections=[
                Section(
                    heading=str(s["heading"]),
                    items=[
                        Item(
                            title=str(i["title"]),
                            lines=[str(x) for x in i.get("lines", [])],
                            path=str(i.get("path", "")),
                        )
                        for i in s.get("items", [])
                    ],
                )
                for s in data.get("sections", [])
            ],
            action_label=str(data.get("action_label", "")),
            action_path=str(data.get("action_path", "")),
        )


def notification_title(kind: NotificationKind) -> str:
    return TITLES.get(kind, "您有一条新通知")


def notification_text(note: Notification) -> str:
    return render_notification(note.kind, note.payload)


def _clean(text: str) -> str:
    """No control characters (a header or a robot's markdown must stay one message)."""
    kept = "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)
    return kept[:MAX_TEXT]


def notification_content(note: Notification, user: User | None) -> Content:
    try:
        kind = NotificationKind(note.kind)
    except ValueError:
        kind = NotificationKind.LEGACY
    return Content(
        subject=SUBJECT_PREFIX + notification_title(kind),
        heading=notification_title(kind),
        category=CATEGORY_OF.get(kind, Category.ACCOUNT),
        greeting=f"{user.display_name or user.username}，您好：" if user else "",
        paragraphs=[notification_text(note)],
        action_label="在平台上查看" if note.link else "",
        action_path=note.link or "",
    )


def content_of(session: Session, row: Delivery) -> Content:
    if row.notification_id is not None:
        note = session.get(Notification, row.notification_id)
        if note is None:
            raise Gone("通知已不存在")
        user = session.get(User, row.user_id) if row.user_id else None
        return notification_content(note, user)
    if "subject" in row.payload:
        return Content.from_payload(row.payload)
    # A robot's copy of a notification.
    return Content(
        subject=SUBJECT_PREFIX + row.title,
        heading=row.title,
        category=Category(row.category or Category.ACCOUNT.value),
        paragraphs=[str(row.payload.get("text", ""))],
        action_label="在平台上查看",
        action_path=str(row.payload.get("link", "")),
    )


Linker = Callable[[str], str]


def plain_link(path: str) -> str:
    return tokens.absolute(path) if tokens.safe_path(path) else ""


def render_parts(
    content: Content, linker: Linker = plain_link, *, user_id: int | None = None
) -> tuple[str, str, str]:
    """(plain text, HTML, markdown) of a message."""
    view: dict[str, Any] = {
        "subject": _clean(content.subject),
        "heading": _clean(content.heading),
        "greeting": _clean(content.greeting),
        "paragraphs": [_clean(p) for p in content.paragraphs],
        "sections": [
            {
                "heading": _clean(s.heading),
                "items": [
                    {
                        "title": _clean(i.title),
                        "lines": [_clean(x) for x in i.lines],
                        "href": linker(i.path) if i.path else "",
                    }
                    for i in s.items
                ],
            }
            for s in content.sections
        ],
        "action": (
            {"label": content.action_label, "href": linker(content.action_path)}
            if content.action_path
            else None
        ),
        "category_label": content.category.label,
        "unsubscribe": (
            tokens.absolute(f"/unsubscribe/{tokens.unsubscribe_token(user_id, content.category)}")
            if user_id is not None
            else ""
        ),
        "preferences": tokens.absolute("/notifications/preferences") if user_id else "",
    }
    text = _text.get_template("message.txt").render(m=view)
    html = _html.get_template("message.html").render(m=view)
    return text, html, _markdown(view)


def _markdown(view: Mapping[str, Any]) -> str:
    lines = [f"### {view['heading']}"]
    lines += [str(p) for p in view["paragraphs"]]
    for section in view["sections"]:
        lines.append(f"**{section['heading']}**")
        for item in section["items"]:
            title = f"[{item['title']}]({item['href']})" if item["href"] else item["title"]
            lines.append(f"- {title}" + "".join(f"  \n  {x}" for x in item["lines"]))
    if view["action"]:
        lines.append(f"[{view['action']['label']}]({view['action']['href']})")
    return "\n\n".join(lines)[:4000]


def message(session: Session, row: Delivery) -> Message:
    """The message a send-log row stands for, its links signed for click counting."""
    content = content_of(session, row)

    def linker(path: str) -> str:
        return tokens.absolute(tokens.click_path(row.id, path))

    user_id = row.user_id if row.channel is Channel.EMAIL else None
    text, html, markdown = render_parts(content, linker, user_id=user_id)
    headers: dict[str, str] = {}
    if user_id is not None:
        unsubscribe = tokens.absolute(
            f"/unsubscribe/{tokens.unsubscribe_token(user_id, content.category)}"
        )
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return Message(
        to=row.address,
        subject=_clean(content.subject).replace("\n", " "),
        text=text,
        html=html,
        markdown=markdown,
        headers=headers,
    )
