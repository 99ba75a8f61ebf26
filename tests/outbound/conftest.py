"""Outbound tests: a real SMTP server (aiosmtpd) and a group robot (a local HTTP server),
both on loopback ports for the module; settings pointing at them."""

from __future__ import annotations

import email
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.config import Settings, get_settings
from matchmaking.models import User
from matchmaking.outbound import service
from tests.docking.conftest import World, world  # noqa: F401 (the docking world fixture)


@dataclass
class Mailbox:
    """What the SMTP server received; ``failing`` makes it refuse every message (451)."""

    messages: list[EmailMessage] = field(default_factory=list)
    failing: bool = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.failing:
            return "451 4.3.0 Mail server temporarily unavailable"
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def body_of(message: EmailMessage, subtype: str = "plain") -> str:
    for part in message.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError(f"no text/{subtype} part")


def subject_of(message: EmailMessage) -> str:
    return str(email.header.make_header(email.header.decode_header(message["Subject"])))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@dataclass
class Robot:
    posts: list[dict[str, Any]] = field(default_factory=list)
    answer: dict[str, Any] = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})


@pytest.fixture(scope="module")
def robot_server() -> Iterator[tuple[Robot, int]]:
    robot = Robot()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length", "0"))
            robot.posts.append(json.loads(self.rfile.read(length)))
            body = json.dumps(robot.answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield robot, int(server.server_address[1])
    server.shutdown()
    server.server_close()


@pytest.fixture
def outbound(
    smtp_server: tuple[Mailbox, int],
    robot_server: tuple[Robot, int],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Settings]:
    """Settings (the process-wide ones too) that send to the test servers; empty inboxes."""
    box, port = smtp_server
    robot, robot_port = robot_server
    box.messages.clear()
    box.failing = False
    robot.posts.clear()
    env = {
        "MATCHMAKING_DATA_DIR": str(tmp_path / "outbound"),
        "MATCHMAKING_SMTP_HOST": "127.0.0.1",
        "MATCHMAKING_SMTP_PORT": str(port),
        "MATCHMAKING_SMTP_SECURITY": "none",
        "MATCHMAKING_SMTP_TIMEOUT": "5",
        "MATCHMAKING_PUBLIC_URL": "https://kj.haimen.example",
        "MATCHMAKING_WEBHOOKS": json.dumps(
            {
                "org:同济大学": f"http://127.0.0.1:{robot_port}/cgi-bin/webhook/send?key=k1",
                "town:正余镇": f"http://127.0.0.1:{robot_port}/robot/send?access_token=t",
            },
            ensure_ascii=False,
        ),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield get_settings()
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


def channels(settings: Settings) -> service.Channels:
    return service.Channels.from_settings(settings)


def give_emails(factory: sessionmaker[Session]) -> dict[str, str]:
    """Every user gets ``<username>@example.cn``; returns username → address."""
    with factory() as session:
        users = session.scalars(select(User)).all()
        for user in users:
            session.execute(
                update(User).where(User.id == user.id).values(email=f"{user.username}@example.cn")
            )
        session.commit()
        return {u.username: f"{u.username}@example.cn" for u in users}
