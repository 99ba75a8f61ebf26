"""The expert's brief before a visit: the company, its problem and needs, what the
platform would already recommend, and the shared terms."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from matchmaking.accounts.permissions import Principal
from matchmaking.enums import Kind
from matchmaking.matching.indexes import IndexManager
from matchmaking.models import Need
from matchmaking.visits import diagnosis, service
from matchmaking.visits.matching import recommend_for

RECOMMENDED = 5


def brief(session: Session, p: Principal, manager: IndexManager, request_id: int) -> dict[str, Any]:
    """Everything about one request its viewer may see (contacts: see ``request_read``)."""
    r = service.ensure_request_visible(session, p, request_id)
    read = service.request_read(session, p, r)
    needs = (
        list(session.scalars(select(Need).where(Need.id.in_(r.need_ids), Need.org_id == r.org_id)))
        if r.need_ids
        else []
    )
    recommended: dict[str, list[dict[str, Any]]] = {}
    for kind in (Kind.ACHIEVEMENTS, Kind.EXPERTS):
        recommended[kind.value] = [
            {
                "id": m.item.id,
                "title": getattr(m.item, "title", None)
                if kind is Kind.ACHIEVEMENTS
                else m.item.name,
                "org": m.item.org.name,
                "score": round(m.score * 100, 1),
                "shared_terms": list(m.shared_terms),
            }
            for m in recommend_for(session, manager, r, kind, RECOMMENDED)
        ]
    campaign = service.get_campaign(session, r.campaign_id)
    return {
        "request": read,
        "campaign": service.campaign_read(session, campaign),
        "needs": [{"id": n.id, "title": n.title, "status": n.status.label} for n in needs],
        "recommended": recommended,
        "diagnosis": diagnosis.read(session, p, r.id),
        # For the assigned expert: the company's needs a docking may be proposed with.
        "docking_needs": [
            {"id": n.id, "title": n.title, "status": n.status.label}
            for n in diagnosis.docking_needs(session, p, r.id)
        ],
        "may_write": diagnosis._may_write(session, p, r),
        "is_company": p.org_id == r.org_id,
    }
