"""Import tasks: a web import's rows, committed in chunks, with its progress."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError

from matchmaking.config import get_settings
from matchmaking.db import get_sessionmaker
from matchmaking.importing import runs
from workers.celery_app import app


@app.task(
    name=runs.IMPORT_TASK,
    autoretry_for=(DBAPIError,),
    retry_backoff=True,
    max_retries=5,
)
def run(job_id: int) -> str:
    """Import the upload of this job (started on the 数据导入导出 page)."""
    return runs.run(get_sessionmaker(), get_settings(), job_id)
