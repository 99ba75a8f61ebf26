"""The printable event booklet (会刊): cover, the sessions and their meeting times, the
participants by side with what they bring (enterprises their needs, universities and
institutes their achievements, experts their expertise) and, once a schedule is
published, the meetings table by table.

Who may read it: staff of the district or of the event's town, and the participants
registered for the event (已报名) — what they bring is meant to be read by the others in
the room. Invited, cancelled or other users are refused. It carries no contact data:
only names, titles and short descriptions are copied into its dataclasses (never the
organization rows), and phone numbers and e-mail addresses typed into a description are
blanked out.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking import clock
from matchmaking.accounts.permissions import Principal
from matchmaking.enums import IndustryField, RegistrationStatus
from matchmaking.events import repository
from matchmaking.events.scoring import items_of
from matchmaking.events.service import can_manage, get_visible, my_registration
from matchmaking.exceptions import Forbidden
from matchmaking.models import Event, EventSession, Expert

SIDES = (
    ("enterprise", "企业"),
    ("university", "高校"),
    ("institute", "科研院所"),
    ("expert", "专家"),
)
SUMMARY_CHARS = 90
# Items shown per participant: the booklet is a digest, not the catalogue.
ITEMS_SHOWN = 5
_CONTACT = re.compile(
    r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+"  # e-mail
    r"|(?<!\d)(\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"  # mobile
    r"|(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"  # landline
)
HIDDEN = "（联系方式请通过平台对接）"


def _field(code: str) -> str:
    try:
        return IndustryField(code).label
    except ValueError:
        return ""


def scrub(text: str) -> str:
    """A short, one-line summary with phone numbers and e-mail addresses blanked out."""
    flat = " ".join(_CONTACT.sub(HIDDEN, text or "").split())
    return flat if len(flat) <= SUMMARY_CHARS else flat[: SUMMARY_CHARS - 1] + "…"


@dataclass
class Item:
    title: str
    summary: str


@dataclass
class Entry:
    name: str
    items: list[Item] = field(default_factory=list)
    note: str = ""  # an expert's title and institution


@dataclass
class SessionBlock:
    start: datetime  # local
    end: datetime  # local
    minutes: int
    tables: int
    times: list[str]


@dataclass
class Booklet:
    event: Event
    sessions: list[SessionBlock]
    groups: list[tuple[str, list[Entry]]]  # (side label, entries), empty sides left out
    published_version: int | None
    # (table, [(time, a name, b name)]) of the published schedule.
    tables: list[tuple[int, list[tuple[str, str, str]]]]


def _readable(session: Session, p: Principal, event_id: int) -> Event:
    event = get_visible(session, p, event_id)
    if can_manage(p, event):
        return event
    mine = my_registration(session, p, event.id)
    if mine is None or mine.status is not RegistrationStatus.REGISTERED:
        raise Forbidden("会刊仅向本活动的工作人员和已报名的参会方提供，请先报名")
    return event


def build(session: Session, p: Principal, event_id: int) -> Booklet:
    """The booklet of an event (staff in scope, registered participants)."""
    event = _readable(session, p, event_id)
    slots = repository.slots(session, event.id)
    per_session: dict[int, list[datetime]] = defaultdict(list)
    for s in slots:
        per_session[s.session_id].append(clock.to_local(s.starts_at))
    blocks = []
    stmt = select(EventSession).where(EventSession.event_id == event.id)
    for es in session.scalars(stmt.order_by(EventSession.starts_at)):
        times = sorted(per_session.get(es.id, []))
        if not times:
            continue
        end = times[-1] + timedelta(minutes=es.meeting_minutes)
        blocks.append(
            SessionBlock(
                start=times[0],
                end=end,
                minutes=es.meeting_minutes,
                tables=es.tables,
                times=[t.strftime("%H:%M") for t in times],
            )
        )

    regs = repository.registrations(session, event.id, statuses=(RegistrationStatus.REGISTERED,))
    items = items_of(session, regs)
    groups: dict[str, list[Entry]] = defaultdict(list)
    for reg in regs:
        mine = items[reg.id]
        entry = Entry(name=reg.name)
        if reg.side == "enterprise":
            entry.items = [Item(n.title, scrub(n.description)) for n in mine.needs[:ITEMS_SHOWN]]
        elif reg.side == "expert":
            expert = session.get(Expert, reg.expert_id) if reg.expert_id else None
            if expert is not None:
                fields = "、".join(_field(f) for f in expert.fields.split(";") if f)
                entry.note = " · ".join(x for x in (expert.title, fields) if x)
                entry.items = [Item("研究专长", scrub(expert.expertise))]
        else:
            entry.items = [
                Item(getattr(offer, "title", ""), scrub(getattr(offer, "abstract", "")))
                for _kind, offer in mine.offers[:ITEMS_SHOWN]
            ]
        groups[reg.side].append(entry)

    run = repository.published_run(session, event.id)
    tables: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    if run is not None:
        names = {r.id: r.name for r in repository.registrations(session, event.id)}
        starts = {s.id: clock.to_local(s.starts_at) for s in slots}
        for m in repository.meetings(session, run.id):
            if m.slot_id in starts:
                tables[m.table_no].append(
                    (
                        starts[m.slot_id].strftime("%H:%M"),
                        names.get(m.a_id, ""),
                        names.get(m.b_id, ""),
                    )
                )
    return Booklet(
        event=event,
        sessions=blocks,
        groups=[(label, groups[side]) for side, label in SIDES if groups.get(side)],
        published_version=run.version if run is not None else None,
        tables=[(t, sorted(rows)) for t, rows in sorted(tables.items())],
    )
