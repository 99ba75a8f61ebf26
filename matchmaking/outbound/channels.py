"""Channels: how a finished message leaves the platform.

A channel has one method, ``send(message)``, which returns when the message is
handed over and raises ``SendFailed`` when it is not (the caller retries with backoff
and records the failure). Email goes through SMTP (``SmtpChannel``) or, in the demo,
into a folder of .eml files (``FolderChannel``); group robots get a JSON POST
(``WebhookChannel``). A deployment adds SMS by writing one more class with ``send``
and returning it from ``email_channel``'s sibling of its own.
"""

from __future__ import annotations

import email.policy
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from matchmaking.config import Mode, Settings

MAX_ERROR = 300


class SendFailed(Exception):
    """The message was not handed over (network, server refusal); worth retrying."""


@dataclass
class Message:
    to: str
    subject: str
    text: str
    html: str = ""
    # The robot's markdown (title + body), for webhooks.
    markdown: str = ""
    headers: dict[str, str] = field(default_factory=dict)


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


def build_email(sender: str, message: Message) -> EmailMessage:
    """A multipart/alternative email (plain text first, then HTML), UTF-8 throughout."""
    # Long lines are allowed in headers (a URL in List-Unsubscribe stays readable).
    mail = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="matchmaking.local")
    for name, value in message.headers.items():
        mail[name] = value
    mail.set_content(message.text, charset="utf-8")
    if message.html:
        mail.add_alternative(message.html, subtype="html", charset="utf-8")
    return mail


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:MAX_ERROR]


class SmtpChannel:
    name = "smtp"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> None:
        s = self.settings
        mail = build_email(s.smtp_from, message)
        try:
            if s.smtp_security == "ssl":
                context = ssl.create_default_context()
                with smtplib.SMTP_SSL(
                    s.smtp_host, s.smtp_port, timeout=s.smtp_timeout, context=context
                ) as smtp:
                    self._deliver(smtp, mail)
            else:
                with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout) as smtp:
                    if s.smtp_security == "starttls":
                        smtp.starttls(context=ssl.create_default_context())
                    self._deliver(smtp, mail)
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(_short(exc)) from exc

    def _deliver(self, smtp: smtplib.SMTP, mail: EmailMessage) -> None:
        if self.settings.smtp_user:
            smtp.login(self.settings.smtp_user, self.settings.smtp_password)
        smtp.send_message(mail)


class FolderChannel:
    """The demo's mail sink: each email becomes ``<folder>/<time>-<n>.eml`` (opens in any
    mail program), written atomically."""

    name = "folder"

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, message: Message) -> None:
        mail = build_email(self.sender, message)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            msgid = str(mail["Message-ID"]).strip("<>").split("@")[0]
            final = self.folder / f"{msgid}.eml"
            tmp = final.with_suffix(".tmp")
            tmp.write_bytes(bytes(mail))
            tmp.replace(final)
        except OSError as exc:
            raise SendFailed(_short(exc)) from exc


class NullChannel:
    """No email transport configured (production without SMTP): nothing leaves."""

    name = "off"

    def send(self, message: Message) -> None:
        raise SendFailed("未配置邮件服务器（MATCHMAKING_SMTP_HOST）")


def robot_payload(url: str, message: Message) -> dict[str, object]:
    """The JSON a 企业微信 or 钉钉 group robot takes (markdown), by the URL's host."""
    text = message.markdown or message.text
    if "dingtalk" in (urlsplit(url).hostname or ""):
        return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": text}}
    return {"msgtype": "markdown", "markdown": {"content": text}}


class WebhookChannel:
    """POSTs to a group robot. Both robots answer HTTP 200 with ``errcode`` 0 on success."""

    name = "webhook"

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def send(self, message: Message) -> None:
        url = message.to
        if urlsplit(url).scheme not in ("http", "https"):
            raise SendFailed("群机器人地址无效")
        body = json.dumps(robot_payload(url, message), ensure_ascii=False).encode()
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = response.read(64 * 1024)
        except (OSError, urllib.error.URLError) as exc:
            raise SendFailed(_short(exc)) from exc
        try:
            code = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            code = 0
        if code not in (0, None):
            raise SendFailed(f"群机器人拒收：errcode={code}"[:MAX_ERROR])


def email_channel(settings: Settings) -> Channel:
    sink = settings.mail_sink
    if sink == "auto":
        if settings.smtp_host:
            sink = "smtp"
        elif settings.mode is Mode.EMBEDDED:
            sink = "folder"
        else:
            sink = "off"
    if sink == "smtp":
        return SmtpChannel(settings)
    if sink == "folder":
        return FolderChannel(settings.mail_dir, settings.smtp_from)
    return NullChannel()


def robot_host(url: str) -> str:
    """What the log shows of a robot's URL: its host (the key in the query is a secret)."""
    return (urlsplit(url).hostname or "")[:200]
