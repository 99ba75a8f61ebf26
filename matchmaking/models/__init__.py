"""ORM models, one table a file."""

from matchmaking.models.achievement import Achievement
from matchmaking.models.api_token import ApiToken
from matchmaking.models.base import Base
from matchmaking.models.docking import Docking, DockingEvent
from matchmaking.models.embedding import Embedding, IndexChange
from matchmaking.models.event import Event, EventLog, EventSession, EventSlot
from matchmaking.models.event_registration import Registration, Wish
from matchmaking.models.expert import Expert
from matchmaking.models.feedback import Feedback
from matchmaking.models.idempotency_key import IdempotencyKey
from matchmaking.models.login_attempt import LoginAttempt
from matchmaking.models.need import Need
from matchmaking.models.notification import Notification
from matchmaking.models.organization import Organization
from matchmaking.models.schedule import ScheduledMeeting, ScheduleRun
from matchmaking.models.town import Town
from matchmaking.models.user import User

__all__ = [
    "Wish",
    "ScheduledMeeting",
    "ScheduleRun",
    "Registration",
    "EventSlot",
    "EventSession",
    "EventLog",
    "Event",
    "Achievement",
    "ApiToken",
    "Base",
    "Docking",
    "DockingEvent",
    "Embedding",
    "Expert",
    "Feedback",
    "IdempotencyKey",
    "IndexChange",
    "LoginAttempt",
    "Need",
    "Notification",
    "Organization",
    "Town",
    "User",
]
