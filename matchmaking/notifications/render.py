"""Notifications as Chinese text, made when they are shown: one function per kind.

A notification stores its kind and a payload (names as they were when it was sent);
the wording lives here, so it can change without touching stored rows. To add a kind:
one ``NotificationKind`` member and one ``@renders(kind)`` function below
(``tests/notifications`` fails if a kind has none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from matchmaking.common.validation import KIND_NOUNS
from matchmaking.enums import DockingStatus, NotificationKind

Payload = Mapping[str, Any]
Renderer = Callable[[Payload], str]

# What is shown when a kind is unknown to this version or its payload is incomplete.
FALLBACK = "您有一条新通知"
MAX_LENGTH = 500

# The step a docking took, as a phrase ("…接受对接：…"); also the docking history's labels.
DOCKING_STEPS = {
    DockingStatus.ACCEPTED: "接受对接",
    DockingStatus.NEGOTIATING: "进入洽谈",
    DockingStatus.SIGNED: "签署合作协议",
    DockingStatus.DECLINED: "婉拒对接",
}

RENDERERS: dict[NotificationKind, Renderer] = {}


def renders(kind: NotificationKind) -> Callable[[Renderer], Renderer]:
    """Register the function that words notifications of ``kind``."""

    def register(fn: Renderer) -> Renderer:
        RENDERERS[kind] = fn
        return fn

    return register


def render(kind: str, payload: Payload | None) -> str:
    """The Chinese text of a notification; never fails (unknown kind: a generic notice)."""
    try:
        fn = RENDERERS[NotificationKind(kind)]
    except (ValueError, KeyError):
        return FALLBACK
    try:
        text = fn(payload or {})
    except (KeyError, TypeError, ValueError, AttributeError):
        return FALLBACK
    return text[:MAX_LENGTH]


@renders(NotificationKind.LEGACY)
def _legacy(p: Payload) -> str:
    return str(p["text"])


def _pair(p: Payload) -> str:
    noun = KIND_NOUNS[p["target_kind"]]
    return f"需求“{p['need_title']}”与{noun}“{p['target_title']}”"


@renders(NotificationKind.DOCKING_REQUESTED)
def _docking_requested(p: Payload) -> str:
    return f"{p['actor']}申请对接：{_pair(p)}"


@renders(NotificationKind.DOCKING_UPDATED)
def _docking_updated(p: Payload) -> str:
    note = p.get("note") or ""
    step = DOCKING_STEPS[DockingStatus(p["status"])]
    return f"{p['actor']}{step}：{_pair(p)}" + (f"。{note}" if note else "")


@renders(NotificationKind.ORG_REGISTERED)
def _org_registered(p: Payload) -> str:
    return f"新单位“{p['org_name']}”注册，等待审核"


@renders(NotificationKind.ORG_APPROVED)
def _org_approved(p: Payload) -> str:
    return f"您的单位“{p['org_name']}”已通过审核，发布的内容现已公开"


@renders(NotificationKind.ORG_REJECTED)
def _org_rejected(p: Payload) -> str:
    return f"您的单位“{p['org_name']}”未通过审核：{p['reason']}"


@renders(NotificationKind.LOGIN_LOCKED)
def _login_locked(p: Payload) -> str:
    minutes, failures = int(p["minutes"]), int(p["failures"])
    if p.get("everywhere"):
        locked = f"{minutes} 分钟内登录失败 {failures} 次（最近一次来自 {p['ip']}），账号已暂时锁定"
    else:
        locked = (
            f"{minutes} 分钟内从网络地址 {p['ip']} 登录失败 {failures} 次，"
            "已暂时禁止从该地址登录（您在其他地方仍可正常登录）"
        )
    return f"您的账号{locked}。如果不是您本人操作，请尽快修改密码。"


@renders(NotificationKind.EVENT_INVITED)
def _event_invited(p: Payload) -> str:
    venue = f"，地点：{p['venue']}" if p.get("venue") else ""
    return f"科技局邀请您参加“{p['title']}”（{p['held_on']}{venue}），请在活动页面报名"


@renders(NotificationKind.EVENT_PUBLISHED)
def _event_published(p: Payload) -> str:
    if p.get("changed"):
        return f"“{p['title']}”的洽谈日程有调整（第 {p['version']} 版），您的洽谈安排有变化，请查看"
    return f"“{p['title']}”的洽谈日程已发布（第 {p['version']} 版），请查看您的个人日程"


@renders(NotificationKind.EVENT_CANCELLED_MEETING)
def _event_cancelled_meeting(p: Payload) -> str:
    return f"“{p['name']}”已取消参加“{p['title']}”，原定 {p['time']} 第 {p['table']} 桌的洽谈取消"


@renders(NotificationKind.MEETING_REQUESTED)
def _meeting_requested(p: Payload) -> str:
    message = p.get("message") or ""
    text = f"“{p['name']}”希望在“{p['title']}”上与您约见洽谈"
    return text + (f"，留言：{message}" if message else "") + "，请在活动页面答复"


@renders(NotificationKind.MEETING_REQUEST_ANSWERED)
def _meeting_request_answered(p: Payload) -> str:
    if p["accepted"]:
        return f"“{p['name']}”接受了您在“{p['title']}”的约见请求，排程时将优先安排"
    reason = p.get("reason") or ""
    text = f"“{p['name']}”婉拒了您在“{p['title']}”的约见请求"
    return text + (f"，原因：{reason}" if reason else "")


@renders(NotificationKind.MEETING_REQUEST_WITHDRAWN)
def _meeting_request_withdrawn(p: Payload) -> str:
    return f"“{p['name']}”撤回了在“{p['title']}”向您发起的约见请求"


@renders(NotificationKind.EVENT_REFILLED)
def _event_refilled(p: Payload) -> str:
    return (
        f"“{p['title']}”现场为您新增一场洽谈：{p['time']} 第 {p['table']} 桌，"
        f"与“{p['other']}”，请准时到场"
    )


@renders(NotificationKind.VISIT_ASSIGNED)
def _visit_assigned(p: Payload) -> str:
    when = p.get("when") or "时间待定"
    return f"巡诊安排已发布：{p['campaign']}，{when}赴“{p['company']}”技术诊断，请确认是否参加"


@renders(NotificationKind.VISIT_DECLINED)
def _visit_declined(p: Payload) -> str:
    reason = p.get("reason") or ""
    text = f"专家{p['expert']}谢绝了“{p['company']}”的巡诊（{p['campaign']}）"
    return text + (f"，原因：{reason}" if reason else "") + "，请重新安排"


@renders(NotificationKind.VISIT_CANCELLED)
def _visit_cancelled(p: Payload) -> str:
    return f"“{p['company']}”取消了诊断申请（{p['campaign']}），原定 {p['when']} 的巡诊不再进行"


@renders(NotificationKind.VISIT_DIAGNOSED)
def _visit_diagnosed(p: Payload) -> str:
    return f"专家{p['expert']}已填写“{p['company']}”的诊断记录（{p['campaign']}）"


@renders(NotificationKind.CONTRACT_STEP)
def _contract_step(p: Payload) -> str:
    name = p["name"]
    if p["action"] == "register":
        number = p.get("registration_no") or "—"
        return f"技术合同“{name}”已认定登记（登记编号 {number}），计入技术合同成交额"
    if p["action"] == "reject":
        reason = p.get("reason") or ""
        return (
            f"技术合同“{name}”未予登记"
            + (f"，原因：{reason}" if reason else "")
            + "。请补正材料后重新提交认定登记"
        )
    return f"技术合同“{name}”已终止"
