"""The weekly digest (科技成果直通车) on the demo: the company `qiye` hears of fuel-cell
achievements with their reasons; planning it twice sends it once; a week with nothing
new sends nothing; `digest preview` prints it."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.models import Delivery, User
from matchmaking.outbound import digest, jobs
from matchmaking.outbound.render import render_parts
from tests.outbound.conftest import Mailbox, Robot, body_of, channels, subject_of
from tests.test_demo import demo_client  # noqa: F401 (the demo, loaded once for the module)

FUEL_CELL = ("燃料电池", "氢", "双极板", "质子交换膜", "电堆")


def test_the_digest_for_qiye_lists_fuel_cell_achievements_with_reasons(
    demo_client: Any,  # noqa: F811
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
) -> None:
    client, _, factory = demo_client
    manager = client.app.state.index_manager
    box = smtp_server[0]
    week = digest.Week.current()  # the demo's items were all added just now
    with factory() as session:
        qiye = session.scalars(select(User).where(User.username == "qiye")).one()
        content = digest.build(session, manager, qiye, week)
    assert content is not None
    assert "科技成果直通车" in content.subject
    items = [item for section in content.sections for item in section.items]
    achievements = [i for i in items if i.title.startswith("成果：")]
    assert achievements
    assert any(word in a.title for a in achievements[:3] for word in FUEL_CELL)
    for item in achievements:
        assert item.path.startswith("/achievements/")
        assert any(line.startswith("推荐理由：") for line in item.lines)
        assert any(line.startswith("匹配度 ") for line in item.lines)
    text = render_parts(content, user_id=qiye.id)[0]
    assert "推荐理由" in text
    assert "/unsubscribe/" in text

    # The sending job, twice: one email to qiye; no contact detail of the other side.
    with factory() as session:
        planned = jobs.plan_digests(session, manager, week, users=[qiye])
        again = jobs.plan_digests(session, manager, week, users=[qiye])
        session.commit()
    assert (planned, again) == (1, 0)
    # Sent in the daytime (the real clock may be in quiet hours).
    daytime = datetime.combine(clock.local_today(), time(10), tzinfo=clock.zone())
    with clock.frozen(daytime):
        jobs.instant(factory, channels(outbound))
        jobs.instant(factory, channels(outbound))
    mails = box.to(qiye.email)
    assert len(mails) == 1
    assert "科技成果直通车" in subject_of(mails[0])
    body = body_of(mails[0])
    assert "推荐理由" in body
    assert "0513-8" not in body  # the demo's contact phones
    with factory() as session:
        rows = session.scalars(select(Delivery).where(Delivery.kind == "digest")).all()
    assert [r.status.value for r in rows] == ["sent"]


def test_a_week_with_nothing_new_is_no_email(demo_client: Any, outbound: Settings) -> None:  # noqa: F811
    client, _, factory = demo_client
    manager = client.app.state.index_manager
    old_week = digest.Week.parse("2020-W10")
    with factory() as session:
        for name in ("qiye", "gaoxiao", "zhuanjia", "staff_zhengyu"):
            user = session.scalars(select(User).where(User.username == name)).one()
            assert digest.build(session, manager, user, old_week) is None, name


def test_digest_preview_command_prints_a_chinese_digest(
    demo_client: Any,  # noqa: F811
    outbound: Settings,
    monkeypatch: Any,
) -> None:
    from cli import digest as digest_cli
    from cli.app import app

    client, _, factory = demo_client
    # The command reads the database and indexes of the settings; here: the demo's.
    monkeypatch.setattr(digest_cli, "_manager", lambda: client.app.state.index_manager)
    monkeypatch.setattr("cli.digest.prepare_database", lambda _settings: None)
    monkeypatch.setattr("matchmaking.db.get_sessionmaker", lambda: factory)
    result = CliRunner().invoke(app, ["digest", "preview", "--user", "qiye"])
    assert result.exit_code == 0, result.output
    assert "科技成果直通车" in result.output
    assert "推荐理由" in result.output
    unknown = CliRunner().invoke(app, ["digest", "preview", "--user", "nobody\x00"])
    assert unknown.exit_code == 1
    bad_week = CliRunner().invoke(app, ["digest", "preview", "--user", "qiye", "--week", "W99"])
    assert bad_week.exit_code == 2
    assert "YYYY-Www" in bad_week.output


def test_universities_experts_and_town_staff_get_their_own_week(
    demo_client: Any,  # noqa: F811
    outbound: Settings,
    robot_server: tuple[Robot, int],
) -> None:
    client, _, factory = demo_client
    manager = client.app.state.index_manager
    robot = robot_server[0]
    week = digest.Week.current()
    with factory() as session:
        users = {
            name: session.scalars(select(User).where(User.username == name)).one()
            for name in ("gaoxiao", "zhuanjia", "staff_zhengyu")
        }
        for name in ("gaoxiao", "zhuanjia"):
            content = digest.build(session, manager, users[name], week)
            assert content is not None, name
            items = [i for s in content.sections for i in s.items]
            assert items
            assert all(i.title.startswith("需求：") for i in items)
            assert all(i.path.startswith("/needs/") for i in items)
        town = digest.build(session, manager, users["staff_zhengyu"], week)
        assert town is not None
        assert "正余镇" in town.paragraphs[0]
        assert any("新发布的技术需求" in s.heading for s in town.sections)
        jobs.plan_digests(session, manager, week, users=[users["staff_zhengyu"]])
        session.commit()
    daytime = datetime.combine(clock.local_today(), time(10), tzinfo=clock.zone())
    with clock.frozen(daytime):
        jobs.instant(factory, channels(outbound))
    posts = [p for p in robot.posts if "科技成果直通车" in p["markdown"]["content"]]
    assert len(posts) == 1  # the town office's group robot


def test_digest_send_command_runs_the_job_once(
    demo_client: Any,  # noqa: F811
    outbound: Settings,
    smtp_server: tuple[Mailbox, int],
    monkeypatch: Any,
) -> None:
    from cli import digest as digest_cli
    from cli.app import app

    client, _, factory = demo_client
    box = smtp_server[0]
    monkeypatch.setattr(digest_cli, "_manager", lambda: client.app.state.index_manager)
    monkeypatch.setattr("cli.digest.prepare_database", lambda _settings: None)
    monkeypatch.setattr("matchmaking.db.get_sessionmaker", lambda: factory)
    week = digest.Week.current().key
    daytime = datetime.combine(clock.local_today(), time(10), tzinfo=clock.zone())
    with clock.frozen(daytime):
        first = CliRunner().invoke(app, ["digest", "send", "--week", week])
        second = CliRunner().invoke(app, ["digest", "send", "--week", week])
    assert first.exit_code == 0, first.output
    assert "新生成直通车" in first.output
    assert "新生成直通车 0 封" in second.output  # already planned: nothing twice
    with factory() as session:
        qiye = session.scalars(select(User).where(User.username == "qiye")).one()
    digests = [m for m in box.to(qiye.email) if "科技成果直通车" in subject_of(m)]
    assert len(digests) <= 1  # (the earlier test of this module may have sent it)
    with factory() as session:
        rows = session.scalars(
            select(Delivery).where(Delivery.kind == "digest", Delivery.subject_key == week)
        ).all()
    assert len({r.recipient for r in rows}) == len(rows)
    [mine] = [r for r in rows if r.user_id == qiye.id]
    assert mine.status.value == "sent"
