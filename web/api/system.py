from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from matchmaking.matching import embedding
from web.deps import IndexDep, SessionDep

router = APIRouter(tags=["system 系统"])


@router.get("/status")
def status(session: SessionDep, manager: IndexDep) -> dict[str, Any]:
    """Counts, pending embeddings and index health."""
    return {
        "embeddings": embedding.counts(session, manager.model_id),
        "indexes": manager.health(),
    }
