"""Is the background work alive? Worker heartbeats and the age of the oldest pending item.

Every worker process records a heartbeat in the database (``worker_heartbeats``) every
``worker_heartbeat_seconds``: the same table on the embedded default (SQLite, a worker
child of ``serve``) and in production (PostgreSQL, the compose ``worker`` service), so
status reads it the same way in both. A worker is alive if it beat within three
intervals. A worker that is alive but stuck, or a queue that never drains, shows as the
age of the oldest item still waiting for its vector.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.config import Settings
from matchmaking.enums import EmbeddingStatus
from matchmaking.matching.kinds import SERVICES
from matchmaking.models import WorkerHeartbeat

# Rows of workers gone for this long are dropped (a container's hostname changes).
FORGET_AFTER = timedelta(days=1)
MISSED_BEATS = 3


def _utc(value: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were stored in UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_heartbeat(session: Session, name: str, pid: int, started_at: datetime) -> None:
    """This worker process is alive now (only flushes)."""
    now = clock.now()
    row = session.get(WorkerHeartbeat, name)
    if row is None:
        session.add(WorkerHeartbeat(name=name, pid=pid, started_at=started_at, beat_at=now))
    else:
        row.pid, row.started_at, row.beat_at = pid, started_at, now
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < now - FORGET_AFTER))
    session.flush()


def workers(session: Session, settings: Settings) -> dict[str, Any]:
    """Worker liveness: ``alive`` if any worker beat within three intervals, the time of
    the last heartbeat and its age, and each known worker."""
    now = clock.now()
    limit = MISSED_BEATS * settings.worker_heartbeat_seconds
    rows = session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc())).all()
    listed = []
    for row in rows:
        age = (now - _utc(row.beat_at)).total_seconds()
        listed.append(
            {
                "name": row.name,
                "pid": row.pid,
                "started_at": _utc(row.started_at).isoformat(),
                "last_heartbeat": _utc(row.beat_at).isoformat(),
                "age_seconds": round(age, 1),
                "alive": age <= limit,
            }
        )
    return {
        "alive": any(w["alive"] for w in listed),
        "last_heartbeat": listed[0]["last_heartbeat"] if listed else None,
        "age_seconds": listed[0]["age_seconds"] if listed else None,
        "workers": listed,
    }


def pending(session: Session) -> dict[str, Any]:
    """Items waiting for their vector: how many, and how long the oldest has waited."""
    count, oldest = 0, None
    for service in SERVICES.values():
        model = service.repo.model
        n, first = session.execute(
            select(func.count(), func.min(model.updated_at)).where(
                model.embedding_status == EmbeddingStatus.PENDING
            )
        ).one()
        count += n
        if first is not None and (oldest is None or _utc(first) < oldest):
            oldest = _utc(first)
    age = None if oldest is None else round(max(0.0, (clock.now() - oldest).total_seconds()), 1)
    return {
        "count": count,
        "oldest_since": None if oldest is None else oldest.isoformat(),
        "oldest_age_seconds": age,
    }


def background_problems(
    settings: Settings, worker: dict[str, Any], waiting: dict[str, Any]
) -> list[str]:
    """What an operator should look at, in Chinese (empty when all is well)."""
    problems = []
    if not worker["alive"]:
        if worker["last_heartbeat"] is None:
            problems.append("后台任务进程从未报告心跳：新条目不会计算向量，请启动后台任务进程")
        else:
            problems.append(
                f"后台任务进程已 {worker['age_seconds']:.0f} 秒没有心跳：可能已退出或卡住"
            )
    age = waiting["oldest_age_seconds"]
    if age is not None and age > settings.pending_alert_seconds:
        problems.append(
            f"最早的待计算条目已等待 {age / 60:.0f} 分钟（共 {waiting['count']} 条待计算）"
        )
    return problems
