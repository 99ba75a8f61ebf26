"""What pages show of a notification: its text, rendered when it is read."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationRead(BaseModel):
    id: int
    kind: str
    subject_type: str
    subject_id: int | None
    text: str
    link: str
    created_at: datetime
    read_at: datetime | None
