from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from matchmaking import health
from matchmaking.matching import embedding
from web.deps import IndexDep, SessionDep

router = APIRouter(tags=["system 系统"])

UNHEALTHY = {
    "description": "搜索索引与数据库不一致或正在重建（如数据库刚从备份恢复），"
    "结果可能不全；正文与 200 相同，status 为 unhealthy",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


@router.get("/status", responses={503: UNHEALTHY})
def status(
    request: Request, session: SessionDep, manager: IndexDep, response: Response
) -> dict[str, Any]:
    """Health for monitoring. ``status``: "ok"; "degraded" (200) when no worker beat
    recently or an item has waited too long for its vector; "unhealthy" (503) while the
    search indexes do not match the database or are being rebuilt. With the reasons
    (``problems``), worker liveness, pending items, counts and index health."""
    settings = request.app.state.settings
    indexes = manager.health()
    worker = health.workers(session, settings)
    waiting = health.pending(session)
    problems = health.background_problems(settings, worker, waiting)
    if indexes["state"] != "ok":
        response.status_code = 503
        state = "unhealthy"
        problems.insert(0, "搜索索引与数据库不一致（如数据库刚从备份恢复），正在重建")
    else:
        state = "degraded" if problems else "ok"
    return {
        "status": state,
        "problems": problems,
        "worker": worker,
        "pending": waiting,
        "embeddings": embedding.counts(session, manager.model_id),
        "indexes": indexes,
    }
