"""A web import is a job the worker runs: its page while it waits, then its result."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking.config import Settings
from matchmaking.importing import runs
from matchmaking.models import ImportJob, Need
from tests.conftest import InlineDispatcher, make_user
from tests.importing.conftest import Orgs
from tests.web.pages_helpers import csrf, login, post_form, soup

CSV = (
    "需求名称,需求描述,行业领域,合作方式\n"
    "电机冷却结构优化,高速电机转子温升过高，需要新的冷却结构设计方案。,新能源汽车,合作开发\n"
    "造火箭,这一行的行业领域不存在所以导入失败。,航天,合作开发\n"
).encode()


def _start(client: TestClient) -> str:
    sent = client.post(
        "/transfer/upload/needs",
        data={"csrf_token": csrf(client, "/transfer")},
        files={"file": ("需求.csv", CSV, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:300]
    token = sent.headers["location"].rsplit("/", 1)[1]
    started = post_form(client, f"/transfer/import/{token}", {}, follow_redirects=False)
    assert started.status_code == 303, started.text[:300]
    return str(started.headers["location"])


def test_the_page_shows_the_queued_import_then_its_result(
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
    settings: Settings,
    dispatcher: InlineDispatcher,
    registered: Orgs,
) -> None:
    make_user(factory, "qiye", "enterprise", org_id=registered.company)
    make_user(factory, "other", "enterprise", org_id=registered.other_company)
    owner, stranger = make_client(), make_client()
    login(owner, "qiye")
    login(stranger, "other")
    dispatcher.paused = True  # the worker has not picked it up yet

    job_url = _start(owner)
    waiting = owner.get(job_url)
    page = soup(waiting.text)
    assert "排队" in page.get_text()
    assert page.select_one("progress.import-progress") is not None
    assert page.select_one("meta[http-equiv=refresh]") is not None
    # Nothing is written by the request itself.
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Need)) == 0
    # Someone else's import is not theirs to see.
    assert stranger.get(job_url).status_code == 403

    # The worker runs it: the good row is kept, the bad one listed by number and reason.
    job_id = int(job_url.rsplit("/", 1)[1])
    assert runs.run(factory, settings, job_id, pause=0) == runs.DONE
    done = soup(owner.get(job_url).text)
    assert "导入完成" in done.select_one("h1").get_text()
    assert done.select_one("progress") is None
    assert [int(done.select_one(f"b.{n}").get_text()) for n in ("created", "failed")] == [1, 1]
    assert done.select_one("table.row-errors td.nowrap").get_text() == "第 3 行"
    # A job runs once: delivered again, it is left as it is.
    assert runs.run(factory, settings, job_id, pause=0) == runs.DONE
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Need)) == 1
        assert session.get_one(ImportJob, job_id).errors_token


def test_a_job_whose_upload_expired_says_so(
    make_client: Callable[..., TestClient],
    factory: sessionmaker[Session],
    settings: Settings,
    dispatcher: InlineDispatcher,
    registered: Orgs,
) -> None:
    make_user(factory, "qiye", "enterprise", org_id=registered.company)
    owner = make_client()
    login(owner, "qiye")
    dispatcher.paused = True
    job_url = _start(owner)
    job_id = int(job_url.rsplit("/", 1)[1])
    with factory() as session:
        token = session.get_one(ImportJob, job_id).upload_token
    from matchmaking.importing import uploads

    uploads.delete(settings, token)
    assert runs.run(factory, settings, job_id, pause=0) == runs.FAILED
    page = soup(owner.get(job_url).text)
    assert "导入中断" in page.select_one("h1").get_text()
    assert "请重新上传" in page.get_text()
