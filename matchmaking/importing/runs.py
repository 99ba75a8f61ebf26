"""A web import as a job: the page asks for it, the worker runs it, the page shows it.

Confirming an import on the page only writes an :class:`ImportJob` row and sends a
job; the worker (never the web process: long work is not done there) reads the
stored upload, commits its rows in chunks with the job's progress, then leaves the
refused rows as a sheet to fix. The page polls the row: a progress bar while it runs,
then the same result as before (counts, the refused rows by number and reason).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from matchmaking import jobs
from matchmaking.accounts import permissions
from matchmaking.accounts import service as accounts
from matchmaking.accounts.permissions import Principal
from matchmaking.config import Settings
from matchmaking.db import write_unit
from matchmaking.enums import Kind
from matchmaking.exceptions import Forbidden, MatchmakingError, NotFound
from matchmaking.importing import tables, uploads
from matchmaking.importing.service import (
    CHUNK_PAUSE_S,
    CHUNK_ROWS,
    ImportReport,
    ImportStopped,
    RowError,
    import_in_chunks,
    is_blank,
)
from matchmaking.importing.template import DATA_SHEET, error_workbook
from matchmaking.models import ImportJob, User
from matchmaking.models.base import utcnow

log = logging.getLogger(__name__)

IMPORT_TASK = "imports.run"
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
UNFINISHED = (QUEUED, RUNNING)


def start(session: Session, p: Principal, upload: uploads.Upload, kind: Kind) -> ImportJob:
    """The job importing this upload (a new one, or the one already under way for it);
    sent to the worker once the caller commits."""
    permissions.import_org_id(p, kind)  # refused here, before anything is queued
    existing = session.scalar(
        select(ImportJob).where(
            ImportJob.upload_token == upload.token,
            ImportJob.owner_id == p.user_id,
            ImportJob.status.in_(UNFINISHED),
        )
    )
    if existing is not None:  # a second click on the button
        return existing
    assert p.user_id is not None
    job = ImportJob(
        owner_id=p.user_id,
        kind=kind.value,
        upload_token=upload.token,
        filename=upload.filename[:200],
        status=QUEUED,
        errors=[],
        errors_token="",
        message="",
    )
    session.add(job)
    session.flush()
    jobs.enqueue(session, IMPORT_TASK, job.id)
    return job


def get(session: Session, p: Principal, job_id: int) -> ImportJob:
    """The job, if the current user started it."""
    permissions.require_login(p)
    job = session.get(ImportJob, job_id)
    if job is None:
        raise NotFound("没有这个导入任务")
    if job.owner_id != p.user_id:
        raise Forbidden("这是其他用户的导入任务")
    return job


def report_of(job: ImportJob) -> ImportReport:
    """The job's counts and refused rows, as the result page shows them."""
    return ImportReport(
        kind=job.kind,
        total=job.done,
        created=job.created,
        updated=job.updated,
        errors=[RowError(e["row"], e["message"], dict(e.get("values", {}))) for e in job.errors],
    )


def _errors_json(report: ImportReport) -> list[dict[str, Any]]:
    return [{"row": e.row, "message": e.message, "values": e.values} for e in report.errors]


def _update(factory: sessionmaker[Session], job_id: int, **values: Any) -> None:
    def write(session: Session) -> None:
        job = session.get_one(ImportJob, job_id)
        for name, value in values.items():
            setattr(job, name, value)

    write_unit(factory, write)


def _fail(factory: sessionmaker[Session], job_id: int, message: str) -> None:
    _update(factory, job_id, status=FAILED, message=message, finished_at=utcnow())


def run(
    factory: sessionmaker[Session],
    settings: Settings,
    job_id: int,
    *,
    chunk: int = CHUNK_ROWS,
    pause: float = CHUNK_PAUSE_S,
) -> str:
    """Run the import job (the worker's task body); returns its final status.

    Idempotent: a finished job is left alone; one cut short (a worker killed) starts
    again from the first row, and the rows it had kept are updated, not duplicated.
    """
    with factory() as session:
        job = session.get(ImportJob, job_id)
        if job is None or job.status in (DONE, FAILED):
            return job.status if job else "missing"
        owner = session.get(User, job.owner_id)
        active = owner is not None and owner.is_active
        principal = accounts.principal_for(owner) if owner is not None else None
        kind, token = Kind(job.kind), job.upload_token
        session.rollback()
    if principal is None or not active:
        _fail(factory, job_id, "发起导入的账号已停用，导入未进行")
        return FAILED
    try:
        upload = uploads.load(settings, token)
        org_id = permissions.import_org_id(principal, kind)
        # Read with no transaction open: a large file takes seconds.
        sheet = tables.read_sheet(upload.data, upload.filename, kind.value)
    except MatchmakingError as exc:
        _fail(factory, job_id, exc.message)
        return FAILED
    rows, first_row = sheet.rows, sheet.first_row
    total = sum(1 for row in rows if not is_blank(row))
    _update(factory, job_id, status=RUNNING, total=total, done=0, created=0, updated=0, errors=[])

    def progress(session: Session, so_far: ImportReport) -> None:
        job = session.get_one(ImportJob, job_id)
        job.done, job.created, job.updated = so_far.total, so_far.created, so_far.updated
        job.errors = _errors_json(so_far)

    try:
        report = import_in_chunks(
            factory,
            kind,
            rows,
            org_id=org_id,
            scope=principal.scope,
            first_row=first_row,
            chunk=chunk,
            pause=pause,
            after_chunk=progress,
        )
    except ImportStopped as stopped:
        kept = stopped.report
        log.warning("import job %s stopped before row %s: lock taken", job_id, stopped.next_row)
        _fail(
            factory,
            job_id,
            f"数据库长时间被占用，导入在第 {stopped.next_row} 行处停止："
            f"此前的 {kept.total} 行已处理（新增 {kept.created}，更新 {kept.updated}），"
            f"第 {stopped.next_row} 行起未导入。"
            "请稍后重新导入同一文件：已导入的行会被更新，不会重复。",
        )
        return FAILED
    errors_token = ""
    if report.errors:
        errors_token = uploads.save(
            settings,
            error_workbook(kind, report.errors),
            filename=f"{DATA_SHEET[kind]}导入错误行.xlsx",
            kind=kind.value,
            owner_id=principal.user_id,
        )
    _update(factory, job_id, status=DONE, errors_token=errors_token, finished_at=utcnow())
    uploads.delete(settings, token)
    return DONE
