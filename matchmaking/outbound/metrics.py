"""What outbound messages achieved, for the dashboard: sends, failures, clicks through the
signed links (opens are not tracked: no pixels), and messages followed within 7 days by
a docking action of their recipient (requested, accepted or declined)."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from matchmaking.models import Delivery, DockingEvent, Organization, User
from matchmaking.outbound.kinds import DeliveryStatus

ACTION_WINDOW = timedelta(days=7)
DOCKING_ACTIONS = ("requested", "accepted", "declined")


@dataclass(frozen=True)
class Reach:
    sent: int
    failed: int
    clicked: int
    acted: int

    @property
    def click_rate(self) -> str:
        return f"{round(100 * self.clicked / self.sent)}%" if self.sent else "—"

    @property
    def action_rate(self) -> str:
        return f"{round(100 * self.acted / self.sent)}%" if self.sent else "—"


def reach(session: Session, start: datetime, end: datetime, town_id: int | None = None) -> Reach:
    """Messages to users created in [start, end), of one town's organizations if given."""
    base: list[ColumnElement[bool]] = [
        Delivery.created_at >= start,
        Delivery.created_at < end,
        Delivery.user_id.is_not(None),
    ]
    if town_id is not None:
        in_town = select(Organization.id).where(
            Organization.id == User.org_id, Organization.town_id == town_id
        )
        base.append(select(User.id).where(User.id == Delivery.user_id, in_town.exists()).exists())

    def count(*extra: ColumnElement[bool]) -> int:
        return int(session.scalar(select(func.count(Delivery.id)).where(*base, *extra)) or 0)

    sent = Delivery.status == DeliveryStatus.SENT
    return Reach(
        sent=count(sent),
        failed=count(Delivery.status == DeliveryStatus.FAILED),
        clicked=count(sent, Delivery.clicks > 0),
        acted=_acted(session, base, end),
    )


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _acted(session: Session, base: list[ColumnElement[bool]], end: datetime) -> int:
    """Sent messages whose recipient took a docking action within 7 days after."""
    sends = session.execute(
        select(Delivery.user_id, Delivery.sent_at).where(
            *base, Delivery.status == DeliveryStatus.SENT, Delivery.sent_at.is_not(None)
        )
    ).all()
    if not sends:
        return 0
    pairs = [(int(u), _aware(at)) for u, at in sends if u is not None and at is not None]
    if not pairs:
        return 0
    first = min(at for _, at in pairs)
    events: dict[int, list[datetime]] = {}
    for user_id, at in session.execute(
        select(DockingEvent.actor_user_id, DockingEvent.at).where(
            DockingEvent.action.in_(DOCKING_ACTIONS),
            DockingEvent.at >= first,
            DockingEvent.at < end + ACTION_WINDOW,
            DockingEvent.actor_user_id.in_({u for u, _ in pairs}),
        )
    ):
        if user_id is not None:
            events.setdefault(int(user_id), []).append(_aware(at))
    for times in events.values():
        times.sort()
    acted = 0
    for user_id, sent_at in pairs:
        times = events.get(user_id, [])
        i = bisect_left(times, sent_at)
        if i < len(times) and times[i] < sent_at + ACTION_WINDOW:
            acted += 1
    return acted
