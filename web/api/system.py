from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from matchmaking.matching import embedding
from web.deps import IndexDep, SessionDep

router = APIRouter(tags=["system 系统"])

UNHEALTHY = {
    "description": "搜索索引与数据库不一致或正在重建（如数据库刚从备份恢复），"
    "结果可能不全；正文与 200 相同，status 为 unhealthy",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


@router.get("/status", responses={503: UNHEALTHY})
def status(session: SessionDep, manager: IndexDep, response: Response) -> dict[str, Any]:
    """Health for monitoring: 503 while the search indexes are inconsistent or being
    rebuilt; counts, pending embeddings and index health."""
    indexes = manager.health()
    healthy = indexes["state"] == "ok"
    if not healthy:
        response.status_code = 503
    return {
        "status": "ok" if healthy else "unhealthy",
        "embeddings": embedding.counts(session, manager.model_id),
        "indexes": indexes,
    }
