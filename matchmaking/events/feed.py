"""A participant's agenda as a calendar feed that a calendar app subscribes to without
logging in: ``/events/{event_id}/agenda/feed/{token}.ics``.

The token is ``<registration id>-<HMAC>``: the HMAC-SHA256 of the registration id under
the app's secret key (``Settings.session_secret``), cut to 128 bits. Nothing is stored;
a wrong token, another event's token or an invited-only registration answers 404. A
cancelled registration's feed still answers, with every meeting it was once given sent
as CANCELLED, so that subscribed calendars drop them.
"""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.orm import Session

from matchmaking.config import get_settings
from matchmaking.enums import EventStatus, RegistrationStatus
from matchmaking.events import agenda, repository
from matchmaking.exceptions import NotFound
from matchmaking.models import Registration

# Keeps these MACs apart from anything else signed with the same key.
PURPOSE = "events.agenda-feed"
SERVED = (RegistrationStatus.REGISTERED, RegistrationStatus.CANCELLED)
NOT_FOUND = "日历订阅链接无效，请在“我的日程”页面复制最新的链接"


def _mac(reg_id: int) -> str:
    key = get_settings().session_secret().encode()
    digest = hmac.new(key, f"{PURPOSE}:{reg_id}".encode(), hashlib.sha256).hexdigest()
    return digest[:32]


def token_for(reg: Registration) -> str:
    """The secret part of a registration's feed URL."""
    return f"{reg.id}-{_mac(reg.id)}"


def feed_path(reg: Registration) -> str:
    return f"/events/{reg.event_id}/agenda/feed/{token_for(reg)}.ics"


def registration_of(session: Session, event_id: int, token: str) -> Registration:
    """The registration a feed token stands for; 404 unless the token is exactly right."""
    raw_id, _, mac = token.partition("-")
    if not raw_id.isascii() or not raw_id.isdigit() or len(raw_id) > 18 or len(mac) != 32:
        raise NotFound(NOT_FOUND)
    reg_id = int(raw_id)
    if not hmac.compare_digest(mac.encode(), _mac(reg_id).encode()):
        raise NotFound(NOT_FOUND)
    reg = session.get(Registration, reg_id)
    if reg is None or reg.event_id != event_id or reg.status not in SERVED:
        raise NotFound(NOT_FOUND)
    return reg


def calendar(session: Session, event_id: int, token: str) -> bytes:
    """The feed: the same iCalendar as the agenda download (stable UID, SEQUENCE)."""
    reg = registration_of(session, event_id, token)
    event = repository.get(session, event_id)
    if event is None or event.status not in (
        EventStatus.OPEN,
        EventStatus.CLOSED,
        EventStatus.HELD,
    ):
        raise NotFound(NOT_FOUND)
    return agenda.calendar_of(session, event, reg)
