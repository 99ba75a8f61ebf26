"""What pages show of a notification: its text, rendered when it is read."""

from __future__ import annotations

from pydantic import BaseModel

from matchmaking.common.schemas import UtcDateTime


class NotificationRead(BaseModel):
    id: int
    kind: str
    subject_type: str
    subject_id: int | None
    text: str
    link: str
    created_at: UtcDateTime
    read_at: UtcDateTime | None
