from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from matchmaking.common.schemas import UtcDateTime


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    need_id: int
    target_kind: str
    target_id: int
    reason: str
    created_at: UtcDateTime


class FeedbackEntry(BaseModel):
    """One "not relevant" mark with the item it concerns (None if the item was deleted)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    feedback: FeedbackRead
    target: Any = None
